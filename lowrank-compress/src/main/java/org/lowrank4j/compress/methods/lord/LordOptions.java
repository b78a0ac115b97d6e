package org.lowrank4j.compress.methods.lord;

import org.lowrank4j.compress.methods.MethodSpec;

/**
 * Options of LoRD (spec {@code shared/methods/c09-lord.md}; Kaushal, Vaidhya, Rish, <i>LoRD: Low Rank Decomposition
 * of Monolingual Code LLMs for One-Shot Compression</i>, arXiv:2309.14021). Only the paper's abstract could be read,
 * so the spec describes two variants; which one the paper used is "to verify".
 *
 * @param variant       FEATURE (default, the spec's recommendation): output-feature PCA, {@code A = U_r},
 *                      {@code B = U_rᵀ W} with U_r the top eigenvectors of the uncentred output second moment
 *                      {@code W G Wᵀ}; DATA_FREE: plain truncated SVD of the weight, no calibration data
 * @param relativeFloor eigenvalue floor of the Gram square root when G is singular (FEATURE only), relative to
 *                      λ_max (default 1e-10), in [0, 0.01)
 */
public record LordOptions(Variant variant, double relativeFloor) {

    public LordOptions {
        if (variant == null) {
            throw new IllegalArgumentException("lord: the variant must be given (feature or data-free)");
        }
        if (!(relativeFloor >= 0 && relativeFloor < 1e-2)) {
            throw new IllegalArgumentException("lord: relative eigenvalue floor must be in [0, 0.01), got " + relativeFloor);
        }
    }

    public static LordOptions defaults() {
        return new LordOptions(Variant.FEATURE, 1e-10);
    }

    /** From {@code lord[:variant=feature|data-free][:floor=F]}. */
    public static LordOptions from(MethodSpec spec) {
        LordOptions d = defaults();
        LordOptions o = new LordOptions(spec.choice("variant", Variant.class, d.variant()), spec.number("floor", d.relativeFloor()));
        spec.requireAllRead();
        return o;
    }

    /** Output-aware (spec variant F) or weight-only (variant D). */
    public enum Variant { FEATURE, DATA_FREE }
}
