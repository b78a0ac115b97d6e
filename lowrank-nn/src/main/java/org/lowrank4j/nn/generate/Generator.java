package org.lowrank4j.nn.generate;

import java.util.List;
import java.util.Random;
import java.util.function.IntConsumer;

/**
 * Continues a prompt token by token with a KV cache: one forward over the prompt (prefill), then one single-token
 * decode step per new token ({@link BatchGenerator} with one prompt). Works on token ids; {@link #generateText} adds a
 * {@link Tokenizer} on both ends.
 */
public final class Generator {
    private Generator() {
    }

    /**
     * @param prompt  at least one token id, fewer than the model's maximum positions
     * @param random  source of the sampling draws (unused when greedy); same seed, same output
     * @param onToken called with each new token as it is produced (for streaming), or null
     */
    public static GenerationResult generate(CausalLanguageModel model, int[] prompt, GenerationOptions options, Random random,
            IntConsumer onToken) {
        return BatchGenerator.generate(model, List.of(prompt), List.of(options), List.of(random), onToken == null ? null : (index, token) -> {
            onToken.accept(token);
            return true;
        }).get(0);
    }

    /** {@link #generate} without a streaming callback. */
    public static GenerationResult generate(CausalLanguageModel model, int[] prompt, GenerationOptions options, Random random) {
        return generate(model, prompt, options, random, null);
    }

    /** Encodes the prompt ({@link Tokenizer#encodePrompt}: with a leading BOS where the tokenizer adds one), generates, and decodes the new tokens. */
    public static String generateText(CausalLanguageModel model, Tokenizer tokenizer, String prompt, GenerationOptions options, Random random) {
        if (tokenizer.vocabSize() > model.vocabSize()) {
            throw new IllegalArgumentException("the tokenizer has " + tokenizer.vocabSize() + " tokens but the model only " + model.vocabSize());
        }
        return tokenizer.decode(generate(model, tokenizer.encodePrompt(prompt), options, random).tokens());
    }
}
