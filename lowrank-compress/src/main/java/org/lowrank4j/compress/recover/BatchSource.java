package org.lowrank4j.compress.recover;

import org.lowrank4j.nn.train.TokenWindows;

/**
 * The training batches of a recovery run: batch {@code step} is a pure function of the step number, so an
 * interrupted run resumes on exactly the batches it would have seen ({@link SentenceBatches} for text).
 */
@FunctionalInterface
public interface BatchSource {

    /** The batch of step {@code step} (0-based). */
    TokenBatch batch(long step);

    /** Steps in one pass over the data, or 0 when unknown (a run that stays within one pass keeps no teacher states). */
    default long stepsPerPass() {
        return 0;
    }

    /** Where step {@code step} is in the data (stored in checkpoints for the record): by default pass 0, offset step. */
    default TokenWindows.Position position(long step) {
        return new TokenWindows.Position(0, (int) Math.min(Integer.MAX_VALUE, step));
    }
}
