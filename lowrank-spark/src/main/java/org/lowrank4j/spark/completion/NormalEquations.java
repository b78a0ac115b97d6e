package org.lowrank4j.spark.completion;

/**
 * The per-row (or per-column) least-squares problem of alternating minimisation as a flat array that Spark can add up
 * across partitions: {@code [ G (k×k, lower triangle used) | r (k) ]} with G = Σ a aᵀ and r = Σ y a over the row's
 * observations y ≈ a·x. {@link #solve} adds the same relative ridge as the single-machine solver
 * (λ = ridge · trace(G)/k, floored) and solves by Cholesky,
 * pivots floored at λ as there.
 */
final class NormalEquations {
    private NormalEquations() {
    }

    static double[] empty(int k) {
        return new double[k * k + k];
    }

    /** Adds the observation y ≈ factor[offset .. offset + k) · x; returns {@code acc}. */
    static double[] add(double[] acc, int k, double[] factor, int offset, double y) {
        for (int a = 0; a < k; a++) {
            double fa = factor[offset + a];
            acc[k * k + a] += y * fa;
            for (int b = 0; b <= a; b++) {
                acc[a * k + b] += fa * factor[offset + b];
            }
        }
        return acc;
    }

    static double[] merge(double[] into, double[] other) {
        for (int i = 0; i < into.length; i++) {
            into[i] += other[i];
        }
        return into;
    }

    /** x = (G + λI)⁻¹ r; the arrays are not modified. */
    static double[] solve(double[] acc, int k, double ridge) {
        double trace = 0;
        for (int a = 0; a < k; a++) {
            trace += acc[a * k + a];
        }
        double lambda = Math.max(ridge * trace / k, ridge * 1e-30 + Double.MIN_NORMAL);
        double[] l = new double[k * k];                     // Cholesky factor, lower triangle
        for (int a = 0; a < k; a++) {
            for (int b = 0; b <= a; b++) {
                double s = acc[a * k + b] + (a == b ? lambda : 0);
                for (int c = 0; c < b; c++) {
                    s -= l[a * k + c] * l[b * k + c];
                }
                if (a == b) {
                    l[a * k + a] = Math.sqrt(Math.max(s, lambda)); // a ridge-sized pivot keeps rank-deficient systems finite
                } else {
                    l[a * k + b] = s / l[b * k + b];
                }
            }
        }
        double[] x = new double[k];
        for (int a = 0; a < k; a++) {                       // L z = r
            double s = acc[k * k + a];
            for (int c = 0; c < a; c++) {
                s -= l[a * k + c] * x[c];
            }
            x[a] = s / l[a * k + a];
        }
        for (int a = k - 1; a >= 0; a--) {                  // Lᵀ x = z
            double s = x[a];
            for (int c = a + 1; c < k; c++) {
                s -= l[c * k + a] * x[c];
            }
            x[a] = s / l[a * k + a];
        }
        return x;
    }
}
