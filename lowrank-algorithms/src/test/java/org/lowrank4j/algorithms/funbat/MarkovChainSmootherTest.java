package org.lowrank4j.algorithms.funbat;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.linalg.Linalg;

/** The chain's smoother against the dense Gaussian-process posterior it must equal. */
class MarkovChainSmootherTest {

    /** Dense posterior: prior covariance K = s²·exp(−|t − t'|/ℓ) ⊗ I_R, evidence blockdiag(J_l) and h; returns (mean, covariance). */
    private static double[][][] dense(double[] t, double[][][] j, double[][] h, double s2, double ell) {
        int length = t.length, r = h[0].length, n = length * r;
        DoubleMatrix prior = DoubleMatrix.zeros(n, n);
        for (int a = 0; a < length; a++) {
            for (int b = 0; b < length; b++) {
                double k = ell == 0 ? (a == b ? s2 : 0) : s2 * Math.exp(-Math.abs(t[a] - t[b]) / ell);
                for (int i = 0; i < r; i++) {
                    prior.set(a * r + i, b * r + i, k);
                }
            }
        }
        DoubleMatrix precision = spdInverse(prior);
        for (int l = 0; l < length; l++) {
            for (int i = 0; i < r; i++) {
                for (int k = 0; k < r; k++) {
                    precision.set(l * r + i, l * r + k, precision.get(l * r + i, l * r + k) + j[l][i][k]);
                }
            }
        }
        DoubleMatrix cov = spdInverse(precision);
        double[] mean = new double[n];
        for (int a = 0; a < n; a++) {
            for (int b = 0; b < n; b++) {
                mean[a] += cov.get(a, b) * h[b / r][b % r];
            }
        }
        double[][][] out = new double[2][][];
        out[0] = new double[][] {mean};
        out[1] = new double[n][n];
        for (int a = 0; a < n; a++) {
            for (int b = 0; b < n; b++) {
                out[1][a][b] = cov.get(a, b);
            }
        }
        return out;
    }

    /** (L Lᵀ)⁻¹ = L⁻ᵀ L⁻¹ by two triangular solves (an inverse independent of the code under test). */
    private static DoubleMatrix spdInverse(DoubleMatrix a) {
        DoubleMatrix lower = Linalg.backend().choleskyLower(a);
        DoubleMatrix identity = DoubleMatrix.zeros(a.rows(), a.rows());
        for (int i = 0; i < a.rows(); i++) {
            identity.set(i, i, 1);
        }
        DoubleMatrix inv = Linalg.backend().solveTriangular(lower, true, false, identity);
        return Linalg.backend().solveTriangular(lower, true, true, inv);
    }

    @Test
    void theMarginalsEqualTheDenseGaussianProcessPosterior() {
        Random random = new Random(3);
        double[] t = {0, 0.3, 0.35, 1.2, 2.0, 2.1, 4.0};
        int r = 2;
        double[][][] j = new double[t.length][r][r];
        double[][] h = new double[t.length][r];
        for (int l = 0; l < t.length; l++) {
            if (l == 3) {
                continue; // no evidence: interpolated
            }
            double[][] g = {{random.nextGaussian(), random.nextGaussian()}, {random.nextGaussian(), random.nextGaussian()}};
            for (int a = 0; a < r; a++) {
                for (int b = 0; b < r; b++) {
                    j[l][a][b] = g[0][a] * g[0][b] + g[1][a] * g[1][b];
                }
                h[l][a] = random.nextGaussian();
            }
        }
        for (double ell : new double[] {0.7, 3.0, 0}) {
            MarkovChainSmoother.Marginals q = MarkovChainSmoother.smooth(t, j, h, 1.3, ell);
            double[][][] exact = dense(t, j, h, 1.3, ell);
            double worst = 0;
            for (int l = 0; l < t.length; l++) {
                for (int a = 0; a < r; a++) {
                    worst = Math.max(worst, Math.abs(q.means()[l][a] - exact[0][0][l * r + a]));
                    for (int b = 0; b < r; b++) {
                        worst = Math.max(worst, Math.abs(q.covariances()[l][a][b] - exact[1][l * r + a][l * r + b]));
                    }
                }
            }
            System.out.printf("length-scale %.1f: worst difference to the dense posterior %.2e%n", ell, worst);
            assertThat(worst).isLessThan(1e-10);
        }
    }
}
