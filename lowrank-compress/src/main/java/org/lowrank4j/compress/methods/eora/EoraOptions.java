package org.lowrank4j.compress.methods.eora;

import org.lowrank4j.compress.methods.MethodSpec;
import org.lowrank4j.compress.methods.QuantizedBase;
import org.lowrank4j.linalg.quant.GptqRounding;

/**
 * Options of EoRA (Liu et al., arXiv:2410.21271; spec ../shared/methods/c06-eora.md): {@code eora[:base=gptq|rtn]
 * [:rank=R][:bits=4][:group=32][:scheme=…][:damping=0.01][:floor=1e-10][:embeddings=…][:egroup=N]}.
 *
 * @param storage the base's and embeddings' storage
 * @param base    how the base is rounded: GPTQ (the paper's setting) or round to nearest
 * @param rank    the branch rank of every site; -1 lets {@code --target-size} set per-site ranks (without a target,
 *                {@link #DEFAULT_RANK})
 * @param damping GPTQ's damping when the base is GPTQ
 * @param floor   eigenvalues of the Gram below floor·λ_max are raised to it (spec c06, pitfalls: 1/√0)
 */
public record EoraOptions(QuantizedBase storage, Base base, int rank, double damping, double floor) {

    /** The rank when neither the options nor a byte budget set one. */
    public static final int DEFAULT_RANK = 16;

    /** How the base is rounded. */
    public enum Base { GPTQ, RTN }

    public EoraOptions {
        if (storage == null || base == null) {
            throw new IllegalArgumentException("eora: storage and base must be given");
        }
        if (rank < -1) {
            throw new IllegalArgumentException("eora: rank must be 0 or more (or left out for the budget to decide), got " + rank);
        }
        if (!(damping >= 0 && damping <= 1)) {
            throw new IllegalArgumentException("eora: damping must be in [0, 1], got " + damping);
        }
        if (!(floor > 0 && floor < 1e-2)) {
            throw new IllegalArgumentException("eora: floor must be in (0, 0.01), got " + floor);
        }
    }

    public static EoraOptions defaults() {
        return new EoraOptions(QuantizedBase.defaults(), Base.GPTQ, -1, GptqRounding.DEFAULT_RELATIVE_DAMPING, 1e-10);
    }

    public static EoraOptions from(MethodSpec spec) {
        EoraOptions d = defaults();
        EoraOptions o = new EoraOptions(QuantizedBase.from(spec, d.storage()), spec.choice("base", Base.class, d.base()), spec.integer("rank", d.rank()),
                spec.number("damping", d.damping()), spec.number("floor", d.floor()));
        spec.requireAllRead();
        return o;
    }
}
