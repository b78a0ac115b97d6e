package org.lowrank4j.compress.methods.modegpt;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.lowrank4j.compress.methods.GramRoot;
import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.arch.llama.BlockShape;
import org.lowrank4j.nn.arch.llama.LlamaModel;
import org.lowrank4j.nn.layers.Attention;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.layers.SwiGluMlp;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.weight.DenseWeight;

/**
 * MoDeGPT on a LLaMA-family decoder (../shared/methods/c10-modegpt.md): per block, the keep ratio κ_l = 1 − φ_l of the
 * allocation narrows all three modules — the MLP to {@code int(I·κ)} channels (Nyström), each query/key head to
 * {@code int(D·κ)} dimensions rounded down to whole RoPE pairs (CR), each value/output head to {@code int(D·κ)}
 * (joint whitened SVD) — and the result is a smaller dense {@link LlamaModel} with those {@link BlockShape}s. A module
 * that keeps everything keeps its weights as they are.
 */
public final class ModegptDecoder {
    /** Relative jitter on C_σ[S,S] before the down projection's solve (spec: 1e-6). */
    static final double DOWN_JITTER = 1e-6;

    /** The narrowed model, the sparsity given to each block, and the targeted parameters before and after. */
    public record Outcome(LlamaModel model, double[] sparsity, double[] influence, long targetedBefore, long targetedAfter) {
        public double achievedRatio() {
            return 1 - (double) targetedAfter / targetedBefore;
        }
    }

    private ModegptDecoder() {
    }

    /**
     * Narrows {@code original} so that on average a fraction {@code ratio} of each block's inner dimensions goes.
     *
     * @param statistics one per block, from {@link ModuleStatistics#collect}
     * @throws IllegalArgumentException for attention biases (not supported yet) or a ratio above the cap
     */
    public static Outcome compress(LlamaModel original, List<ModuleStatistics> statistics, double ratio, ModegptOptions options) {
        int layers = original.config().numHiddenLayers();
        if (statistics.size() != layers) {
            throw new IllegalArgumentException(statistics.size() + " blocks of statistics for a model of " + layers + " blocks");
        }
        if (original.blockShapes() != null) {
            throw new IllegalArgumentException("the model's blocks are already narrowed (it holds structured.json); compress the original dense model");
        }
        if (ratio > options.cap()) {
            throw new IllegalArgumentException("--ratio " + ratio + " is above the largest sparsity of one block, cap=" + options.cap());
        }
        double[] influence = statistics.stream().mapToDouble(ModuleStatistics::influence).toArray();
        double temperature = options.allocation() == ModegptOptions.Allocation.UNIFORM ? Double.POSITIVE_INFINITY : options.temperature();
        double[] phi = BlockInfluenceAllocation.sparsities(influence, ratio, temperature, options.cap());
        int d = original.config().headDim(), inner = original.config().intermediateSize();
        Map<String, DoubleMatrix> weights = new HashMap<>();
        List<BlockShape> shapes = new ArrayList<>();
        long before = 0, after = 0;
        for (int l = 0; l < layers; l++) {
            Attention a = original.block(l).attention();
            SwiGluMlp mlp = (SwiGluMlp) original.block(l).mlp();
            if (a.query().bias() != null || a.key().bias() != null || a.value().bias() != null || a.output().bias() != null) {
                throw new IllegalArgumentException("modegpt: " + a.query().name() + " has attention biases, which are not supported yet");
            }
            double keep = 1 - phi[l];
            int kMlp = Math.max(1, (int) (inner * keep));
            int kHead = (int) (d * keep);
            int qk = Math.max(2, 2 * (kHead / 2)), vo = Math.max(1, kHead);
            ModuleStatistics s = statistics.get(l);
            int[][] pairs = narrowQueryKey(a, s, qk, weights);
            narrowValueOutput(a, s, vo, options.whitening(), weights);
            narrowMlp(mlp, s, kMlp, options.ridge(), weights);
            shapes.add(new BlockShape(kMlp, qk, vo, pairs));
            int c = a.query().inFeatures(), nh = a.heads(), nkv = a.kvHeads();
            before += 3L * c * inner + 2L * c * (nh + nkv) * d;
            after += 3L * c * kMlp + (long) c * (nh + nkv) * qk + (long) c * (nh + nkv) * vo;
        }
        LlamaModel narrowed = new LlamaModel(original.config(), Precision.FLOAT32, false, shapes);
        Map<String, Tensor> originals = new HashMap<>();
        for (Parameter p : original.parameters()) {
            originals.put(p.name(), p.value());
        }
        for (Parameter p : narrowed.parameters()) {
            DoubleMatrix w = weights.get(p.name());
            Tensor target = p.value();
            if (w != null) {
                if (w.rows() * w.cols() != target.size() || target.dim(0) != w.rows()) {
                    throw new IllegalStateException(p.name() + ": computed " + w.shape() + " for " + target.shapeString());
                }
                for (int i = 0; i < w.rows(); i++) {
                    for (int j = 0; j < w.cols(); j++) {
                        target.set(i * w.cols() + j, w.get(i, j));
                    }
                }
            } else {
                Tensor source = originals.get(p.name());
                if (source == null || source.size() != target.size()) {
                    throw new IllegalStateException(p.name() + ": no original tensor of " + target.shapeString());
                }
                for (int i = 0; i < source.size(); i++) {
                    target.set(i, source.get(i));
                }
            }
        }
        return new Outcome(narrowed, phi, influence, before, after);
    }

