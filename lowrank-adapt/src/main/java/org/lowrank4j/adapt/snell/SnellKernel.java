package org.lowrank4j.adapt.snell;

/**
 * SNELL's kernel matrix (spec 07, "Parametrisation") and its gradient, on plain arrays:
 * <pre>
 *   P (H, n, q_h), Q (H, m, q_h)                   n = in, m = out, q_h = q / H
 *   K[i,j] = Σ_h c_h·‖P[h,i,:] − Q[h,j,:]‖₂          (n, m), c_h = c·(−1)^h  (c = 0.1 in the reference)
 * </pre>
 * With δ = P[h,i] − Q[h,j] and d = ‖δ‖ (a pair at distance 0 gets gradient 0, the subgradient there):
 * <pre>
 *   ∂L/∂P[h,i,:] =  c_h Σ_j (∂L/∂K)[i,j]·δ/d       ∂L/∂Q[h,j,:] = −c_h Σ_i (∂L/∂K)[i,j]·δ/d
 * </pre>
 * The differences are formed one pair at a time (never an n×m×q_h array); q_h is small (1–16).
 */
final class SnellKernel {
    private static final double TINY = 1e-12; // below this a distance counts as 0

    private SnellKernel() {
    }

    /** K (n·m, row i = input feature, column j = output feature). */
    static double[] kernel(double[] p, double[] q, int heads, int n, int m, int qh, double c) {
        double[] k = new double[n * m];
        for (int h = 0; h < heads; h++) {
            double ch = h % 2 == 0 ? c : -c;
            for (int i = 0; i < n; i++) {
                int pi = (h * n + i) * qh;
                for (int j = 0; j < m; j++) {
                    int qj = (h * m + j) * qh;
                    double s = 0;
                    for (int t = 0; t < qh; t++) {
                        double d = p[pi + t] - q[qj + t];
                        s += d * d;
                    }
                    k[i * m + j] += ch * Math.sqrt(s);
                }
            }
        }
        return k;
    }

    /** Adds ∂L/∂P and ∂L/∂Q for {@code dk} = ∂L/∂K into {@code dp} and {@code dq} (same layouts as p and q). */
    static void backward(double[] p, double[] q, int heads, int n, int m, int qh, double c, double[] dk, double[] dp, double[] dq) {
        double[] delta = new double[qh];
        for (int h = 0; h < heads; h++) {
            double ch = h % 2 == 0 ? c : -c;
            for (int i = 0; i < n; i++) {
                int pi = (h * n + i) * qh;
                for (int j = 0; j < m; j++) {
                    double g = dk[i * m + j];
                    if (g == 0) {
                        continue; // pruned entries carry no gradient
                    }
                    int qj = (h * m + j) * qh;
                    double s = 0;
                    for (int t = 0; t < qh; t++) {
                        delta[t] = p[pi + t] - q[qj + t];
                        s += delta[t] * delta[t];
                    }
                    double d = Math.sqrt(s);
                    if (d < TINY) {
                        continue;
                    }
                    double f = ch * g / d;
                    for (int t = 0; t < qh; t++) {
                        dp[pi + t] += f * delta[t];
                        dq[qj + t] -= f * delta[t];
                    }
                }
            }
        }
    }
}
