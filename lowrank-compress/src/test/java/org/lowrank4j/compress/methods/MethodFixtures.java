package org.lowrank4j.compress.methods;

import java.util.Random;
import org.lowrank4j.compress.LayerStats;
import org.lowrank4j.compress.LinearWeight;
import org.lowrank4j.compress.Synthetic;
import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.linalg.Linalg;

/**
 * Synthetic sites with every statistic a method may read: original-model inputs X_f, compressed-prefix inputs X_c
 * (aligned rows), their Grams and cross moment, and a Fisher sum from per-token gradients. Activations are rounded
 * to float32 once, so the statistics (accumulated from float rows) and the matrices here agree exactly.
 */
public final class MethodFixtures {
    private MethodFixtures() {
    }

    /** A weight with its inputs in the original (X_f, N×n) and partly compressed (X_c, N×n) model, and the statistics. */
    public record Fixture(LinearWeight weight, DoubleMatrix xf, DoubleMatrix xc, LayerStats stats) {
        public DoubleMatrix w() {
            return weight.weight();
        }
    }

    /** Correlated activations with outlier channels, already float32-rounded. */
    public static DoubleMatrix activations(int tokens, int n, int outliers, double outlierScale, long seed) {
        return Synthetic.activations(tokens, n, outliers, outlierScale, seed).toFloat().toDouble();
    }

    /** X_c = X_f (I + strength·E) + noise·Z with E, Z standard normal: the drift of an upstream compression. */
    public static DoubleMatrix drifted(DoubleMatrix xf, double strength, double noise, long seed) {
        Random random = new Random(seed);
        int n = xf.cols();
        DoubleMatrix mix = DoubleMatrix.identity(n);
        DoubleMatrix e = DoubleMatrix.gaussian(n, n, random);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                mix.set(i, j, mix.get(i, j) + strength * e.get(i, j) / Math.sqrt(n));
            }
        }
        DoubleMatrix xc = Linalg.multiply(xf, mix);
        double rms = xf.frobeniusNorm() / Math.sqrt((double) xf.rows() * n);
        DoubleMatrix z = DoubleMatrix.gaussian(xf.rows(), n, random);
        for (int t = 0; t < xc.rows(); t++) {
            for (int j = 0; j < n; j++) {
                xc.set(t, j, xc.get(t, j) + noise * rms * z.get(t, j));
            }
        }
        return xc.toFloat().toDouble();
    }

    /** Every statistic: Gram of X_f, prefix (Gram of X_c, cross X_fᵀX_c) and a per-token Fisher sum. */
    public static Fixture full(LinearWeight weight, DoubleMatrix xf, DoubleMatrix xc, long fisherSeed) {
        return new Fixture(weight, xf, xc, stats(weight, xf, xc, true, true, true, fisherSeed));
    }

    /**
     * Statistics of a site with a chosen subset of the optional parts (for refusal tests).
     *
     * @param fisherSeed seed of the per-token output gradients; negative gives a uniform Fisher (all ones)
     */
    public static LayerStats stats(LinearWeight weight, DoubleMatrix xf, DoubleMatrix xc, boolean fisher, boolean prefix, boolean cross,
                                   long fisherSeed) {
        LayerStats stats = new LayerStats(xf.cols());
        stats.accumulate(xf.toFloat().data(), 0, xf.rows());
        if (prefix) {
            LayerStats compressed = new LayerStats(xc.cols());
            compressed.accumulate(xc.toFloat().data(), 0, xc.rows());
            if (cross) {
                compressed.accumulateCross(xf.toFloat().data(), xc.toFloat().data(), 0, xf.rows());
            }
            stats.setCompressedPrefix(compressed);
        }
        if (fisher) {
            if (fisherSeed < 0) {
                addUniformFisher(stats, weight.outFeatures());
            } else {
                addTokenFisher(stats, xf, weight.outFeatures(), fisherSeed);
            }
        }
        return stats;
    }

    /** One gradient per token, {@code δ_t x_tᵀ} with δ_t normal and output i scaled by 1 + i/m (non-uniform Fisher). */
    public static void addTokenFisher(LayerStats stats, DoubleMatrix x, int m, long seed) {
        Random random = new Random(seed);
        int n = x.cols();
        float[] g = new float[m * n];
        for (int t = 0; t < x.rows(); t++) {
            for (int i = 0; i < m; i++) {
                double delta = random.nextGaussian() * (1 + (double) i / m);
                for (int j = 0; j < n; j++) {
                    g[i * n + j] = (float) (delta * x.get(t, j));
                }
            }
            stats.accumulateFisher(g, m);
        }
    }

    /** A single all-ones gradient: every F_ij equal. */
    public static void addUniformFisher(LayerStats stats, int m) {
        float[] g = new float[m * stats.features()];
        java.util.Arrays.fill(g, 1f);
        stats.accumulateFisher(g, m);
    }

    /** ‖X Mᵀ‖_F for X N×n and M m×n: the output norm of M on the rows of X. */
    public static double outputNorm(DoubleMatrix x, DoubleMatrix m) {
        return Linalg.multiply(x, m.transpose()).frobeniusNorm();
    }

    /** a − b. */
    public static DoubleMatrix minus(DoubleMatrix a, DoubleMatrix b) {
        DoubleMatrix out = a.copy();
        for (int i = 0; i < out.rows(); i++) {
            for (int j = 0; j < out.cols(); j++) {
                out.set(i, j, out.get(i, j) - b.get(i, j));
            }
        }
        return out;
    }

    /** ‖X_c Ŵᵀ − X_f Wᵀ‖_F: distance of the compressed layer's output on compressed inputs to the original output. */
    public static double alignmentError(DoubleMatrix xf, DoubleMatrix xc, DoubleMatrix w, DoubleMatrix approx) {
        return minus(Linalg.multiply(xc, approx.transpose()), Linalg.multiply(xf, w.transpose())).frobeniusNorm();
    }

    /** Σ_{i≥r} s_i². */
    public static double tail(double[] s, int rank) {
        double sum = 0;
        for (int i = rank; i < s.length; i++) {
            sum += s[i] * s[i];
        }
        return sum;
    }
}
