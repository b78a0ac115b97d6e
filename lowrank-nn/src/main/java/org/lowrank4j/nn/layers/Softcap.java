package org.lowrank4j.nn.layers;

import java.util.List;
import org.lowrank4j.nn.Layer;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.tensor.Kernels;
import org.lowrank4j.nn.tensor.Tensor;

/**
 * Soft-capping, {@code y = cap·tanh(x / cap)} element-wise, as Gemma 2 applies it to its output logits
 * ({@code final_logit_softcapping}): values far below the cap pass nearly unchanged, and none reaches it. No parameters.
 */
public final class Softcap implements Layer {
    private final double cap;
    private Tensor output; // y of the latest forward, for the backward's 1 − (y / cap)²

    /** @throws IllegalArgumentException for a cap that is not a positive finite number */
    public Softcap(double cap) {
        if (!(cap > 0) || Double.isInfinite(cap)) {
            throw new IllegalArgumentException("a soft-cap must be a positive number, got " + cap);
        }
        this.cap = cap;
    }

    public double cap() {
        return cap;
    }

    /** A new tensor y, kept for {@link #backward}. */
    @Override
    public Tensor forward(Tensor x) {
        output = apply(x.copy());
        return output;
    }

    /** Caps {@code x} in place and returns it, keeping nothing (inference). */
    public Tensor apply(Tensor x) {
        Kernels.of(x).softcap(x, cap);
        return x;
    }

    @Override
    public Tensor backward(Tensor dy) {
        if (output == null || output.size() != dy.size()) {
            throw new IllegalStateException("soft-cap backward needs the forward of a tensor of the gradient's shape " + dy.shapeString());
        }
        Tensor dx = dy.zerosLike();
        Kernels.of(dy).softcapBackward(dx, dy, output, cap);
        return dx;
    }

    @Override
    public List<Parameter> parameters() {
        return List.of();
    }
}
