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

    /**
     * erf(x) in float32 without exp: {@code x·P(x²)/Q(x²)} on x clamped to [−4, 4] (the rational approximation of
     * Eigen's {@code generic_fast_erf_float}); absolute error about 1e-7. The float32 erf-GELU uses it: it was the
     * largest non-BLAS cost of a MiniLM forward.
     */
    public static float erfRational(float x) {
        float c = Math.max(-4f, Math.min(4f, x));
        float x2 = c * c;
        float p = x2 * -2.72614225801306e-10f + 2.77068142495902e-08f;
        p = x2 * p + -2.10102402082508e-06f;
        p = x2 * p + -5.69250639462346e-05f;
        p = x2 * p + -7.34990630326855e-04f;
        p = x2 * p + -2.95459980854025e-03f;
        p = x2 * p + -1.60960333262415e-02f;
        p = c * p;
        float q = x2 * -1.45660718464996e-05f + -2.13374055278905e-04f;
        q = x2 * q + -1.68282697438203e-03f;
        q = x2 * q + -7.37332916720468e-03f;
        q = x2 * q + -1.42647390514189e-02f;
        return p / q;
    }
}
