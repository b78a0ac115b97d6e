package org.lowrank4j.compress.methods.afm;

import org.lowrank4j.compress.methods.MethodSpec;

/**
 * Options of Atomic Feature Mimicking for a linear layer (spec {@code shared/methods/c17-afm-ctr.md}; Yu, Fu, Ding,
 * Zhou, Wu, <i>Unified Low-rank Compression Framework for Click-through Rate Prediction</i>, KDD 2024,
 * arXiv:2405.18146; Yu &amp; Wu, <i>Compressing Transformers: Features Are Low-Rank, but Weights Are Not!</i>,
 * AAAI 2023).
 *
 * @param center        AUTO (default): the paper's centred PCA of the outputs (covariance, the mean correction moved
 *                      into the bias) on layers that have a bias, the uncentred second moment on layers without one;
 *                      ON: centred, refusing a layer without a bias; OFF: uncentred everywhere (then numerically LoRD's
 *                      output-feature PCA and the SVD-LLM optimum)
 * @param relativeFloor eigenvalue floor of the Gram square root when G is singular, relative to λ_max (default
 *                      1e-10), in [0, 0.01)
 */
public record AfmOptions(Center center, double relativeFloor) {

    public AfmOptions {
        if (center == null) {
            throw new IllegalArgumentException("afm: centring must be given (auto, on or off)");
        }
        if (!(relativeFloor >= 0 && relativeFloor < 1e-2)) {
            throw new IllegalArgumentException("afm: relative eigenvalue floor must be in [0, 0.01), got " + relativeFloor);
        }
    }

    public static AfmOptions defaults() {
        return new AfmOptions(Center.AUTO, 1e-10);
    }

    /** From {@code afm[:center=auto|on|off][:floor=F]}. */
    public static AfmOptions from(MethodSpec spec) {
        AfmOptions o = new AfmOptions(spec.choice("center", Center.class, defaults().center()), spec.number("floor", defaults().relativeFloor()));
        spec.requireAllRead();
        return o;
    }

    /** Whether the output PCA is centred. */
    public enum Center { AUTO, ON, OFF }
}