    /** CR selection per key/value head (pairs kept together, scores summed over its query heads); returns the kept pairs. */
    private static int[][] narrowQueryKey(Attention a, ModuleStatistics s, int qk, Map<String, DoubleMatrix> out) {
        int d = a.headSize(), nh = a.heads(), nkv = a.kvHeads(), group = nh / nkv;
        DoubleMatrix wq = matrix(a.query()), wk = matrix(a.key());
        int c = wq.cols();
        DoubleMatrix q2 = DoubleMatrix.zeros(nh * qk, c), k2 = DoubleMatrix.zeros(nkv * qk, c);
        int[][] pairs = new int[nkv][];
        for (int g = 0; g < nkv; g++) {
            double[][] queries = new double[group][];
            for (int i = 0; i < group; i++) {
                queries[i] = s.queryEnergy()[g * group + i];
            }
            pairs[g] = QueryKeySelection.keptPairs(queries, s.keyEnergy()[g], qk / 2);
            int[] dims = QueryKeySelection.dimensionsOfPairs(pairs[g], d);
            copyRows(wk, g * d, dims, k2, g * qk);
            for (int i = 0; i < group; i++) {
                int h = g * group + i;
                copyRows(wq, h * d, dims, q2, h * qk);
            }
        }
        out.put(a.query().name() + ".weight", q2);
        out.put(a.key().name() + ".weight", k2);
        return pairs;
    }

    /** Joint whitened SVD of each value head with the output columns of the query heads that read it. */
    private static void narrowValueOutput(Attention a, ModuleStatistics s, int vo, double whitening, Map<String, DoubleMatrix> out) {
        int d = a.headSize(), nh = a.heads(), nkv = a.kvHeads(), group = nh / nkv;
        DoubleMatrix wv = matrix(a.value()), wo = matrix(a.output());
        if (vo == d) {
            out.put(a.value().name() + ".weight", wv);
            out.put(a.output().name() + ".weight", wo);
            return;
        }
        int c = wv.cols();
        GramRoot root = ValueOutputSvd.root(s.inputGram(), whitening);
        DoubleMatrix v2 = DoubleMatrix.zeros(nkv * vo, c), o2 = DoubleMatrix.zeros(c, nh * vo);
        for (int g = 0; g < nkv; g++) {
            DoubleMatrix value = wv.rowRange(g * d, (g + 1) * d).copy();
            DoubleMatrix[] outputs = new DoubleMatrix[group];
            for (int i = 0; i < group; i++) {
                int h = g * group + i;
                outputs[i] = wo.colRange(h * d, (h + 1) * d).copy();
            }
            ValueOutputSvd.Result r = ValueOutputSvd.joint(value, outputs, root, vo);
            for (int i = 0; i < vo; i++) {
                for (int j = 0; j < c; j++) {
                    v2.set(g * vo + i, j, r.value().get(i, j));
                }
            }
            for (int i = 0; i < group; i++) {
                int h = g * group + i;
                for (int row = 0; row < c; row++) {
                    for (int j = 0; j < vo; j++) {
                        o2.set(row, h * vo + j, r.outputs()[i].get(row, j));
                    }
                }
            }
        }
        out.put(a.value().name() + ".weight", v2);
        out.put(a.output().name() + ".weight", o2);
    }

    /** Nyström: gate and up keep the channels of largest ridge leverage, down is refitted by least squares. */
    private static void narrowMlp(SwiGluMlp mlp, ModuleStatistics s, int k, double ridge, Map<String, DoubleMatrix> out) {
        DoubleMatrix gate = matrix(mlp.gate()), up = matrix(mlp.up()), down = matrix(mlp.down());
        if (k == gate.rows()) {
            out.put(mlp.gate().name() + ".weight", gate);
            out.put(mlp.up().name() + ".weight", up);
            out.put(mlp.down().name() + ".weight", down);
            return;
        }
        int[] kept = NystromMlp.select(s.mlpCorrelation(), k, ridge);
        out.put(mlp.gate().name() + ".weight", NystromMlp.rows(gate, kept));
        out.put(mlp.up().name() + ".weight", NystromMlp.rows(up, kept));
        out.put(mlp.down().name() + ".weight", NystromMlp.downProjection(down, s.mlpCorrelation(), kept, DOWN_JITTER));
    }

    private static void copyRows(DoubleMatrix from, int offset, int[] rows, DoubleMatrix to, int at) {
        for (int j = 0; j < rows.length; j++) {
            for (int col = 0; col < from.cols(); col++) {
                to.set(at + j, col, from.get(offset + rows[j], col));
            }
        }
    }

    /** A dense projection's weight (out × in) in float64. */
    static DoubleMatrix matrix(Linear linear) {
        if (!(linear.weight() instanceof DenseWeight dense)) {
            throw new IllegalArgumentException(linear.name() + " is not dense (it is stored factorised or quantized); compress the original dense model");
        }
        Tensor t = dense.weight().value();
        return t.matrix(t.dim(0), t.dim(1)).toDouble();
    }
}
