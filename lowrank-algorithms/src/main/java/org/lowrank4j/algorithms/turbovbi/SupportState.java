package org.lowrank4j.algorithms.turbovbi;

/**
 * The per-weight variational state of one weight matrix (row-major, {@code size} entries) that modules A and B share:
 * q(s=1), q(ρ) = Gamma(shape, rate), module A's evidence ℓ, module B's posterior log-odds and the extrinsic prior
 * logit π it sends back.
 */
public final class SupportState {
    final double[] support;       // q(s = 1)
    final double[] shape, rate;   // q(ρ) = Gamma(ã, b̃)
    final double[] evidence;      // ℓ = E[log p(ρ|s=1)] − E[log p(ρ|s=0)]
    final double[] posterior;     // logit P(s=1 | ℓ) from module B
    final double[] extrinsic;     // logit π from module B (the prior module A uses)

    /**
     * Every weight starts with the extrinsic prior π = {@code prior}, q(ρ) = the active Gamma (so the first q(w) fits
     * freely) and q(s=1) = {@code initialSupport}, which only the first q(ρ) update reads. [ours] The mean-field fixed
     * point of q(ρ) and q(s) is bistable for small weights (a weight believed active keeps a small E[ρ]); starting
     * q(s) low lets the first pass act as a magnitude test, after which the evidence and the chain take over.
     */
    public SupportState(int size, double prior, double initialSupport, GammaPrior gamma) {
        support = new double[size];
        shape = new double[size];
        rate = new double[size];
        evidence = new double[size];
        posterior = new double[size];
        extrinsic = new double[size];
        double logit = Math.log(prior) - Math.log1p(-prior);
        java.util.Arrays.fill(support, initialSupport);
        java.util.Arrays.fill(extrinsic, logit);
        java.util.Arrays.fill(posterior, logit);
        for (int i = 0; i < size; i++) {
            shape[i] = gamma.activeShape();
            rate[i] = gamma.activeRate();
        }
    }

    public int size() {
        return support.length;
    }

    /** q(s_i = 1). */
    public double support(int i) {
        return support[i];
    }

    /** E[ρ_i] = ã/b̃. */
    public double expectedPrecision(int i) {
        return shape[i] / rate[i];
    }

    /** Module B's posterior P(s_i = 1 | evidence). */
    public double posterior(int i) {
        return NeuronSupport.sigmoid(posterior[i]);
    }

    /** The extrinsic prior π_i module A uses. */
    public double extrinsicPrior(int i) {
        return NeuronSupport.sigmoid(extrinsic[i]);
    }

    /** Module A's evidence ℓ_i. */
    public double evidence(int i) {
        return evidence[i];
    }

    /** The second moments E[w_i²] = μ_i² + σ_i² that module A reads. */
    @FunctionalInterface
    public interface SecondMoment {
        double at(int i);
    }

    /**
     * Module A's closed forms for every weight: q(ρ) from the current q(s) and E[w²]
     * ({@code ã = π̃a + (1−π̃)ā + ½}, {@code b̃ = π̃b + (1−π̃)b̄ + ½E[w²]}), then the evidence ℓ from q(ρ) and
     * {@code q(s=1) = σ(logit π + ℓ)} with the extrinsic π.
     */
    public void moduleA(GammaPrior gamma, SecondMoment secondMoment) {
        for (int i = 0; i < support.length; i++) {
            shape[i] = gamma.posteriorShape(support[i]);
            rate[i] = gamma.posteriorRate(support[i], secondMoment.at(i));
            evidence[i] = gamma.logEvidenceRatio(shape[i], rate[i]);
            support[i] = NeuronSupport.sigmoid(extrinsic[i] + evidence[i]);
        }
    }
}
