package org.lowrank4j.algorithms.intrinsic;

/**
 * The merge network's loss on its inverse-shading prediction ŝ (H×W) against the true s̃, the image I and true
 * albedo A (H×W×3, linear):
 * <pre>
 *   L = mean (ŝ − s̃)² + β · Σ_k mean |∇(ŝ − s̃)_k| + γ · mean_{pixels, channels} |Â − A|,
 *   Â = I / Ŝ = I · ŝ / (1 − ŝ)    (the albedo the prediction implies)
 * </pre>
 * β = 0.5, γ = 1 and 4 scales by default. In the albedo term ŝ is clamped to [0.02, 0.98] (S between 0.02 and 49) so
 * that near-black predictions cannot blow it up; outside that range the term passes no gradient.
 */
public final class MergeLoss {
    private static final double LOW = 0.02, HIGH = 0.98;
    private final double beta, gamma;
    private final int scales;

    public MergeLoss(double beta, double gamma, int scales) {
        if (!(beta >= 0) || !(gamma >= 0) || scales < 0) {
            throw new IllegalArgumentException("the merge loss needs beta, gamma >= 0 and scales >= 0, got " + beta + ", " + gamma + ", " + scales);
        }
        this.beta = beta;
        this.gamma = gamma;
        this.scales = scales;
    }

    public static MergeLoss defaults() {
        return new MergeLoss(0.5, 1, 4);
    }

    public LossValue evaluate(double[] predicted, Raster target, Raster image, Raster albedo) {
        int h = target.height(), w = target.width(), n = h * w;
        if (predicted.length != n || image.pixels() != n || albedo.pixels() != n || image.channels() != 3 || albedo.channels() != 3) {
            throw new IllegalArgumentException("merge loss: prediction, target, image and albedo must share one " + h + "x" + w + " grid (image and albedo RGB)");
        }
        double[] t = target.values(), r = new double[n], g = new double[n];
        double value = 0;
        for (int i = 0; i < n; i++) {
            r[i] = predicted[i] - t[i];
            value += r[i] * r[i] / n;
            g[i] = 2 * r[i] / n;
        }
        value += beta * GradientMatching.apply(r, h, w, scales, beta, g);
        double albedoTerm = 0, perEntry = gamma / (3.0 * n);
        for (int i = 0; i < n; i++) {
            double s = Math.min(HIGH, Math.max(LOW, predicted[i]));
            boolean inside = predicted[i] > LOW && predicted[i] < HIGH;
            double ratio = s / (1 - s), dratio = 1 / ((1 - s) * (1 - s));
            for (int c = 0; c < 3; c++) {
                double in = image.values()[i * 3 + c];
                double d = in * ratio - albedo.values()[i * 3 + c];
                albedoTerm += Math.abs(d);
                if (inside) {
                    g[i] += perEntry * Math.signum(d) * in * dratio;
                }
            }
        }
        value += gamma * albedoTerm / (3.0 * n);
        return new LossValue(value, g);
    }
}
