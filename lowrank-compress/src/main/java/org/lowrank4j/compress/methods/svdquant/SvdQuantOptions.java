package org.lowrank4j.compress.methods.svdquant;

import org.lowrank4j.compress.methods.MethodSpec;
import org.lowrank4j.compress.methods.QuantizedBase;
import org.lowrank4j.linalg.quant.GptqRounding;

/**
 * Options of SVDQuant (Li et al., arXiv:2411.05007; spec ../shared/methods/c16-svdquant.md):
 * {@code svdquant[:rank=R][:bits=4][:group=32][:scheme=…][:rounding=rtn|gptq][:smoothing=alpha-beta|alpha|off][:grid=20]
 * [:iterations=100][:damping=0.01][:embeddings=…][:egroup=N]}.
 *
 * @param storage    the residual's and embeddings' storage (the same group layout as the written file)
 * @param rounding   how the residual is rounded: round to nearest (the spec's quant()) or GPTQ on the smoothed inputs' Gram
 * @param rank       the branch rank of every site; -1 lets {@code --target-size} set per-site ranks (without a target,
 *                   {@link #DEFAULT_RANK}, the paper's r = 32)
 * @param smoothing  which (α, β) candidates the smoothing search tries (off: λ = 1)
 * @param grid       steps of the α grid: α = g/grid for g = 1 … grid − 1 (the reference code's num_grids = 20)
 * @param iterations the most refinement iterations (the loop stops at the first that does not lower the output error)
 * @param damping    GPTQ's damping when rounding is GPTQ
 */
public record SvdQuantOptions(QuantizedBase storage, Rounding rounding, int rank, Smoothing smoothing, int grid, int iterations, double damping) {

    /** The rank when neither the options nor a byte budget set one (the paper's r). */
    public static final int DEFAULT_RANK = 32;

    /** How the residual is rounded. */
    public enum Rounding { RTN, GPTQ }

    /** The smoothing candidates: (0,0) and (α,0) and (α,1−α) (alpha-beta); (0,0) and (α,0) (alpha); λ = 1 (off). */
    public enum Smoothing { ALPHA_BETA, ALPHA, OFF }

    public SvdQuantOptions {
        if (storage == null || rounding == null || smoothing == null) {
            throw new IllegalArgumentException("svdquant: storage, rounding and smoothing must be given");
        }
        if (rank < -1) {
            throw new IllegalArgumentException("svdquant: rank must be 0 or more (or left out for the budget to decide), got " + rank);
        }
        if (grid < 2 || grid > 1000) {
            throw new IllegalArgumentException("svdquant: grid must be from 2 to 1000 steps of α, got " + grid);
        }
        if (iterations < 1 || iterations > 1000) {
            throw new IllegalArgumentException("svdquant: iterations must be from 1 to 1000, got " + iterations);
        }
        if (!(damping >= 0 && damping <= 1)) {
            throw new IllegalArgumentException("svdquant: damping must be in [0, 1], got " + damping);
        }
    }

    public static SvdQuantOptions defaults() {
        return new SvdQuantOptions(QuantizedBase.defaults(), Rounding.RTN, -1, Smoothing.ALPHA_BETA, 20, 100, GptqRounding.DEFAULT_RELATIVE_DAMPING);
    }

    public static SvdQuantOptions from(MethodSpec spec) {
        SvdQuantOptions d = defaults();
        SvdQuantOptions o = new SvdQuantOptions(QuantizedBase.from(spec, d.storage()), spec.choice("rounding", Rounding.class, d.rounding()),
                spec.integer("rank", d.rank()), spec.choice("smoothing", Smoothing.class, d.smoothing()), spec.integer("grid", d.grid()),
                spec.integer("iterations", d.iterations()), spec.number("damping", d.damping()));
        spec.requireAllRead();
        return o;
    }
}
