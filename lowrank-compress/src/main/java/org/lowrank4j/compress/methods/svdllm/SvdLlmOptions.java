package org.lowrank4j.compress.methods.svdllm;

import org.lowrank4j.compress.methods.MethodSpec;

/**
 * Options of SVD-LLM V1 (spec {@code shared/methods/c04-svd-llm.md}; Wang et al., <i>SVD-LLM: Truncation-aware
 * Singular Value Decomposition for Large Language Model Compression</i>, ICLR 2025, arXiv:2403.07378).
 *
 * @param update         CLOSED_FORM (default): the reference code's {@code --step 2} least-squares update of the
 *                       A side on the compressed-prefix inputs; NONE: whitening only (then equal to the "whitened"
 *                       method). The paper's own update — sequential LoRA fine-tuning of A then B — is a training
 *                       step and belongs to the later recovery feature, not to this per-site method.
 * @param relativeJitter when the original Gram G is not numerically positive definite, {@code ε·mean(diag G)} is
 *                       added once before a second Cholesky attempt (the code's fallback, made relative); 0 skips
 *                       straight to the eigen route. In [0, 0.01), default 0 (as the whitened method's AUTO route)
 * @param relativeFloor  eigenvalue floor of the eigen fallback, relative to λ_max (default 1e-10), in [0, 0.01)
 */
public record SvdLlmOptions(Update update, double relativeJitter, double relativeFloor) {

    public SvdLlmOptions {
        if (update == null) {
            throw new IllegalArgumentException("svd-llm: the update must be given (closed-form or none)");
        }
        if (!(relativeJitter >= 0 && relativeJitter < 1e-2)) {
            throw new IllegalArgumentException("svd-llm: relative jitter must be in [0, 0.01), got " + relativeJitter);
        }
        if (!(relativeFloor >= 0 && relativeFloor < 1e-2)) {
            throw new IllegalArgumentException("svd-llm: relative eigenvalue floor must be in [0, 0.01), got " + relativeFloor);
        }
    }

    public static SvdLlmOptions defaults() {
        return new SvdLlmOptions(Update.CLOSED_FORM, 0, 1e-10);
    }

    /** From {@code svd-llm[:update=closed-form|none][:jitter=J][:floor=F]}. */
    public static SvdLlmOptions from(MethodSpec spec) {
        SvdLlmOptions d = defaults();
        SvdLlmOptions o = new SvdLlmOptions(spec.choice("update", Update.class, d.update()), spec.number("jitter", d.relativeJitter()),
                spec.number("floor", d.relativeFloor()));
        spec.requireAllRead();
        return o;
    }

    /** The parameter update after whitened truncation. */
    public enum Update { CLOSED_FORM, NONE }
}
