package org.lowrank4j.nn.layers;

import java.util.List;
import org.lowrank4j.nn.Layer;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.tensor.Kernels;
import org.lowrank4j.nn.tensor.StepBuffers;
import org.lowrank4j.nn.tensor.Tensor;

/**
 * What some decoders do to the output projection's logits z before the softmax, element-wise and without parameters:
 * divide them ({@code y = z / d}, Granite's {@code logits_scaling}), then soft-cap them ({@code y = cap·tanh(y / cap)},
 * Gemma 2's {@code final_logit_softcapping}: values far below the cap pass nearly unchanged, and none reaches it).
 */
public final class LogitShaping implements Layer {
    private final double divisor; // 1: not divided
    private final double cap;     // 0: not capped
    private Tensor output;        // y of the latest forward, for the backward's 1 − (y / cap)²
    private final StepBuffers.Slot gradient = new StepBuffers.Slot(); // dx in a training step

    private LogitShaping(double divisor, double cap) {
        this.divisor = divisor;
        this.cap = cap;
    }

    /**
     * The shaping that divides by {@code divisor} and then caps at {@code cap}, or null when it would do nothing
     * (divisor 1, cap 0).
     *
     * @throws IllegalArgumentException for a divisor or cap that is not a positive finite number (a cap of 0 means none)
     */
    public static LogitShaping of(double divisor, double cap) {
        if (!(divisor > 0) || Double.isInfinite(divisor)) {
            throw new IllegalArgumentException("a logit divisor must be a positive number, got " + divisor);
        }
        if (!(cap >= 0) || Double.isInfinite(cap)) {
            throw new IllegalArgumentException("a logit soft-cap must be a positive number (or 0 for none), got " + cap);
        }
        return divisor == 1 && cap == 0 ? null : new LogitShaping(divisor, cap);
    }

    /** What the logits are divided by (1: not divided). */
    public double divisor() {
        return divisor;
    }

    /** The soft-cap (0: not capped). */
    public double cap() {
        return cap;
    }

    /**
     * Shapes {@code x} in place, keeping it for {@link #backward}, and returns it. Unlike other layers this writes over its
     * input: x is the output projection's own fresh logits, and a (B,T,V) copy of them would double the largest tensor of a
     * training step. The caller must not change the result before the backward.
     */
    @Override
    public Tensor forward(Tensor x) {
        output = apply(x);
        return output;
    }

    /** Shapes {@code x} in place and returns it, keeping nothing (inference). */
    public Tensor apply(Tensor x) {
        Kernels kn = Kernels.of(x);
        if (divisor != 1) {
            kn.scale(x, 1 / divisor);
        }
        if (cap > 0) {
            kn.softcap(x, cap);
        }
        return x;
    }

    @Override
    public Tensor backward(Tensor dy) {
        if (output == null || output.size() != dy.size()) {
            throw new IllegalStateException("logit shaping's backward needs the forward of a tensor of the gradient's shape " + dy.shapeString());
        }
        Tensor dx = gradient.take(dy.precision(), dy.shape()); // the cap's backward writes every entry from dy
        if (cap == 0) {
            dx.copyFrom(dy);
        }
        Kernels kn = Kernels.of(dy);
        if (cap > 0) {
            kn.softcapBackward(dx, dy, output, cap);
        }
        if (divisor != 1) {
            kn.scale(dx, 1 / divisor);
        }
        return dx;
    }

    @Override
    public List<Parameter> parameters() {
        return List.of();
    }
}
