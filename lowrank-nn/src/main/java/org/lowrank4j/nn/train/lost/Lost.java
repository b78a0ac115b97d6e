package org.lowrank4j.nn.train.lost;

import java.util.Arrays;
import java.util.Comparator;
import java.util.Locale;
import java.util.Map;
import java.util.stream.IntStream;
import org.lowrank4j.linalg.SvdResult;
import org.lowrank4j.linalg.decomposition.ExactSvd;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.generate.CausalLanguageModel;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.tensor.MatMul;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.train.Parameterization;
import org.lowrank4j.nn.train.sltrain.SlTrain;
import org.lowrank4j.nn.weight.SparsePlusLowRankWeight;

/**
 * LOST (Li et al., 2025, arXiv:2508.02668): every block projection's initial dense weight W0 = U·Σ·Vᵀ is split into
 * its dominant rank-r part, trained as {@code B = U_r·Σ_r^½} (out, r) and {@code A = Σ_r^½·V_rᵀ} (r, in), and a
 * channel-wise sparse complement: of the remaining components {@code W⊥ = W0 − B·A}, the channels with the largest
 * ℓ2 norm are kept whole (⌊δ·channels⌋ of them, at least one) and trained on that fixed support;
 * {@code W = B·A + S}. Embeddings and norms stay dense; the optimizer is plain AdamW.
 *
 * <p>Not verified against the authors' code (not retrievable): the channel axis (input columns by default,
 * {@code outputChannels} for rows), the selection by the norm of W⊥ and the single split at initialisation are our
 * reading of the paper, kept configurable where it matters. W0 is whatever the model holds when {@link #install} runs
 * (the seed's initialisation, or an {@code --init} folder's weights), so a resumed run derives the same supports.
 *
 * @param rank           r, at least 1 and at most every projection's smaller dimension
 * @param density        δ in (0, 1], the fraction of channels S keeps
 * @param outputChannels keep output channels (rows of W) instead of input channels (columns)
 */
public record Lost(int rank, double density, boolean outputChannels) implements Parameterization {
    public static final String METHOD = "lost";
    /** r = 128 as the other methods' 60M settings; δ = 0.03, SLTrain's budget [ours: the paper's default is not known here]. */
    public static final int DEFAULT_RANK = 128;
    public static final double DEFAULT_DENSITY = 0.03;
    /** Parameter name suffixes: {@code <site>.lost_B} (out, r), {@code .lost_A} (r, in), {@code .lost_values}. */
    public static final String B_SUFFIX = ".lost_B", A_SUFFIX = ".lost_A", VALUES_SUFFIX = ".lost_values";

    public Lost {
        if (rank < 1) {
            throw new IllegalArgumentException(METHOD + ": option rank must be >= 1, got " + rank);
        }
        if (!(density > 0 && density <= 1)) {
            throw new IllegalArgumentException(METHOD + ": option density must be in (0, 1], got " + density);
        }
    }

    /** {@code lost:rank=R:density=D:output-channels=0|1}. */
    public String describe() {
        return String.format(Locale.ROOT, "%s:rank=%d:density=%s:output-channels=%d", METHOD, rank, density, outputChannels ? 1 : 0);
    }

    /** The number of channels S keeps out of {@code channels}: ⌊δ·channels⌋, at least 1. */
    public int keptChannels(int channels) {
        return (int) Math.max(1, Math.floor(density * channels));
    }

    @Override
    public void install(CausalLanguageModel model, long seed) {
        Map<String, Linear> sites = model.linearSites();
        for (Map.Entry<String, Linear> e : sites.entrySet()) {
            SlTrain.requireRankFits(METHOD, rank, e.getKey(), e.getValue());
        }
        for (Linear linear : sites.values()) {
            linear.setWeight(split(linear.name(), linear.weight().toDense()));
        }
    }

    /** The LOST split of the dense weight {@code w0} (out, in), in float64 and stored in w0's precision. */
    public SparsePlusLowRankWeight split(String name, Tensor w0) {
        int out = w0.dim(0), in = w0.dim(1);
        Precision precision = w0.precision();
        Tensor rest = w0.to(Precision.FLOAT64).copy(); // becomes W⊥ = W0 − B A
        SvdResult svd = new ExactSvd().decompose(rest.copy().matrix(), rank);
        Tensor b = Tensor.zeros(Precision.FLOAT64, out, rank), a = Tensor.zeros(Precision.FLOAT64, rank, in);
        for (int k = 0; k < rank; k++) {
            double root = Math.sqrt(svd.s()[k]);
            for (int i = 0; i < out; i++) {
                b.matrix().set(i, k, svd.u().get(i, k) * root);
            }
            for (int j = 0; j < in; j++) {
                a.matrix().set(k, j, svd.vt().get(k, j) * root);
            }
        }
        MatMul.gemm(-1, b.matrix(), a.matrix(), 1, rest.matrix());
        int[] channels = strongestChannels(rest, outputChannels ? out : in);
        int[] support = new int[channels.length * (outputChannels ? in : out)];
        int n = 0;
        if (outputChannels) {
            for (int row : channels) {
                for (int j = 0; j < in; j++) {
                    support[n++] = row * in + j;
                }
            }
        } else {
            for (int i = 0; i < out; i++) {
                for (int col : channels) {
                    support[n++] = i * in + col;
                }
            }
        }
        Tensor values = Tensor.zeros(precision, support.length);
        for (int k = 0; k < support.length; k++) {
            values.set(k, rest.get(support[k]));
        }
        return new SparsePlusLowRankWeight(new Parameter(name + B_SUFFIX, b.to(precision)), new Parameter(name + A_SUFFIX, a.to(precision)),
                1, support, new Parameter(name + VALUES_SUFFIX, values));
    }

    /** The kept channels (rows or columns of {@code rest}) by decreasing ℓ2 norm, ties to the lower index, sorted. */
    private int[] strongestChannels(Tensor rest, int channels) {
        int out = rest.dim(0), in = rest.dim(1);
        double[] norms = new double[channels];
        for (int i = 0; i < out; i++) {
            for (int j = 0; j < in; j++) {
                double v = rest.get(i * in + j);
                norms[outputChannels ? i : j] += v * v;
            }
        }
        int[] kept = IntStream.range(0, channels).boxed().sorted(Comparator.comparingDouble((Integer c) -> -norms[c]).thenComparingInt(c -> c))
                .limit(keptChannels(channels)).mapToInt(Integer::intValue).toArray();
        Arrays.sort(kept);
        return kept;
    }
}
