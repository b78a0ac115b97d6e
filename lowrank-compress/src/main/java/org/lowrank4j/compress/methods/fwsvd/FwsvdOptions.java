package org.lowrank4j.compress.methods.fwsvd;

import org.lowrank4j.compress.methods.MethodSpec;

/**
 * Options of Fisher-weighted SVD (spec {@code shared/methods/c02-fwsvd.md}; Hsu et al., <i>Language model
 * compression with weighted low-rank factorization</i>, ICLR 2022, arXiv:2207.00112).
 *
 * @param axis    which line of W shares one Fisher weight: INPUT (per input feature, column j of the out×in
 *                weight: {@code c_j = √(Σ_i F_ij + ε·f_max)}; the public re-implementations' convention and the
 *                default) or OUTPUT (per output feature, row i: {@code p_i = √(Σ_j F_ij + ε·f_max)})
 * @param epsilon added to every line sum, <em>relative</em> to the largest line sum f_max, before the square root,
 *                so lines with zero Fisher do not divide by zero; relative so that scaling F changes nothing
 *                (default 1e-6, in (0, 1))
 */
public record FwsvdOptions(Axis axis, double epsilon) {

    public FwsvdOptions {
        if (axis == null) {
            throw new IllegalArgumentException("fwsvd: the Fisher axis must be given (input or output)");
        }
        if (!(epsilon > 0 && epsilon < 1)) {
            throw new IllegalArgumentException("fwsvd: epsilon (relative to the largest Fisher line sum) must be in (0, 1), got " + epsilon);
        }
    }

    public static FwsvdOptions defaults() {
        return new FwsvdOptions(Axis.INPUT, 1e-6);
    }

    /** From {@code fwsvd[:axis=input|output][:epsilon=E]}. */
    public static FwsvdOptions from(MethodSpec spec) {
        FwsvdOptions d = defaults();
        FwsvdOptions o = new FwsvdOptions(spec.choice("axis", Axis.class, d.axis()), spec.number("epsilon", d.epsilon()));
        spec.requireAllRead();
        return o;
    }

    /** Which line of the out×in weight carries one Fisher weight. */
    public enum Axis { INPUT, OUTPUT }
}
