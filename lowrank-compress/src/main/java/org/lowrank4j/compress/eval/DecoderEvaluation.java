package org.lowrank4j.compress.eval;

import org.lowrank4j.nn.generate.CausalLanguageModel;
import org.lowrank4j.nn.generate.DecoderCache;
import org.lowrank4j.nn.generate.ForwardingLanguageModel;
import org.lowrank4j.nn.generate.Perplexity;
import org.lowrank4j.nn.generate.PerplexityResult;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.layers.LogitShaping;
import org.lowrank4j.nn.tensor.Tensor;

/**
 * The decoder protocol of the comparison harness on held-out text: perplexity per token and bits per byte over
 * fixed-length non-overlapping windows ({@link Perplexity}), and from the same pass the Matrix Nuclear-Norm of each
 * full window's last hidden state ({@link MatrixNuclearNorm}, per token, averaged over windows), so a report can set
 * the label-free probe against perplexity. The pass is shared: MNN reads the final hidden states the logits are computed
 * from. MNN's own time (the metric) is measured apart.
 */
public final class DecoderEvaluation {

    private DecoderEvaluation() {
    }

    /**
     * @param perplexity        the perplexity figures ({@link PerplexityResult})
     * @param seconds           wall time of the whole evaluation pass (forward, perplexity and MNN)
     * @param mnnPerToken       mean over full windows of MNN(Z)/N, Z the window's last hidden state (N × hidden)
     * @param mnnWindows        full windows scored by MNN
     * @param mnnSeconds        the part of {@code seconds} spent on MNN beyond the shared forward
     */
    public record Scores(PerplexityResult perplexity, double seconds, double mnnPerToken, int mnnWindows, double mnnSeconds) {
    }

    /**
     * @param tokens    held-out token stream
     * @param window    tokens per window (at least 2, at most the model's positions)
     * @param textBytes UTF-8 length of the text, for bits per byte
     */
    public static Scores evaluate(CausalLanguageModel model, int[] tokens, int window, long textBytes) {
        if (window < 2 || (tokens.length - 1) / window < 1) {
            throw new IllegalArgumentException("evaluation needs at least one full window of at least 2 tokens; " + tokens.length
                    + " tokens hold none of " + window);
        }
        long start = System.nanoTime();
        Probe probe = new Probe(model, window);
        PerplexityResult ppl = Perplexity.evaluate(probe, tokens, window, textBytes);
        double seconds = (System.nanoTime() - start) / 1e9;
        return new Scores(ppl, seconds, probe.sum / probe.windows, probe.windows, probe.nanos / 1e9);
    }

    /**
     * The model as the perplexity pass sees it: it hands on the final hidden states ({@link #decodeFeatures}) and the
     * output projection, so the pass scores a few rows of logits at a time, and after each batch of full windows it
     * scores their hidden states (the same features the logits come from, for every family).
     */
    private static final class Probe extends ForwardingLanguageModel {
        private final CausalLanguageModel model;
        private final int window;
        double sum;
        int windows;
        long nanos;

        Probe(CausalLanguageModel model, int window) {
            super(model);
            this.model = model;
            this.window = window;
        }

        @Override
        public Tensor decodeFeatures(int[] ids, int batch, int time, DecoderCache cache) {
            Tensor features = model.decodeFeatures(ids, batch, time, cache); // (B,T,C)
            if (features == null) {
                throw new IllegalArgumentException(model.getClass().getSimpleName() + " gives no hidden states; the decoder protocol scores"
                        + " LLaMA- and GPT-2-family models");
            }
            if (time == window) {
                long start = System.nanoTime();
                double[] hidden = features.toDoubleArray(); // (B·T, C)
                int c = hidden.length / (batch * time);
                for (int b = 0; b < batch; b++) {
                    sum += MatrixNuclearNorm.perToken(java.util.Arrays.copyOfRange(hidden, b * time * c, (b + 1) * time * c), time, c);
                    windows++;
                }
                nanos += System.nanoTime() - start;
            }
            return features;
        }

        @Override
        public Linear outputProjection() {
            return model.outputProjection();
        }

        @Override
        public LogitShaping logitShaping() {
            return model.logitShaping();
        }
    }
}
