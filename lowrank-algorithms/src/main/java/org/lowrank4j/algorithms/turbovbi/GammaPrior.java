package org.lowrank4j.algorithms.turbovbi;

/**
 * The middle layer of the prior and module A's closed forms. Given the support, the precision of a weight is
 * {@code ρ | s=1 ~ Gamma(a, b)} ("active": small mean precision a/b, the weight is free) and
 * {@code ρ | s=0 ~ Gamma(ā, b̄)} ("inactive": large mean precision ā/b̄, the weight is pinned near 0); the weight is
 * {@code w | ρ ~ N(0, 1/ρ)}. Gamma in the shape–rate form: mean a/b, {@code E[log ρ] = ψ(a) − log b}.
 *
 * @param activeShape     a > 0
 * @param activeRate      b > 0
 * @param inactiveShape   ā > 0
 * @param inactiveRate    b̄ > 0, with ā/b̄ > a/b
 */
public record GammaPrior(double activeShape, double activeRate, double inactiveShape, double inactiveRate) {

    public GammaPrior {
        for (double v : new double[] {activeShape, activeRate, inactiveShape, inactiveRate}) {
            if (!(v > 0) || !Double.isFinite(v)) {
                throw new IllegalArgumentException("turbo-vbi: Gamma shapes and rates must be finite and > 0, got a=" + activeShape
                        + " b=" + activeRate + " a-bar=" + inactiveShape + " b-bar=" + inactiveRate);
            }
        }
        if (!(inactiveShape / inactiveRate > activeShape / activeRate)) {
            throw new IllegalArgumentException("turbo-vbi: the inactive mean precision a-bar/b-bar = " + inactiveShape / inactiveRate
                    + " must exceed the active one a/b = " + activeShape / activeRate + " (inactive weights are the ones pinned to 0)");
        }
    }

    /** Shapes of {@link #ofStandardDeviations}: a = 1 (a broad active prior), ā = 2 (a less broad inactive one; a larger ā makes the evidence so sharp that the chain prior hardly matters) [ours]. */
    public static final double ACTIVE_SHAPE = 1, INACTIVE_SHAPE = 2;

    /**
     * The prior in terms of standard deviations [ours]: a = {@value #ACTIVE_SHAPE} with mean precision 1/activeStd²,
     * ā = {@value #INACTIVE_SHAPE} with mean precision 1/inactiveStd². Weights well above about activeStd/2 come out
     * active, weights near inactiveStd inactive.
     *
     * @throws IllegalArgumentException unless 0 < inactiveStd < activeStd, both finite
     */
    public static GammaPrior ofStandardDeviations(double activeStd, double inactiveStd) {
        if (!(inactiveStd > 0 && activeStd > inactiveStd) || !Double.isFinite(activeStd)) {
            throw new IllegalArgumentException("turbo-vbi: need 0 < inactive-std < active-std, got inactive-std=" + inactiveStd
                    + " active-std=" + activeStd);
        }
        return new GammaPrior(ACTIVE_SHAPE, ACTIVE_SHAPE * activeStd * activeStd, INACTIVE_SHAPE, INACTIVE_SHAPE * inactiveStd * inactiveStd);
    }

    /** ã = π̃·a + (1 − π̃)·ā + ½: q(ρ)'s shape given q(s = 1) = π̃. */
    public double posteriorShape(double support) {
        return support * activeShape + (1 - support) * inactiveShape + 0.5;
    }

    /** b̃ = π̃·b + (1 − π̃)·b̄ + ½·E[w²], with E[w²] = μ² + σ². */
    public double posteriorRate(double support, double secondMoment) {
        return support * activeRate + (1 - support) * inactiveRate + 0.5 * secondMoment;
    }

    /**
     * Module A's evidence about the support from q(ρ) = Gamma(ã, b̃): {@code E[log p(ρ|s=1)] − E[log p(ρ|s=0)]}, the
     * log-likelihood ratio that module B receives (q(s = 1) = σ(logit π + this)).
     */
    public double logEvidenceRatio(double shape, double rate) {
        double meanRho = shape / rate, meanLogRho = SpecialFunctions.digamma(shape) - Math.log(rate);
        return expectedLogDensity(activeShape, activeRate, meanRho, meanLogRho)
                - expectedLogDensity(inactiveShape, inactiveRate, meanRho, meanLogRho);
    }

    /** E[log Gamma(ρ | a, b)] given E[ρ] and E[log ρ]: a log b − ln Γ(a) + (a − 1) E[log ρ] − b E[ρ]. */
    static double expectedLogDensity(double a, double b, double meanRho, double meanLogRho) {
        return a * Math.log(b) - SpecialFunctions.lnGamma(a) + (a - 1) * meanLogRho - b * meanRho;
    }

    /** The entropy of Gamma(a, b): a − log b + ln Γ(a) + (1 − a) ψ(a). */
    static double entropy(double a, double b) {
        return a - Math.log(b) + SpecialFunctions.lnGamma(a) + (1 - a) * SpecialFunctions.digamma(a);
    }
}
