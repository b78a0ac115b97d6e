package org.lowrank4j.compress.recover;

/**
 * Which side of each factor pair {@code W ≈ A·B} (A (out, r), B (r, in)) is trained when.
 *
 * <p>{@link #U_THEN_V} is the sequential update of SVD-LLM (Wang et al., arXiv:2403.07378, §3.3; spec
 * ../shared/methods/c04-svd-llm.md, "Step 2"): the first half of the steps trains the U side (A, the factor applied
 * last, SVD-LLM's {@code u_proj}) with B frozen, the second half the V side (B, {@code v_proj}) with A frozen. Each
 * half starts with fresh optimizer moments. LayerNorm parameters, when trained, are trained in both halves.
 */
public enum FactorSchedule {
    /** Both factors of every pair, every step. */
    JOINT,
    /** A (U side) for the first half of the steps, then B (V side). */
    U_THEN_V;

    /** 0 for a schedule of one phase, else 0 (U) or 1 (V) for step {@code step} of {@code steps}. */
    int phase(long step, long steps) {
        return this == JOINT ? 0 : step < steps / 2 ? 0 : 1;
    }

    /** Whether the left factor A (out, r) trains in {@code phase}. */
    boolean trainsLeft(int phase) {
        return this == JOINT || phase == 0;
    }

    /** Whether the right factor B (r, in) trains in {@code phase}. */
    boolean trainsRight(int phase) {
        return this == JOINT || phase == 1;
    }
}
