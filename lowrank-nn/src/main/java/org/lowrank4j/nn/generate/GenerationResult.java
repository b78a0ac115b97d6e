package org.lowrank4j.nn.generate;

/**
 * What {@link Generator} or {@link BatchGenerator} produced for one sequence.
 *
 * @param tokens the new token ids (the prompt and a final stop token excluded)
 * @param reason why generation ended
 */
public record GenerationResult(int[] tokens, StopReason reason) {

    /** Why generation ended. */
    public enum StopReason {
        /** A stop (end-of-sequence) token was drawn. */
        STOP_TOKEN,
        /** {@link GenerationOptions#maxNewTokens()} tokens were generated. */
        MAX_TOKENS,
        /** The sequence reached the model's maximum number of positions. */
        CONTEXT_FULL,
        /** The caller's token sink ended it ({@link BatchGenerator.TokenSink}). */
        ENDED_BY_CALLER
    }
}
