package org.lowrank4j.nn.train.lowrank.maestro;

import java.util.Locale;

/**
 * Maestro's options.
 *
 * @param lambda      λ_gp, the weight of the group-lasso penalty Σ_sites Σ_kept j (‖V_j,:‖ + ‖U_:,j‖)
 * @param threshold   a kept component j is dropped when ‖V_j,:‖·‖U_:,j‖ falls below this (absolute)
 * @param shrinkEvery optimizer steps between two progressive shrinkings (the paper shrinks after every epoch)
 */
public record MaestroSettings(double lambda, double threshold, int shrinkEvery) {
    public static final String METHOD = "maestro";
    /** λ_gp 5e-3 and threshold 1e-5 are the reference's defaults; shrinking every 50 steps is our choice (no epochs here). */
    public static final double DEFAULT_LAMBDA = 5e-3, DEFAULT_THRESHOLD = 1e-5;
    public static final int DEFAULT_SHRINK_EVERY = 50;

    public MaestroSettings {
        if (!(lambda >= 0) || !Double.isFinite(lambda)) {
            throw new IllegalArgumentException(METHOD + ": option lambda must be a finite number >= 0 (the group-lasso weight), got " + lambda);
        }
        if (!(threshold >= 0) || !Double.isFinite(threshold)) {
            throw new IllegalArgumentException(METHOD + ": option threshold must be a finite number >= 0 (the importance below which a component is dropped), got "
                    + threshold);
        }
        if (shrinkEvery < 1) {
            throw new IllegalArgumentException(METHOD + ": option shrink-every must be >= 1 (optimizer steps between shrinkings), got " + shrinkEvery);
        }
    }

    public String describe() {
        return String.format(Locale.ROOT, "%s:lambda=%s:threshold=%s:shrink-every=%d", METHOD, lambda, threshold, shrinkEvery);
    }
}
