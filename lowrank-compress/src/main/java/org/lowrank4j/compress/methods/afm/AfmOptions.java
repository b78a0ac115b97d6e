package org.lowrank4j.compress.methods.afm;

import org.lowrank4j.compress.methods.MethodSpec;

/**
 * Options of Atomic Feature Mimicking for a linear layer (spec {@code shared/methods/c17-afm-ctr.md}; Yu, Fu, Ding,
 * Zhou, Wu, <i>Unified Low-rank Compression Framework for Click-through Rate Prediction</i>, KDD 2024,
 * arXiv:2405.18146; Yu &amp; Wu, <i>Compressing Transformers: Features Are Low-Rank, but Weights Are Not!</i>,
 * AAAI 2023).
 *
 * @param relativeFloor eigenvalue floor of the Gram square root when G is singular, relative to λ_max (default
 *                      1e-10), in [0, 0.01)
 */
public record AfmOptions(double relativeFloor) {

    public AfmOptions {
        if (!(relativeFloor >= 0 && relativeFloor < 1e-2)) {
            throw new IllegalArgumentException("afm: relative eigenvalue floor must be in [0, 0.01), got " + relativeFloor);
        }
    }

    public static AfmOptions defaults() {
        return new AfmOptions(1e-10);
    }

    /** From {@code afm[:floor=F]}. */
    public static AfmOptions from(MethodSpec spec) {
        AfmOptions o = new AfmOptions(spec.number("floor", defaults().relativeFloor()));
        spec.requireAllRead();
        return o;
    }
}
