package org.lowrank4j.nn.tensor;

/** The error function, which {@link java.lang.Math} lacks, in an accurate and a fast version. */
public final class SpecialFunctions {
    private static final double TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

    private SpecialFunctions() {
    }

    /**
     * erf(x) to about 1e-15 relative, from the series with positive terms
     * {@code erf(x) = 2/√π · e^(−x²) · Σ_n (2x²)^n · x / (1·3·…·(2n+1))}, which has no cancellation.
     * Beyond |x| = 6 erf is ±1 in double precision (erfc(6) ≈ 2e-17).
     */
    public static double erf(double x) {
        double ax = Math.abs(x);
        if (ax >= 6) {
            return Math.signum(x);
        }
        double twoX2 = 2 * ax * ax, term = ax, sum = ax;
        for (int n = 1; n < 1000 && term > 1e-17 * sum; n++) {
            term *= twoX2 / (2 * n + 1);
            sum += term;
        }
        double value = TWO_OVER_SQRT_PI * Math.exp(-ax * ax) * sum;
        return x < 0 ? -value : value;
    }

    /**
     * erf(x) to 1.5e-7 absolute (Abramowitz and Stegun 7.1.26): below float32 resolution, for the float32 kernels.
     */
    public static double erfFast(double x) {
        double ax = Math.abs(x);
        double t = 1 / (1 + 0.3275911 * ax);
        double poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
        double value = 1 - poly * Math.exp(-ax * ax);
        return x < 0 ? -value : value;
    }
}
