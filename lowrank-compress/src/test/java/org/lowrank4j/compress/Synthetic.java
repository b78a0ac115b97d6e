package org.lowrank4j.compress;

import java.util.Random;
import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.linalg.Linalg;

/** Synthetic layers and calibration data for method tests. */
public final class Synthetic {
    private Synthetic() {
    }

    /** N×n activations with correlated channels and a few outlier channels scaled by {@code outlierScale}. */
    public static DoubleMatrix activations(int tokens, int n, int outliers, double outlierScale, long seed) {
        Random random = new Random(seed);
        DoubleMatrix mix = DoubleMatrix.gaussian(n, n, random);
        DoubleMatrix x = Linalg.multiply(DoubleMatrix.gaussian(tokens, n, random), mix);
        for (int c = 0; c < outliers; c++) {
            int channel = (c * 7 + 3) % n;
            for (int t = 0; t < tokens; t++) {
                x.set(t, channel, x.get(t, channel) * outlierScale);
            }
        }
        return x;
    }

    public static LayerStats stats(DoubleMatrix x) {
        LayerStats stats = new LayerStats(x.cols());
        stats.accumulate(x.toFloat().data(), 0, x.rows());
        return stats;
    }

    /** ‖X (W − Ŵ)ᵀ‖_F, the output error on the calibration rows. */
    public static double outputError(DoubleMatrix x, DoubleMatrix w, Factorization f) {
        DoubleMatrix diff = w.copy();
        DoubleMatrix approx = f.toDense();
        for (int i = 0; i < diff.rows(); i++) {
            for (int j = 0; j < diff.cols(); j++) {
                diff.set(i, j, diff.get(i, j) - approx.get(i, j));
            }
        }
        return Linalg.multiply(x, diff.transpose()).frobeniusNorm();
    }

    public static LinearWeight weight(int m, int n, long seed) {
        return new LinearWeight("test " + m + "x" + n, "ffn.up", 0, DoubleMatrix.gaussian(m, n, new Random(seed)));
    }
}
