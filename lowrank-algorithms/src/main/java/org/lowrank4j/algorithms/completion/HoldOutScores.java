package org.lowrank4j.algorithms.completion;

/**
 * Root-mean-square errors on entries that were known but hidden from the solvers.
 *
 * @param hiddenEntries    how many entries were hidden and scored
 * @param altMin           {@link RobustAltMin}
 * @param meanFill         every hidden entry filled with the mean of the observed ones (per channel for images, per
 *                         column for tables)
 * @param softImpute       {@link SoftImpute} with λ chosen on held-out observed entries; NaN when not run
 * @param softImputeLambda the λ it chose; NaN when not run
 * @param altMinIterations alternating steps run (summed over channels)
 * @param altMinSeconds    wall time of the alternating minimisation (all channels)
 * @param softImputeSeconds wall time of soft-impute including its λ search; NaN when not run
 */
public record HoldOutScores(long hiddenEntries, double altMin, double meanFill, double softImpute, double softImputeLambda,
                            int altMinIterations, double altMinSeconds, double softImputeSeconds) {
}
