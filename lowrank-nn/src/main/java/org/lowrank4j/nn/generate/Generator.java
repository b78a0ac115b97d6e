package org.lowrank4j.nn.generate;

import java.util.Arrays;
import java.util.Random;
import java.util.function.IntConsumer;
import org.lowrank4j.nn.tensor.Tensor;

/**
 * Continues a prompt token by token with a KV cache: one forward over the prompt (prefill), then one single-token
 * decode step per new token. Works on token ids; {@link #generateText} adds a {@link Tokenizer} on both ends.
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
        if (prompt.length < 1 || prompt.length >= model.maxPositions()) {
            throw new IllegalArgumentException("the prompt has " + prompt.length + " tokens; it needs at least 1 and fewer than the model's "
                    + model.maxPositions() + " positions");
        }
        int capacity = (int) Math.min(model.maxPositions(), (long) prompt.length + options.maxNewTokens());
        DecoderCache cache = model.newCache(1, capacity);
        int[] out = new int[options.maxNewTokens()];
        int produced = 0, position = prompt.length;
        Tensor logits = model.decode(prompt, 1, prompt.length, cache); // (1, T, V)
        while (true) {
            int next = Sampler.sample(lastRow(logits), options.temperature(), options.topP(), random);
            if (options.stopTokens().contains(next)) {
                return new GenerationResult(Arrays.copyOf(out, produced), GenerationResult.StopReason.STOP_TOKEN);
            }
            out[produced++] = next;
            if (onToken != null) {
                onToken.accept(next);
            }
            if (produced == options.maxNewTokens()) {
                return new GenerationResult(out, GenerationResult.StopReason.MAX_TOKENS);
            }
            if (position == capacity) {
                return new GenerationResult(Arrays.copyOf(out, produced), GenerationResult.StopReason.CONTEXT_FULL);
            }
            logits = model.decode(new int[] {next}, 1, 1, cache);
            position++;
        }
    }

    /** {@link #generate} without a streaming callback. */
    public static GenerationResult generate(CausalLanguageModel model, int[] prompt, GenerationOptions options, Random random) {
        return generate(model, prompt, options, random, null);
    }

    /** Encodes the prompt, generates, and decodes the new tokens. */
    public static String generateText(CausalLanguageModel model, Tokenizer tokenizer, String prompt, GenerationOptions options, Random random) {
        if (tokenizer.vocabSize() > model.vocabSize()) {
            throw new IllegalArgumentException("the tokenizer has " + tokenizer.vocabSize() + " tokens but the model only " + model.vocabSize());
        }
        return tokenizer.decode(generate(model, tokenizer.encode(prompt), options, random).tokens());
    }

    /**
     * The logits of the last time step of (1, T, V) as doubles; a non-finite logit means the model is broken (NaN or
     * infinite weights, or an overflow), and sampling from it would emit garbage, so it is refused.
     */
    private static double[] lastRow(Tensor logits) {
        int vocab = logits.dim(-1), offset = logits.size() - vocab;
        double[] row = new double[vocab];
        for (int v = 0; v < vocab; v++) {
            row[v] = logits.get(offset + v);
            if (!Double.isFinite(row[v])) {
                throw new IllegalArgumentException("the model produced a non-finite logit (" + row[v] + ") for token " + v
                        + ": its weights hold NaN or infinite values, or overflow; nothing was generated");
            }
        }
        return row;
    }
}
