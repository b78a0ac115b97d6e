package org.lowrank4j.nn;

import org.lowrank4j.nn.tensor.Tensor;

/**
 * A trainable tensor: its name (the path a checkpoint stores it under, e.g. {@code "layers.0.attn.q.weight"}),
 * its value and its gradient, a tensor of the same shape and precision into which backward passes accumulate.
 * An optimizer iterates the {@link Module#parameters()} of a model and updates {@link #value()} in place.
 *
 * <p>Tied weights (GPT-2's token embedding and output projection) are one Parameter object held by two layers:
 * both add into the same gradient.
 */
public final class Parameter {
    private final String name;
    private final Tensor value;
    private volatile Tensor gradient; // allocated on first use: a frozen weight never asks for one
    private volatile boolean frozen;

    /** A parameter over {@code value} (not copied) with a zero gradient (allocated when first asked for). */
    public Parameter(String name, Tensor value) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("a parameter needs a name");
        }
        this.name = name;
        this.value = value;
    }

    public String name() {
        return name;
    }

    /** The values, updated in place by optimizers and loaders. */
    public Tensor value() {
        return value;
    }

    /**
     * The accumulated gradient, same shape as the value. It is allocated (zero) by the first call, so parameters that
     * never receive a gradient (the frozen base of an adapted model) cost no gradient memory.
     */
    public Tensor gradient() {
        Tensor g = gradient;
        if (g == null) {
            synchronized (this) {
                g = gradient;
                if (g == null) {
                    g = value.zerosLike();
                    gradient = g;
                }
            }
        }
        return g;
    }

    /** Whether {@link #gradient()} has been asked for (and its memory allocated). */
    public boolean hasGradient() {
        return gradient != null;
    }

    /**
     * Marks the parameter as not trained: layers skip the work of its gradient (an embedding table's, a dense weight's
     * product, a norm's sums), so it never allocates one; their input gradients are computed as before.
     */
    public void freeze() {
        frozen = true;
    }

    public boolean isFrozen() {
        return frozen;
    }

    /**
     * Freezes every parameter of {@code all} that is not (by identity) one of {@code kept}: what a fine-tuning that trains
     * only {@code kept} does, so the layers of the rest skip their weight gradients and allocate none.
     */
    public static void freezeAllBut(java.util.Collection<Parameter> all, java.util.Collection<Parameter> kept) {
        java.util.Set<Parameter> keep = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        keep.addAll(kept);
        for (Parameter p : all) {
            if (!keep.contains(p)) {
                p.freeze();
            }
        }
    }

    public int size() {
        return value.size();
    }

    public void zeroGradient() {
        Tensor g = gradient;
        if (g != null) {
            g.fill(0);
        }
    }

    @Override
    public String toString() {
        return name + " " + value.precision().name().toLowerCase() + " " + value.shapeString();
    }
}
