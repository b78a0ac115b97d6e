package org.lowrank4j.compress.methods.asvd;

import org.lowrank4j.compress.methods.MethodSpec;

/**
 * Options of activation-aware SVD (spec c03, ASVD by Yuan et al. 2023).
 *
 * @param alpha exponent of the channel scale d_j = mean|x_j|^α + 1e-6 (paper default 0.5; α = 0 is plain SVD)
 */
public record AsvdOptions(double alpha) {

    public AsvdOptions {
        if (!(alpha >= 0 && alpha <= 4)) {
            throw new IllegalArgumentException("ASVD alpha must be in [0, 4], got " + alpha);
        }
    }

    public static AsvdOptions defaults() {
        return new AsvdOptions(0.5);
    }

    /** From {@code asvd[:alpha=A]}. */
    public static AsvdOptions from(MethodSpec spec) {
        AsvdOptions o = new AsvdOptions(spec.number("alpha", defaults().alpha()));
        spec.requireAllRead();
        return o;
    }
}
