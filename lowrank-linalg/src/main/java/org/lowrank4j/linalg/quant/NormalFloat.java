package org.lowrank4j.linalg.quant;

/**
 * The normal-float code book (NF-b) of QLoRA (Dettmers et al., 2023) as LQ-LoRA defines it
 * (../shared/methods/c12-lq-lora.md): levels at quantiles of a standard normal, scaled to span [−1, 1], with an
 * exact zero.
 *
 * <p>With offset δ = 0.9677083: quantiles {@code q_left = linspace(1 − δ, 0.5, 2^(b−1))} and
 * {@code q_right = linspace(0.5, δ, 2^(b−1) + 1)}, concatenated with the shared 0.5 kept once (2^b quantiles);
 * level = Φ⁻¹(q) / Φ⁻¹(δ). For b = 4 that is 7 negative levels, 0 and 8 positive levels, from −1 to 1.
 */
public final class NormalFloat {

    /** The quantile of the outermost level, chosen in QLoRA so that the code book is symmetric at the ends. */
    public static final double OFFSET = 0.9677083;

    private static final double[][] LEVELS = {null, null, compute(2), compute(3), compute(4)};

    private NormalFloat() {}

    /**
     * The 2^bits levels in increasing order (a copy).
     *
     * @throws IllegalArgumentException unless bits is 2, 3 or 4
     */
    public static double[] levels(int bits) {
        if (bits < 2 || bits > 4) {
            throw new IllegalArgumentException("normal-float code books exist for 2, 3 and 4 bits, got " + bits);
        }
        return LEVELS[bits].clone();
    }

    /** Level index nearest to {@code x} (ties go to the lower level), for sorted levels. */
    static int nearest(double[] levels, double x) {
        int low = 0;
        int high = levels.length - 1;
        while (high - low > 1) { // invariant: the answer lies in [low, high]
            int middle = (low + high) >>> 1;
            if (x < levels[middle]) {
                high = middle;
            } else {
                low = middle;
            }
        }
        return x - levels[low] <= levels[high] - x ? low : high;
    }

    private static double[] compute(int bits) {
        int half = 1 << (bits - 1);
        double[] quantiles = new double[2 * half];
        for (int i = 0; i < half; i++) { // 1 − δ … 0.5 (the last one is 0.5)
            quantiles[i] = (1 - OFFSET) + (0.5 - (1 - OFFSET)) * i / (half - 1);
        }
        for (int i = 1; i <= half; i++) { // 0.5 … δ without the first 0.5
            quantiles[half - 1 + i] = 0.5 + (OFFSET - 0.5) * i / half;
        }
        double top = inverseNormal(OFFSET);
        double[] levels = new double[quantiles.length];
        for (int i = 0; i < levels.length; i++) {
            levels[i] = quantiles[i] == 0.5 ? 0.0 : inverseNormal(quantiles[i]) / top;
        }
        levels[0] = -1.0; // Φ⁻¹(1 − δ) = −Φ⁻¹(δ); remove the rounding of the bisection
        levels[levels.length - 1] = 1.0;
        return levels;
    }

    /** Φ⁻¹(p) by bisection on the standard normal distribution function, to about 1e-15. */
    static double inverseNormal(double p) {
        if (!(p > 0 && p < 1)) {
            throw new IllegalArgumentException("a quantile needs 0 < p < 1, got " + p);
        }
        double low = -9;
        double high = 9;
        for (int i = 0; i < 200 && high - low > 1e-15; i++) {
            double middle = 0.5 * (low + high);
            if (normalCdf(middle) < p) {
                low = middle;
            } else {
                high = middle;
            }
        }
        return 0.5 * (low + high);
    }

    /** Φ(z) = (1 + erf(z/√2))/2. */
    static double normalCdf(double z) {
        return 0.5 * (1 + erf(z / Math.sqrt(2)));
    }

    /**
     * erf(x) from the series with positive terms erf(x) = 2/√π · e^(−x²) · Σ 2ⁿ x^(2n+1) / (1·3·…·(2n+1)), which has
     * no cancellation; enough for |x| ≤ 7 (beyond, erf is ±1 in double precision).
     */
    static double erf(double x) {
        double a = Math.abs(x);
        if (a > 7) {
            return Math.signum(x);
        }
        double term = a;
        double sum = a;
        for (int n = 1; n < 1000; n++) {
            term *= 2 * a * a / (2 * n + 1);
            sum += term;
            if (term < 1e-17 * sum) {
                break;
            }
        }
        double value = 2 / Math.sqrt(Math.PI) * Math.exp(-a * a) * sum;
        return Math.copySign(Math.min(value, 1.0), x);
    }
}
