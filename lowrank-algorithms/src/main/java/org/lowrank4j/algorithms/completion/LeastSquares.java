package org.lowrank4j.algorithms.completion;

import java.util.Arrays;

/**
 * One small least-squares problem min_x Σ_s (y_s − a_s·x)² + λ‖x‖² over k unknowns, fed one observation (a_s, y_s)
 * at a time, where a_s is k consecutive values of a row-major factor array. λ = ridge · mean diagonal of Σ a_s a_sᵀ
 * (an absolute floor of ridge keeps an empty system solvable: it gives x = 0).
 *
 * <p>{@link RobustAltMinOptions.Solver#EXACT}: accumulates the normal equations and solves them by Cholesky.
 * {@link RobustAltMinOptions.Solver#CONJUGATE_GRADIENT}: keeps the observations and runs Jacobi-preconditioned CG on
 * the same normal equations, each step O(s·k), to a relative residual of 1e-13 (at most 4k steps). Reused across
 * rows/columns by {@link #reset()} to avoid allocation.
 */
final class LeastSquares {
    private final int k;
    private final RobustAltMinOptions.Solver solver;
    private final double ridge;
    private final double[] gram;   // (k, k) Σ a aᵀ (exact) — lower triangle then Cholesky factor
    private final double[] rhs;    // (k) Σ y a
    private final double[] diag;   // (k) Σ a_c² (CG preconditioner)
    private double[] source;       // the factor array the observations point into (CG)
    private int[] offsets = new int[16];
    private int size;

    LeastSquares(int k, RobustAltMinOptions options) {
        this.k = k;
        this.solver = options.solver();
        this.ridge = options.ridge();
        this.gram = new double[k * k];
        this.rhs = new double[k];
        this.diag = new double[k];
    }

    void reset() {
        Arrays.fill(gram, 0);
        Arrays.fill(rhs, 0);
        Arrays.fill(diag, 0);
        size = 0;
    }

    /** Adds the observation y ≈ factor[offset .. offset + k) · x. */
    void add(double[] factor, int offset, double y) {
        for (int a = 0; a < k; a++) {
            double fa = factor[offset + a];
            rhs[a] += y * fa;
            diag[a] += fa * fa;
        }
        if (solver == RobustAltMinOptions.Solver.EXACT) {
            for (int a = 0; a < k; a++) {
                double fa = factor[offset + a];
                int row = a * k;
                for (int b = 0; b <= a; b++) {
                    gram[row + b] += fa * factor[offset + b];
                }
            }
        } else {
            if (size == offsets.length) {
                offsets = Arrays.copyOf(offsets, size * 2);
            }
            source = factor;
            offsets[size++] = offset;
        }
    }

    /** Writes the solution x into {@code out[at .. at + k)}. */
    void solveInto(double[] out, int at) {
        double mean = 0;
        for (double d : diag) {
            mean += d;
        }
        double lambda = Math.max(ridge * mean / k, ridge * 1e-30 + Double.MIN_NORMAL);
        if (solver == RobustAltMinOptions.Solver.EXACT) {
            choleskySolve(lambda, out, at);
        } else {
            conjugateGradient(lambda, out, at);
        }
    }

    private void choleskySolve(double lambda, double[] out, int at) {
        double[] l = gram; // factor in place: lower triangle
        for (int a = 0; a < k; a++) {
            l[a * k + a] += lambda;
        }
        for (int j = 0; j < k; j++) {
            double d = l[j * k + j];
            for (int c = 0; c < j; c++) {
                d -= l[j * k + c] * l[j * k + c];
            }
            d = Math.sqrt(Math.max(d, lambda)); // a ridge-sized pivot: rank-deficient systems stay finite
            l[j * k + j] = d;
            for (int i = j + 1; i < k; i++) {
                double s = l[i * k + j];
                for (int c = 0; c < j; c++) {
                    s -= l[i * k + c] * l[j * k + c];
                }
                l[i * k + j] = s / d;
            }
        }
        double[] y = new double[k];
        for (int i = 0; i < k; i++) {          // L y = rhs
            double s = rhs[i];
            for (int c = 0; c < i; c++) {
                s -= l[i * k + c] * y[c];
            }
            y[i] = s / l[i * k + i];
        }
        for (int i = k - 1; i >= 0; i--) {     // Lᵀ x = y
            double s = y[i];
            for (int c = i + 1; c < k; c++) {
                s -= l[c * k + i] * out[at + c];
            }
            out[at + i] = s / l[i * k + i];
        }
    }

    private void conjugateGradient(double lambda, double[] out, int at) {
        double[] x = new double[k], r = rhs.clone(), z = new double[k], p = new double[k], ap = new double[k];
        double rhsNorm = norm(rhs);
        if (rhsNorm == 0) {
            Arrays.fill(out, at, at + k, 0);
            return;
        }
        precondition(r, z, lambda);
        System.arraycopy(z, 0, p, 0, k);
        double rz = dot(r, z);
        for (int step = 0; step < 4 * k && norm(r) > 1e-13 * rhsNorm; step++) {
            apply(p, ap, lambda);
            double alpha = rz / dot(p, ap);
            for (int c = 0; c < k; c++) {
                x[c] += alpha * p[c];
                r[c] -= alpha * ap[c];
            }
            precondition(r, z, lambda);
            double next = dot(r, z);
            for (int c = 0; c < k; c++) {
                p[c] = z[c] + next / rz * p[c];
            }
            rz = next;
        }
        System.arraycopy(x, 0, out, at, k);
    }

    /** ap = (Σ a aᵀ + λI) p without forming the matrix. */
    private void apply(double[] p, double[] ap, double lambda) {
        for (int c = 0; c < k; c++) {
            ap[c] = lambda * p[c];
        }
        for (int s = 0; s < size; s++) {
            int o = offsets[s];
            double dot = 0;
            for (int c = 0; c < k; c++) {
                dot += source[o + c] * p[c];
            }
            for (int c = 0; c < k; c++) {
                ap[c] += dot * source[o + c];
            }
        }
    }

    private void precondition(double[] r, double[] z, double lambda) {
        for (int c = 0; c < k; c++) {
            z[c] = r[c] / (diag[c] + lambda);
        }
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int c = 0; c < a.length; c++) {
            s += a[c] * b[c];
        }
        return s;
    }

    private static double norm(double[] a) {
        return Math.sqrt(dot(a, a));
    }
}
