package org.lowrank4j.compress.methods.modegpt;

import java.util.ArrayList;
import java.util.List;
import org.lowrank4j.compress.Progress;
import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.linalg.Linalg;
import org.lowrank4j.nn.arch.llama.LlamaModel;
import org.lowrank4j.nn.block.PreNormBlock;
import org.lowrank4j.nn.layers.Attention;
import org.lowrank4j.nn.layers.SwiGluMlp;
import org.lowrank4j.nn.tensor.Kernels;
import org.lowrank4j.nn.tensor.Tensor;

/**
 * The calibration statistics MoDeGPT reads, per decoder block, from one pass of the original model (the JVM runtime)
 * over calibration windows: the Gram of the attention block's normalised input (what q, k, v see), the per-dimension
 * energy {@code Σ_t q_t,i²} of every query and key head before RoPE (the diagonals of C_q, C_k), the correlation
 * {@code C_σ = Σ_t h_t h_tᵀ} of the SwiGLU product {@code h = silu(gate) ⊙ up}, and the Block-Influence score
 * {@code mean_t (1 − cos(x_in,t, x_out,t))}. Sums in float64.
 *
 * @param inputGram       Σ x̂ x̂ᵀ of the normalised attention input (C × C)
 * @param queryEnergy     per query head, Σ_t q_t,i² before RoPE (NH × D)
 * @param keyEnergy       per key head, Σ_t k_t,i² before RoPE (NKV × D)
 * @param mlpCorrelation  C_σ (I × I)
 * @param influence       the Block-Influence score
 * @param tokens          tokens seen
 */
public record ModuleStatistics(DoubleMatrix inputGram, double[][] queryEnergy, double[][] keyEnergy, DoubleMatrix mlpCorrelation,
                               double influence, long tokens) {

    /**
     * Runs the windows through {@code model} ({@code perBatch} at a time, each window's first {@code context} tokens) and
     * returns the statistics of every block, in order.
     */
    public static List<ModuleStatistics> collect(LlamaModel model, int[][] windows, int context, int perBatch, Progress progress) {
        int layers = model.config().numHiddenLayers(), c = model.config().hiddenSize();
        Accumulator[] acc = new Accumulator[layers];
        for (int l = 0; l < layers; l++) {
            Attention a = model.block(l).attention();
            SwiGluMlp mlp = (SwiGluMlp) model.block(l).mlp();
            acc[l] = new Accumulator(c, a.heads(), a.kvHeads(), a.headSize(), mlp.up().outFeatures());
        }
        for (int first = 0; first < windows.length; first += perBatch) {
            progress.update("calibration", first, windows.length, "");
            int batch = Math.min(perBatch, windows.length - first);
            int[] ids = new int[batch * context];
            for (int b = 0; b < batch; b++) {
                System.arraycopy(windows[first + b], 0, ids, b * context, context);
            }
            Tensor x = model.tokenEmbedding().forward(ids, null, batch, context, 0); // (B,T,C)
            for (int l = 0; l < layers; l++) {
                x = acc[l].block(model.block(l), x);
            }
        }
        progress.update("calibration", windows.length, windows.length, "");
        List<ModuleStatistics> out = new ArrayList<>();
        for (Accumulator a : acc) {
            out.add(new ModuleStatistics(a.inputGram, a.queryEnergy, a.keyEnergy, a.mlpCorrelation, a.influence / a.tokens, a.tokens));
        }
        return out;
    }

    /** The running sums of one block. */
    private static final class Accumulator {
        final DoubleMatrix inputGram, mlpCorrelation;
        final double[][] queryEnergy, keyEnergy;
        double influence;
        long tokens;

        Accumulator(int channels, int heads, int kvHeads, int headSize, int intermediate) {
            inputGram = DoubleMatrix.zeros(channels, channels);
            mlpCorrelation = DoubleMatrix.zeros(intermediate, intermediate);
            queryEnergy = new double[heads][headSize];
            keyEnergy = new double[kvHeads][headSize];
        }

        /** The block's forward on x (B,T,C), written out so that its inner activations are seen; returns its output. */
        Tensor block(PreNormBlock block, Tensor x) {
            if (block.hasPostNorms()) {
                throw new IllegalArgumentException("modegpt: " + block.attention().query().name() + "'s block normalises its attention and MLP"
                        + " outputs (Gemma 2 and 3), which MoDeGPT's statistics do not cover");
            }
            int rows = x.dim(0) * x.dim(1), c = x.dim(2);
            Kernels kn = Kernels.of(x);
            Attention attention = block.attention();
            Tensor normed = block.attentionNorm().forward(x);
            add(inputGram, Linalg.gram(normed.matrix(rows, c)));
            energy(queryEnergy, attention.query().forward(normed), rows);
            energy(keyEnergy, attention.key().forward(normed), rows);
            Tensor h = attention.forward(normed, null);
            kn.scale(h, block.residualScale()); // Granite's residual_multiplier, 1 elsewhere
            kn.addInPlace(h, x);
            SwiGluMlp mlp = (SwiGluMlp) block.mlp();
            Tensor normed2 = block.mlpNorm().forward(h);
            Tensor gated = mlp.gate().forward(normed2), lifted = mlp.up().forward(normed2);
            Tensor product = gated.zerosLike();
            mlp.activation().forward(kn, product, gated, lifted);
            add(mlpCorrelation, Linalg.gram(product.matrix(rows, product.dim(2))));
            Tensor out = mlp.down().forward(product);
            kn.scale(out, block.residualScale());
            kn.addInPlace(out, h);
            for (int t = 0; t < rows; t++) {
                double dot = 0, nx = 0, ny = 0;
                for (int j = 0; j < c; j++) {
                    double a = x.get(t * c + j), b = out.get(t * c + j);
                    dot += a * b;
                    nx += a * a;
                    ny += b * b;
                }
                influence += 1 - (nx == 0 || ny == 0 ? 1 : dot / Math.sqrt(nx * ny));
            }
            tokens += rows;
            return out;
        }

        private static void energy(double[][] sums, Tensor states, int rows) {
            int heads = sums.length, d = sums[0].length;
            for (int t = 0; t < rows; t++) {
                for (int h = 0; h < heads; h++) {
                    for (int i = 0; i < d; i++) {
                        double v = states.get((t * heads + h) * d + i);
                        sums[h][i] += v * v;
                    }
                }
            }
        }

        private static void add(DoubleMatrix into, DoubleMatrix m) {
            double[] a = into.data(), b = m.data();
            for (int i = 0; i < a.length; i++) {
                a[i] += b[i];
            }
        }
    }
}
