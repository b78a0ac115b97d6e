package org.lowrank4j.compress.eval;

import org.lowrank4j.compress.runtime.DecoderRuntime;
import org.lowrank4j.nn.arch.llama.LlamaModel;
import org.lowrank4j.nn.generate.CausalLanguageModel;
import org.lowrank4j.nn.generate.DecoderCache;
import org.lowrank4j.nn.generate.ForwardingLanguageModel;
import org.lowrank4j.nn.generate.Perplexity;
import org.lowrank4j.nn.generate.PerplexityResult;
import org.lowrank4j.nn.tensor.Tensor;

/**
 * The decoder protocol of the comparison harness on held-out text: perplexity per token and bits per byte over
 * fixed-length non-overlapping windows ({@link Perplexity}), and from the same pass the Matrix Nuclear-Norm of each
 * full window's last hidden state ({@link MatrixNuclearNorm}, per token, averaged over windows), so a report can set
 * the label-free probe against perplexity. A LLaMA-family model's forward is shared (its hidden state is rebuilt from
 * the pass); another family's runs one more full-sequence forward per full window. MNN's own time (the hidden state
 * and the metric) is measured apart.
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

    /** The model as the perplexity pass sees it; after each batch of full windows it scores their hidden states. */
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
        public Tensor decode(int[] ids, int batch, int time, DecoderCache cache) {
            boolean scored = time == window;
            long start = System.nanoTime();
            // another family's (GPT-2, OPT) last hidden state comes from a full-sequence forward, run before the decode so
            // that the logits the decode returns are not touched afterwards
            double[] hidden = scored && !(model instanceof LlamaModel) ? model.forwardFeatures(ids, batch, time).toDoubleArray() : null;
            long before = System.nanoTime() - start;
            Tensor logits = model.decode(ids, batch, time, cache);
            if (scored) {
                start = System.nanoTime();
                if (hidden == null) { // a LLaMA-family model's is rebuilt from what its layers kept of the decode
                    hidden = DecoderRuntime.hiddenStateOfLatestPass((LlamaModel) model, ids); // (B·T, C)
                }
                int c = hidden.length / (batch * time);
                for (int b = 0; b < batch; b++) {
                    sum += MatrixNuclearNorm.perToken(java.util.Arrays.copyOfRange(hidden, b * time * c, (b + 1) * time * c), time, c);
                    windows++;
                }
                nanos += before + System.nanoTime() - start;
            }
            return logits;
        }
    }
}
