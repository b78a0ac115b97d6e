package org.lowrank4j.nn.generate;

import java.util.function.UnaryOperator;
import org.lowrank4j.nn.tensor.Tensor;

/**
 * Decoder perplexity over fixed-length non-overlapping windows of a token stream, the project's evaluation
 * protocol. Window k feeds tokens {@code [kW, kW + W)} from a fresh context and scores the next token at each of
 * its positions, {@code [kW + 1, kW + W + 1)}; so every token but the first is predicted exactly once, with between
 * 1 and W tokens of context, and the last window may be shorter. Equal-length windows are run in batches. The model
 * is run through its KV-cache path, which keeps no activations.
 */
public final class Perplexity {
    /** Tokens run in one batch (as in training: 16 windows of 256). */
    private static final long TOKEN_BUDGET = 4096;

    /** Logits held at once: batch · window · vocab (16 M values). */
    private static final long LOGIT_BUDGET = 1L << 24;

    private Perplexity() {
    }

    /** Told after each batch of windows how many of the text's windows are scored. */
    @FunctionalInterface
    public interface WindowProgress {
        void scored(int windowsDone, int windowsTotal);

        WindowProgress NONE = (done, total) -> { };
    }

    /** As {@link #evaluate(CausalLanguageModel, int[], int, long, WindowProgress)}, silently. */
    public static PerplexityResult evaluate(CausalLanguageModel model, int[] tokens, int window, long textBytes) {
        return evaluate(model, tokens, window, textBytes, WindowProgress.NONE);
    }

    /**
     * @param tokens    the token stream (at least 2 tokens)
     * @param window    tokens fed per window, at most the model's maximum positions
     * @param textBytes byte length of the text the stream encodes (UTF-8), for bits per byte
     * @param progress  told after each batch how many windows are scored
     */
    public static PerplexityResult evaluate(CausalLanguageModel model, int[] tokens, int window, long textBytes,
            WindowProgress progress) {
        return evaluate(model, tokens, window, textBytes, progress, LOGIT_BUDGET);
    }

    /** As {@link #evaluate(CausalLanguageModel, int[], int, long, WindowProgress)}, holding at most {@code logitBudget} logits. */
    static PerplexityResult evaluate(CausalLanguageModel model, int[] tokens, int window, long textBytes, WindowProgress progress,
            long logitBudget) {
        if (tokens.length < 2) {
            throw new IllegalArgumentException("perplexity needs at least 2 tokens, got " + tokens.length);
        }
        if (window < 1 || window > model.maxPositions()) {
            throw new IllegalArgumentException("window of " + window + " tokens must be in [1, " + model.maxPositions() + "] (the model's positions)");
        }
        if (textBytes < 1) {
            throw new IllegalArgumentException("the text length in bytes must be positive, got " + textBytes);
        }
        int predicted = tokens.length - 1;
        int fullWindows = predicted / window, rest = predicted % window;
        int batchSize = batchSize(window, model.vocabSize(), fullWindows);
        int windows = fullWindows + (rest > 0 ? 1 : 0);
        double total = 0;
        for (int first = 0; first < fullWindows; first += batchSize) {
            int batch = Math.min(batchSize, fullWindows - first);
            total += windowNll(model, tokens, first * window, window, batch, logitBudget);
            progress.scored(first + batch, windows);
        }
        if (rest > 0) {
            total += windowNll(model, tokens, fullWindows * window, rest, 1, logitBudget);
            progress.scored(windows, windows);
        }
        double mean = total / predicted;
        return new PerplexityResult(predicted, windows, total, mean, Math.exp(mean), textBytes,
                total / Math.log(2) / textBytes);
    }

    /**
     * Full windows run at once: bounded by the logits held at once and by the tokens in flight (attention scores grow
     * with B·T²), at least 1, at most {@code fullWindows}.
     */
    public static int batchSize(int window, int vocab, int fullWindows) {
        long byLogits = LOGIT_BUDGET / ((long) window * vocab);
        long byTokens = Math.max(1, TOKEN_BUDGET / window);
        return (int) Math.max(1, Math.min(fullWindows, Math.min(byLogits, byTokens)));
    }

    /**
     * Summed NLL of {@code batch} consecutive windows of length {@code time} starting at token {@code start}. A model that
     * gives its hidden states ({@link CausalLanguageModel#decodeFeatures}) is scored a few rows at a time, so that at most
     * {@code logitBudget} logits are held however large the vocabulary (Gemma's 262,144 tokens over a 2,048-token window
     * would be 2.1 GB at once).
     */
    private static double windowNll(CausalLanguageModel model, int[] tokens, int start, int time, int batch, long logitBudget) {
        int[] inputs = new int[batch * time];
        System.arraycopy(tokens, start, inputs, 0, inputs.length);
        Tensor features = model.decodeFeatures(inputs, batch, time, model.newCache(batch, time)); // (B,T,C)
        if (features == null) {
            return nll(model.decode(inputs, batch, time, model.newCache(batch, time)), tokens, start, inputs.length); // (B,T,V)
        }
        return featuresNll(features, model::logitsOf, model.vocabSize(), tokens, start, logitBudget);
    }

    /**
     * Summed NLL of the next tokens for the inputs {@code tokens[start, start + N)} from their final-normed hidden states
     * {@code features} (N rows of C, any leading shape), whose logits {@code logitsOf} computes (the output projection, then
     * the model's {@code LogitShaping}, if any): a few rows at a time, at most 16 M logits at once.
     */
    public static double featuresNll(Tensor features, UnaryOperator<Tensor> logitsOf, int vocab, int[] tokens, int start) {
        return featuresNll(features, logitsOf, vocab, tokens, start, LOGIT_BUDGET);
    }

    private static double featuresNll(Tensor features, UnaryOperator<Tensor> logitsOf, int vocab, int[] tokens, int start, long logitBudget) {
        int channels = features.dim(-1), rows = features.size() / channels;
        int chunk = (int) Math.max(1, Math.min(rows, logitBudget / vocab));
        double total = 0;
        for (int first = 0; first < rows; first += chunk) {
            int count = Math.min(chunk, rows - first);
            Tensor part = Tensor.zeros(features.precision(), count, channels);
            part.matrix(count, channels).assign(features.matrix(rows, channels).rowRange(first, first + count));
            total += nll(logitsOf.apply(part), tokens, start + first, count);
        }
        return total;
    }

    /**
     * Summed NLL of the next tokens given logits (count rows of V) for the inputs {@code tokens[start, start + count)}: row
     * n scores {@code tokens[start + n + 1]}.
     */
    public static double nll(Tensor logits, int[] tokens, int start, int count) {
        int vocab = logits.dim(-1);
        double total = 0;
        for (int n = 0; n < count; n++) {
            int target = tokens[start + n + 1];
            if (target < 0 || target >= vocab) {
                throw new IllegalArgumentException("token id " + target + " at index " + (start + n + 1) + " is outside the vocabulary [0, " + vocab + ")");
            }
            double max = Double.NEGATIVE_INFINITY;
            for (int v = 0; v < vocab; v++) {
                max = Math.max(max, logits.get(n * vocab + v));
            }
            double sum = 0;
            for (int v = 0; v < vocab; v++) {
                sum += Math.exp(logits.get(n * vocab + v) - max);
            }
            total += max + Math.log(sum) - logits.get(n * vocab + target);
        }
        return total;
    }
}
