package org.lowrank4j.algorithms.turbovbi;

import java.util.Locale;

/**
 * The hyperparameters of a Turbo-VBI fine-tune of a decoder's MLPs (spec
 * ../shared/methods/20-turbo-vbi-structured-bayesian-compression.md). The Gamma pair decides the sparsity level: a weight
 * whose |μ| stays well below about {@code activeStd} ends inactive.
 *
 * @param activeStd      1/√(a/b) of the active precision prior (a = 1), > inactiveStd
 * @param inactiveStd    1/√(ā/b̄) of the inactive one (ā = 2), > 0
 * @param stayActive     p11 of the support chain, in (0, 1)
 * @param stayInactive   p00, in (0, 1)
 * @param neuronPrior    P(neuron active) in (0, 1]; 1 turns the neuron level off
 * @param priorWeight    weight of the prior term against the data term (1: the ELBO; the term is divided by the training
 *                       tokens), > 0
 * @param updateEvery    optimizer steps between turbo updates of q(ρ), q(s) and the chain, >= 1
 * @param turboRounds    module A ↔ B rounds per update, >= 1
 * @param initialStd     σ of every weight at the start, > 0
 */
public record TurboVbiOptions(double activeStd, double inactiveStd, double stayActive, double stayInactive, double neuronPrior,
        double priorWeight, int updateEvery, int turboRounds, double initialStd) {
    public static final String METHOD = "turbo-vbi";

    /** Defaults for weights of std ≈ 0.026 (the sotu-decoder's MLPs) [ours]. */
    public static TurboVbiOptions defaults() {
        return new TurboVbiOptions(0.02, 0.002, 0.95, 0.95, 0.5, 1, 10, 3, 1e-3);
    }

    public TurboVbiOptions {
        gamma(activeStd, inactiveStd); // validates the pair
        new NeuronSupport(new SupportChain(stayActive, stayInactive), neuronPrior);
        if (!(priorWeight > 0) || !Double.isFinite(priorWeight)) {
            throw new IllegalArgumentException("turbo-vbi: --prior-weight must be finite and > 0, got " + priorWeight);
        }
        if (updateEvery < 1 || turboRounds < 1) {
            throw new IllegalArgumentException("turbo-vbi: --update-every and --turbo-rounds must be >= 1, got " + updateEvery + " and " + turboRounds);
        }
        if (!(initialStd > 0) || !Double.isFinite(initialStd)) {
            throw new IllegalArgumentException("turbo-vbi: --initial-std must be finite and > 0, got " + initialStd);
        }
    }

    private static GammaPrior gamma(double activeStd, double inactiveStd) {
        return GammaPrior.ofStandardDeviations(activeStd, inactiveStd);
    }

    public GammaPrior gamma() {
        return gamma(activeStd, inactiveStd);
    }

    public NeuronSupport support() {
        return new NeuronSupport(new SupportChain(stayActive, stayInactive), neuronPrior);
    }

    /** Every option, e.g. {@code turbo-vbi:active-std=0.02:inactive-std=0.002:…}. */
    public String describe() {
        return String.format(Locale.ROOT, "%s:active-std=%s:inactive-std=%s:p11=%s:p00=%s:neuron-prior=%s:prior-weight=%s:update-every=%d:"
                + "turbo-rounds=%d:initial-std=%s", METHOD, activeStd, inactiveStd, stayActive, stayInactive, neuronPrior, priorWeight,
                updateEvery, turboRounds, initialStd);
    }
}
