package org.lowrank4j.compress.recover;

import java.util.Arrays;
import org.lowrank4j.nn.train.TokenWindows;

/**
 * A decoder's training batches: fixed-length windows of a token stream, in the order {@link TokenWindows} reads them for
 * training (a shuffle per pass that depends only on the seed and the pass, batches running on into the next pass without
 * a gap). Window k holds tokens {@code [k·T, k·T + T)}, every row is real (no padding), and a row is named by its window,
 * so the teacher's states of a window can be kept for later passes. Batch {@code step} is a pure function of the step, so
 * a resumed run sees the batches it would have seen. Memory: the token stream (4 bytes a token) and the batch in use.
 */
public final class WindowBatches implements BatchSource {
    private final TokenWindows windows;
    private final int batchSize;

    /**
     * @param tokens    the token stream (not copied; must not change)
     * @param vocabSize every token must lie in [0, vocabSize)
     * @param window    T, tokens per window (at least 2)
     * @param batchSize windows per step
     * @param seed      seed of the per-pass shuffle
     * @throws IllegalArgumentException when the stream does not fill one batch of windows, or holds a token outside the vocabulary
     */
    public WindowBatches(int[] tokens, int vocabSize, int window, int batchSize, long seed) {
        if (batchSize < 1 || window < 2) {
            throw new IllegalArgumentException("window batches need a batch size >= 1 and windows of >= 2 tokens, got " + batchSize
                    + " and " + window);
        }
        long count = tokens.length < window + 1 ? 0 : (tokens.length - 1L) / window;
        if (count < batchSize) {
            throw new IllegalArgumentException("the text holds " + count + " window(s) of " + window + " tokens (" + tokens.length
                    + " tokens), too few to fill one batch of " + batchSize + "; give more text or a smaller batch");
        }
        this.windows = new TokenWindows(tokens, vocabSize, window, seed);
        this.batchSize = batchSize;
    }

    /** Windows in one pass over the text. */
    public int windowCount() {
        return windows.windowCount();
    }

    /** T, tokens per window. */
    public int window() {
        return windows.contextLength();
    }

    /** Whole batches in one pass (the windows left over run on into the next pass). */
    @Override
    public long stepsPerPass() {
        return windows.windowCount() / batchSize;
    }

    @Override
    public synchronized TokenBatch batch(long step) {
        int time = windows.contextLength(), count = windows.windowCount();
        int[] ids = new int[batchSize * time], mask = new int[ids.length], rows = new int[batchSize];
        for (int b = 0; b < batchSize; b++) {
            long g = step * batchSize + b;
            TokenWindows.Position at = new TokenWindows.Position(g / count, (int) (g % count));
            windows.seek(at); // keeps this pass's permutation, so consecutive batches do not rebuild it
            int k = windows.shuffledIndex(at.epoch(), at.offset());
            System.arraycopy(windows.window(k), 0, ids, b * time, time);
            rows[b] = k;
        }
        Arrays.fill(mask, 1);
        return new TokenBatch(ids, new int[ids.length], mask, batchSize, time, rows);
    }

    @Override
    public TokenWindows.Position position(long step) {
        long g = step * batchSize;
        return new TokenWindows.Position(g / windows.windowCount(), (int) (g % windows.windowCount()));
    }
}
