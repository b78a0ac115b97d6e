package org.lowrank4j.compress.methods.svdllm;

import org.lowrank4j.compress.methods.MethodSpec;

/**
 * Options of SVD-LLM V2's loss-optimised truncation (spec {@code shared/methods/c04-svd-llm.md}; Wang et al.,
 * <i>SVD-LLM V2: Optimizing Singular Value Truncation for Large Language Model Compression</i>, NAACL 2025,
 * arXiv:2503.12340). Its per-type ratio allocation is {@link org.lowrank4j.compress.allocation.SvdLlmV2Allocator}.
 *
 * @param relativeFloor τ: eigenvalues of G at or below {@code τ·λ_max} count as zero and the square root is
 *                      pseudo-inverted on the rest (default 1e-10, in [0, 0.01))
 */
public record SvdLlmV2Options(double relativeFloor) {

    public SvdLlmV2Options {
        if (!(relativeFloor >= 0 && relativeFloor < 1e-2)) {
            throw new IllegalArgumentException("svd-llm-v2: relative eigenvalue floor τ must be in [0, 0.01), got " + relativeFloor);
        }
    }

    public static SvdLlmV2Options defaults() {
        return new SvdLlmV2Options(1e-10);
    }

    /** From {@code svd-llm-v2[:floor=F]}. */
    public static SvdLlmV2Options from(MethodSpec spec) {
        SvdLlmV2Options o = new SvdLlmV2Options(spec.number("floor", defaults().relativeFloor()));
        spec.requireAllRead();
        return o;
    }
}
