package org.lowrank4j.algorithms.funbat;

/**
 * The posterior of R latent functions u_1..u_R of one coordinate, each with an independent Matérn-1/2 (Ornstein–Uhlenbeck)
 * Gaussian-process prior of variance s² and length-scale ℓ, observed through linear-Gaussian evidence at sorted
 * coordinates t_0 < t_1 < … < t_{L−1}. Between neighbours the state x_l = (u_1(t_l), …, u_R(t_l)) evolves as
 * <pre>
 *   x_{l+1} = a·x_l + e,   a = exp(−(t_{l+1} − t_l)/ℓ),   e ~ N(0, s²(1 − a²)·I),   x_0 ~ N(0, s²·I)
 * </pre>
 * which is the exact GP restricted to those points. Evidence at l comes in information form: a precision J_l (R × R)
 * and a shift h_l (R) such that the log-likelihood is −½ xᵀJ_l x + h_lᵀx + const. A Kalman filter forward and a
 * Rauch–Tung–Striebel smoother backward give every marginal N(m_l, P_l); a point with no evidence (J = 0) gets the GP's
 * interpolation between its neighbours. ℓ = 0 makes the points independent N(0, s²) (a discrete mode).
 */
public final class MarkovChainSmoother {
    private MarkovChainSmoother() {
    }

    /** Marginal means m[l] (R) and covariances p[l] (R × R). */
    public record Marginals(double[][] means, double[][][] covariances) {
    }

    /**
     * @param coordinates sorted, strictly increasing
     * @param precision   J_l per point (R × R, symmetric positive semi-definite), read only
     * @param shift       h_l per point (R), read only
     */
    public static Marginals smooth(double[] coordinates, double[][][] precision, double[][] shift, double variance, double lengthScale) {
        int length = coordinates.length, r = shift[0].length;
        double[][] predMean = new double[length][], filtMean = new double[length][];
        double[][][] predCov = new double[length][][], filtCov = new double[length][][];
        double[] decay = new double[length];
        for (int l = 0; l < length; l++) {
            if (l == 0) {
                predMean[l] = new double[r];
                predCov[l] = scaledIdentity(r, variance);
            } else {
                double a = transition(coordinates[l] - coordinates[l - 1], lengthScale);
                decay[l] = a;
                predMean[l] = scale(filtMean[l - 1], a);
                predCov[l] = scale(filtCov[l - 1], a * a);
                for (int i = 0; i < r; i++) {
                    predCov[l][i][i] += variance * (1 - a * a);
                }
            }
            // P_f = (P_p⁻¹ + J)⁻¹ = P_p − P_p (I + J P_p)⁻¹ J P_p, computed as P_p (I + J P_p)⁻¹, which needs no inverse of P_p
            double[][] jp = multiply(precision[l], predCov[l]);
            for (int i = 0; i < r; i++) {
                jp[i][i] += 1;
            }
            double[][] inv = SmallMatrices.inverse(jp);
            filtCov[l] = SmallMatrices.symmetrize(multiply(predCov[l], inv));
            // m_f = P_f (P_p⁻¹ m_p + h) = (I + P_p J)⁻¹ m_p + P_f h
            double[] left = multiply(transpose(inv), predMean[l]);
            double[] right = multiply(filtCov[l], shift[l]);
            filtMean[l] = new double[r];
            for (int i = 0; i < r; i++) {
                filtMean[l][i] = left[i] + right[i];
            }
        }
        double[][] mean = new double[length][];
        double[][][] cov = new double[length][][];
        mean[length - 1] = filtMean[length - 1];
        cov[length - 1] = filtCov[length - 1];
        for (int l = length - 2; l >= 0; l--) {
            // G = a P_f(l) P_p(l+1)⁻¹
            double a = decay[l + 1];
            double[][] gain = scale(multiply(filtCov[l], SmallMatrices.inverse(predCov[l + 1])), a);
            double[] dm = new double[r];
            for (int i = 0; i < r; i++) {
                dm[i] = mean[l + 1][i] - predMean[l + 1][i];
            }
            double[] gm = multiply(gain, dm);
            mean[l] = new double[r];
            for (int i = 0; i < r; i++) {
                mean[l][i] = filtMean[l][i] + gm[i];
            }
            double[][] dp = new double[r][r];
            for (int i = 0; i < r; i++) {
                for (int j = 0; j < r; j++) {
                    dp[i][j] = cov[l + 1][i][j] - predCov[l + 1][i][j];
                }
            }
            double[][] update = multiply(multiply(gain, dp), transpose(gain));
            cov[l] = new double[r][r];
            for (int i = 0; i < r; i++) {
                for (int j = 0; j < r; j++) {
                    cov[l][i][j] = filtCov[l][i][j] + update[i][j];
                }
            }
            cov[l] = SmallMatrices.symmetrize(cov[l]);
        }
        return new Marginals(mean, cov);
    }

    /** exp(−Δ/ℓ); 0 for ℓ = 0 (independent points). */
    static double transition(double gap, double lengthScale) {
        return lengthScale == 0 ? 0 : Math.exp(-gap / lengthScale);
    }

    private static double[][] scaledIdentity(int r, double v) {
        double[][] m = new double[r][r];
        for (int i = 0; i < r; i++) {
            m[i][i] = v;
        }
        return m;
    }

    private static double[] scale(double[] v, double s) {
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = v[i] * s;
        }
        return out;
    }

    private static double[][] scale(double[][] m, double s) {
        double[][] out = new double[m.length][m[0].length];
        for (int i = 0; i < m.length; i++) {
            for (int j = 0; j < m[0].length; j++) {
                out[i][j] = m[i][j] * s;
            }
        }
        return out;
    }

    static double[][] multiply(double[][] a, double[][] b) {
        int n = a.length, k = b.length, m = b[0].length;
        double[][] out = new double[n][m];
        for (int i = 0; i < n; i++) {
            for (int p = 0; p < k; p++) {
                double v = a[i][p];
                if (v != 0) {
                    for (int j = 0; j < m; j++) {
                        out[i][j] += v * b[p][j];
                    }
                }
            }
        }
        return out;
    }

    static double[] multiply(double[][] a, double[] x) {
        double[] out = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            double s = 0;
            for (int j = 0; j < x.length; j++) {
                s += a[i][j] * x[j];
            }
            out[i] = s;
        }
        return out;
    }

    static double[][] transpose(double[][] a) {
        double[][] out = new double[a[0].length][a.length];
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < a[0].length; j++) {
                out[j][i] = a[i][j];
            }
        }
        return out;
    }
}
