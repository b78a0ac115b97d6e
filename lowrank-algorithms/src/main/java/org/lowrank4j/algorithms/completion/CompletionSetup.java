package org.lowrank4j.algorithms.completion;

/**
 * What {@link ImageInpainting} and {@link TableCompletion} run: the alternating minimisation's options, how many known
 * entries to hide for scoring, and whether to run the soft-impute baseline too.
 *
 * @param altMin       options of {@link RobustAltMin} (rank, ridge, iterations …)
 * @param hideFraction fraction of the known entries (pixels, for images) hidden from the solvers and scored, in [0, 1);
 *                     0 completes only what is missing in the input
 * @param hideSeed     seeds the choice of hidden entries
 * @param softImpute   also run the soft-impute baseline (λ chosen on 10% of the observed entries, rank cap
 *                     {@code softImputeMaxRank})
 * @param softImputeMaxRank the most singular values soft-impute keeps
 */
public record CompletionSetup(RobustAltMinOptions altMin, double hideFraction, long hideSeed, boolean softImpute, int softImputeMaxRank) {

    public CompletionSetup {
        if (altMin == null) {
            throw new IllegalArgumentException("alternating-minimisation options must be given");
        }
        if (!(hideFraction >= 0 && hideFraction < 1)) {
            throw new IllegalArgumentException("the hidden fraction must be in [0, 1), got " + hideFraction);
        }
        if (softImputeMaxRank < 1) {
            throw new IllegalArgumentException("the soft-impute rank cap must be at least 1, got " + softImputeMaxRank);
        }
    }
}
