package org.lowrank4j.adapt.snell;

/**
 * SNELLA's mixed kernel (spec 07): three trainable scalars α (init 1), γ (init 1), β (init 0) over SNELL's kernel K (n, m):
 * <pre>
 *   S = softmax_rows(K/γ)       (over the output index j, for each input index i)
 *   K' = K + α·S + β
 * </pre>
 * Backward with g = ∂L/∂K' and, per row i, a = α·g[i,:], t_i = Σ_j a_j·S[i,j], Z = K/γ, dZ = S ⊙ (a − t_i):
 * <pre>
 *   ∂L/∂β = Σ g     ∂L/∂α = Σ g ⊙ S     ∂L/∂K = g + dZ/γ     ∂L/∂γ = −Σ dZ ⊙ K/γ²
 * </pre>
 */
final class MixedKernel {
    private MixedKernel() {
    }

    /** S = softmax_rows(K/γ), (n, m). */
    static double[] softmaxRows(double[] k, int n, int m, double gamma) {
        double[] s = new double[n * m];
        for (int i = 0; i < n; i++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < m; j++) {
                max = Math.max(max, k[i * m + j] / gamma);
            }
            double sum = 0;
            for (int j = 0; j < m; j++) {
                double e = Math.exp(k[i * m + j] / gamma - max);
                s[i * m + j] = e;
                sum += e;
            }
            for (int j = 0; j < m; j++) {
                s[i * m + j] /= sum;
            }
        }
        return s;
    }

    /** K' = K + α·S + β. */
    static double[] mixed(double[] k, double[] s, double alpha, double beta) {
        double[] out = new double[k.length];
        for (int e = 0; e < k.length; e++) {
            out[e] = k[e] + alpha * s[e] + beta;
        }
        return out;
    }

    /**
     * ∂L/∂K from {@code g} = ∂L/∂K'; adds ∂L/∂α, ∂L/∂γ, ∂L/∂β into {@code dMix[0..2]}.
     */
    static double[] backward(double[] k, double[] s, int n, int m, double alpha, double gamma, double[] g, double[] dMix) {
        double[] dk = new double[k.length];
        double dAlpha = 0, dGamma = 0, dBeta = 0;
        for (int i = 0; i < n; i++) {
            double t = 0;
            for (int j = 0; j < m; j++) {
                t += alpha * g[i * m + j] * s[i * m + j];
            }
            for (int j = 0; j < m; j++) {
                int e = i * m + j;
                dBeta += g[e];
                dAlpha += g[e] * s[e];
                double dz = s[e] * (alpha * g[e] - t);
                dk[e] = g[e] + dz / gamma;
                dGamma -= dz * k[e] / (gamma * gamma);
            }
        }
        dMix[0] += dAlpha;
        dMix[1] += dGamma;
        dMix[2] += dBeta;
        return dk;
    }
}
