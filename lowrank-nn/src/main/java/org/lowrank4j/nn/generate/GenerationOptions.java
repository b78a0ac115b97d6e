package org.lowrank4j.nn.generate;

import java.util.Set;

/**
 * How to continue a prompt.
 *
 * @param maxNewTokens the most tokens to generate (>= 1)
 * @param temperature  0 for greedy decoding, otherwise the softmax temperature
 * @param topP         nucleus size in (0, 1]; 1 samples from the whole distribution
 * @param stopTokens   ids that end generation (end-of-sequence); the stop token is not part of the output
 */
public record GenerationOptions(int maxNewTokens, double temperature, double topP, Set<Integer> stopTokens) {

    public GenerationOptions {
        if (maxNewTokens < 1) {
            throw new IllegalArgumentException("maxNewTokens must be >= 1, got " + maxNewTokens);
        }
        Sampler.checkOptions(temperature, topP);
        stopTokens = Set.copyOf(stopTokens);
    }

    /** Greedy decoding of up to {@code maxNewTokens}, no stop token. */
    public static GenerationOptions greedy(int maxNewTokens) {
        return new GenerationOptions(maxNewTokens, 0, 1, Set.of());
    }

    /** Temperature and top-p sampling of up to {@code maxNewTokens}, no stop token; temperature 0 is greedy (top-p unused). */
    public static GenerationOptions sampling(int maxNewTokens, double temperature, double topP) {
        return new GenerationOptions(maxNewTokens, temperature, topP, Set.of());
    }

    /** The same options, stopping at any of {@code ids}. */
    public GenerationOptions stoppingAt(Integer... ids) {
        return new GenerationOptions(maxNewTokens, temperature, topP, Set.of(ids));
    }
}
