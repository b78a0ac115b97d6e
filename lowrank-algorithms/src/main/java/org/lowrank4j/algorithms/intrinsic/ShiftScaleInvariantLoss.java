package org.lowrank4j.algorithms.intrinsic;

/**
 * The ordinal network's loss: the prediction p (H×W) is first aligned to the target t by the least-squares shift and
 * scale, {@code a = Σ(p−p̄)(t−t̄) / (Σ(p−p̄)² + ε)}, {@code b = t̄ − a·p̄}; with the residual {@code r = a·p + b − t},
 * <pre>
 *   L = mean r² + α · Σ_{k&lt;K} mean |∇ r_k|        (α = 0.5, K = 4 by default)
 * </pre>
 * The gradient goes through the closed form of (a, b): with {@code g = ∂L/∂r}, {@code G_a = Σ g·p}, {@code G_b = Σ g},
 * <pre>
 *   ∂a/∂p_j = ((t_j − t̄) − 2a(p_j − p̄)) / (Σ(p−p̄)² + ε),   ∂b/∂p_j = −p̄·∂a/∂p_j − a/n
 *   ∂L/∂p_j = a·g_j + G_a·∂a/∂p_j + G_b·∂b/∂p_j
 * </pre>
 * so L is unchanged when p is replaced by {@code c·p + d} (c &gt; 0) up to the small ε.
 */
public final class ShiftScaleInvariantLoss {
    private static final double EPSILON = 1e-10;
    private final double alpha;
    private final int scales;

    public ShiftScaleInvariantLoss(double alpha, int scales) {
        if (!(alpha >= 0) || scales < 0) {
            throw new IllegalArgumentException("the shift- and scale-invariant loss needs alpha >= 0 and scales >= 0, got " + alpha + ", " + scales);
        }
        this.alpha = alpha;
        this.scales = scales;
    }

    /** The spec's defaults: α = 0.5, 4 scales. */
    public static ShiftScaleInvariantLoss defaults() {
        return new ShiftScaleInvariantLoss(0.5, 4);
    }

    public LossValue evaluate(double[] p, double[] t, int height, int width) {
        int n = p.length;
        if (t.length != n || n != height * width) {
            throw new IllegalArgumentException("prediction (" + p.length + "), target (" + t.length + ") and a " + height + "x" + width + " grid differ in size");
        }
        double pMean = 0, tMean = 0;
        for (int i = 0; i < n; i++) {
            pMean += p[i];
            tMean += t[i];
        }
        pMean /= n;
        tMean /= n;
        double sxy = 0, sxx = 0;
        for (int i = 0; i < n; i++) {
            sxy += (p[i] - pMean) * (t[i] - tMean);
            sxx += (p[i] - pMean) * (p[i] - pMean);
        }
        double denominator = sxx + EPSILON;
        double a = sxy / denominator, b = tMean - a * pMean;
        double[] r = new double[n], g = new double[n];
        double value = 0;
        for (int i = 0; i < n; i++) {
            r[i] = a * p[i] + b - t[i];
            value += r[i] * r[i] / n;
            g[i] = 2 * r[i] / n;
        }
        value += alpha * GradientMatching.apply(r, height, width, scales, alpha, g);
        double ga = 0, gb = 0;
        for (int i = 0; i < n; i++) {
            ga += g[i] * p[i];
            gb += g[i];
        }
        double[] dp = new double[n];
        for (int j = 0; j < n; j++) {
            double da = ((t[j] - tMean) - 2 * a * (p[j] - pMean)) / denominator;
            double db = -pMean * da - a / n;
            dp[j] = a * g[j] + ga * da + gb * db;
        }
        return new LossValue(value, dp);
    }
}
