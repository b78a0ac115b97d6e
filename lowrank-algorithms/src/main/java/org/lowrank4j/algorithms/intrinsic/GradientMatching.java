package org.lowrank4j.algorithms.intrinsic;

/**
 * The multi-scale gradient-matching term on a one-channel residual r (H×W): at scale k = 0 … K−1 the residual is
 * sampled every 2^k pixels, and the term adds the mean over that grid of {@code |r(i, j+1) − r(i, j)| + |r(i+1, j) − r(i, j)|}
 * (differences between neighbours of the sub-grid). It penalises errors in the prediction's edges whatever their level.
 */
final class GradientMatching {
    private GradientMatching() {
    }

    /** Σ_k mean |∇ r_k|, adding {@code weight ·} its gradient into {@code dr}. */
    static double apply(double[] r, int height, int width, int scales, double weight, double[] dr) {
        double total = 0;
        for (int k = 0; k < scales; k++) {
            int step = 1 << k;
            int rows = (height + step - 1) / step, cols = (width + step - 1) / step;
            if (rows < 2 && cols < 2) {
                break;
            }
            double sum = 0, n = rows * cols;
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < cols; j++) {
                    int here = (i * step) * width + j * step;
                    if (j + 1 < cols) {
                        sum += difference(r, here, here + step, weight / n, dr);
                    }
                    if (i + 1 < rows) {
                        sum += difference(r, here, here + step * width, weight / n, dr);
                    }
                }
            }
            total += sum / n;
        }
        return total;
    }

    private static double difference(double[] r, int a, int b, double scale, double[] dr) {
        double d = r[b] - r[a];
        double sign = Math.signum(d);
        dr[b] += scale * sign;
        dr[a] -= scale * sign;
        return Math.abs(d);
    }
}
