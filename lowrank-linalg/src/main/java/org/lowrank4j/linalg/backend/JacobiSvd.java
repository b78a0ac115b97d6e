package org.lowrank4j.linalg.backend;

import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;
import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.linalg.SvdResult;

/**
 * One-sided (Hestenes) Jacobi SVD: plane rotations orthogonalise the columns of A until every pair is
 * orthogonal to working precision; column norms are then the singular values. Slow (several O(mn²) sweeps)
 * but simple and accurate to high relative precision, which is what an oracle needs.
 */
final class JacobiSvd {
    private static final double EPS = 2.220446049250313e-16;
    private static final int MAX_SWEEPS = 80;

    private JacobiSvd() {
    }

    static SvdResult decompose(DoubleMatrix a) {
        int m = a.rows(), n = a.cols();
        if (m < n) {
            SvdResult t = decompose(a.transpose());
            return new SvdResult(t.vt().transpose().copy(), t.s(), t.u().transpose().copy());
        }
        if (n == 0) {
            return new SvdResult(DoubleMatrix.zeros(m, 0), new double[0], DoubleMatrix.zeros(0, n));
        }
        double scale = 0;
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                scale = Math.max(scale, Math.abs(a.get(i, j)));
            }
        }
        if (scale == 0) {
            scale = 1;
        }
        double[][] u = new double[n][m];
        double[][] v = new double[n][n];
        for (int j = 0; j < n; j++) {
            for (int i = 0; i < m; i++) {
                u[j][i] = a.get(i, j) / scale;
            }
            v[j][j] = 1;
        }
        boolean rotated = true;
        for (int sweep = 0; sweep < MAX_SWEEPS && rotated; sweep++) {
            rotated = false;
            for (int p = 0; p < n - 1; p++) {
                for (int q = p + 1; q < n; q++) {
                    double alpha = dot(u[p], u[p]), beta = dot(u[q], u[q]), gamma = dot(u[p], u[q]);
                    if (gamma == 0 || Math.abs(gamma) <= EPS * Math.sqrt(alpha * beta)) {
                        continue;
                    }
                    rotated = true;
                    double zeta = (beta - alpha) / (2 * gamma);
                    double t = Math.signum(zeta) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
                    if (zeta == 0) {
                        t = 1;
                    }
                    double c = 1 / Math.sqrt(1 + t * t), s = c * t;
                    rotate(u[p], u[q], c, s);
                    rotate(v[p], v[q], c, s);
                }
            }
            if (sweep == MAX_SWEEPS - 1 && rotated) {
                throw new ArithmeticException("Jacobi SVD did not converge on a " + a.shape() + " matrix");
            }
        }
        double[] sigma = new double[n];
        for (int j = 0; j < n; j++) {
            sigma[j] = Math.sqrt(dot(u[j], u[j]));
        }
        Integer[] order = IntStream.range(0, n).boxed().toArray(Integer[]::new);
        Arrays.sort(order, Comparator.comparingDouble((Integer j) -> -sigma[j]));
        double largest = sigma[order[0]];
        DoubleMatrix uOut = DoubleMatrix.zeros(m, n), vtOut = DoubleMatrix.zeros(n, n);
        double[] s = new double[n];
        double[][] basis = new double[n][];
        for (int rank = 0; rank < n; rank++) {
            int j = order[rank];
            s[rank] = sigma[j] * scale;
            if (sigma[j] > 0 && sigma[j] > largest * EPS * 1e-2) {
                double[] col = u[j].clone();
                for (int i = 0; i < m; i++) {
                    col[i] /= sigma[j];
                }
                basis[rank] = col;
            }
            for (int i = 0; i < n; i++) {
                vtOut.set(rank, i, v[j][i]);
            }
        }
        completeOrthonormal(basis, m);
        for (int rank = 0; rank < n; rank++) {
            for (int i = 0; i < m; i++) {
                uOut.set(i, rank, basis[rank][i]);
            }
        }
        return new SvdResult(uOut, s, vtOut);
    }

    /** Fills the null entries of {@code basis} with unit vectors orthogonal to all others. */
    static void completeOrthonormal(double[][] basis, int m) {
        int candidate = 0;
        for (int slot = 0; slot < basis.length; slot++) {
            if (basis[slot] != null) {
                continue;
            }
            while (candidate < m) {
                double[] x = new double[m];
                x[candidate++] = 1;
                for (int pass = 0; pass < 2; pass++) {
                    for (double[] b : basis) {
                        if (b != null) {
                            double d = dot(b, x);
                            for (int i = 0; i < m; i++) {
                                x[i] -= d * b[i];
                            }
                        }
                    }
                }
                double norm = Math.sqrt(dot(x, x));
                if (norm > 0.5) {
                    for (int i = 0; i < m; i++) {
                        x[i] /= norm;
                    }
                    basis[slot] = x;
                    break;
                }
            }
        }
    }

    private static void rotate(double[] x, double[] y, double c, double s) {
        for (int i = 0; i < x.length; i++) {
            double xi = x[i], yi = y[i];
            x[i] = c * xi - s * yi;
            y[i] = s * xi + c * yi;
        }
    }

    static double dot(double[] x, double[] y) {
        double sum = 0;
        for (int i = 0; i < x.length; i++) {
            sum += x[i] * y[i];
        }
        return sum;
    }
}
