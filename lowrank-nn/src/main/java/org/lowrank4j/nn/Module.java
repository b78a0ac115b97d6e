package org.lowrank4j.nn;

import java.util.List;

/** Anything that owns parameters: a layer, a block, a model. */
public interface Module {

    /** The parameters, in a fixed order (the same on every call). */
    List<Parameter> parameters();

    /** Sets every gradient to zero (before a new accumulation). */
    default void zeroGradients() {
        for (Parameter p : parameters()) {
            p.zeroGradient();
        }
    }

    /** Number of trainable scalars. */
    default long parameterCount() {
        long n = 0;
        for (Parameter p : parameters()) {
            n += p.size();
        }
        return n;
    }
}
