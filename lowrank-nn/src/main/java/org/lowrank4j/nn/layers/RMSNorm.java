package org.lowrank4j.nn.layers;

import java.util.List;
import org.lowrank4j.nn.Layer;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.tensor.Kernels;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.StepBuffers;
import org.lowrank4j.nn.tensor.Tensor;

/**
 * RMSNorm over the last axis (LLaMA): {@code y = x/√(mean(x²) + eps)·weight}. With a unit offset (Gemma) the stored
 * weight w is a deviation from one and the multiplier is {@code 1 + w}; the checkpoint keeps w, and so does this layer.
 */
public final class RMSNorm implements Layer {
    private final String name;
    private final double eps;
    private final Parameter weight; // (C), initialised to a multiplier of 1
    private final boolean unitOffset;
    private Tensor multiplier;      // 1 + w with a unit offset, refreshed by every forward and decode
    private Tensor input;           // x (N, C)
    private Tensor rstd;            // (N)
    private final StepBuffers.Slot rstdBuffer = new StepBuffers.Slot();
    private final StepBuffers.Slot output = new StepBuffers.Slot(), inputGradient = new StepBuffers.Slot(); // y and dx in a training step

    public RMSNorm(String name, int channels, double eps, Precision precision) {
        this(name, channels, eps, false, precision);
    }

    /** With {@code unitOffset} the multiplier is {@code 1 + weight} (Gemma's norms), and the weight starts at 0. */
    public RMSNorm(String name, int channels, double eps, boolean unitOffset, Precision precision) {
        if (channels < 1 || !(eps >= 0)) {
            throw new IllegalArgumentException(name + ": RMSNorm needs channels >= 1 and eps >= 0, got " + channels + ", " + eps);
        }
        this.name = name;
        this.eps = eps;
        this.unitOffset = unitOffset;
        this.weight = new Parameter(name + ".weight", Tensor.zeros(precision, channels));
        this.weight.value().fill(unitOffset ? 0 : 1);
    }

    /** The stored weight: the multiplier itself, or its deviation from one with a {@link #unitOffset()}. */
    public Parameter weight() {
        return weight;
    }

    /** True when the multiplier is {@code 1 + weight} (Gemma). */
    public boolean unitOffset() {
        return unitOffset;
    }

    /** What each normalised channel is multiplied by: the weight, or {@code 1 + weight} with a unit offset (a new tensor). */
    public Tensor multiplier() {
        return currentMultiplier().copy();
    }

    /** The multiplier this forward uses: the weight itself, or 1 + weight into a buffer kept for the backward. */
    private Tensor currentMultiplier() {
        if (!unitOffset) {
            return weight.value();
        }
        Tensor w = weight.value();
        multiplier = Tensor.reuse(multiplier, w.precision(), w.shape());
        for (int i = 0; i < w.size(); i++) {
            multiplier.set(i, 1 + w.get(i));
        }
        return multiplier;
    }

    public double eps() {
        return eps;
    }

    /** x (..., C) -> y (..., C). */
    @Override
    public Tensor forward(Tensor x) {
        Norms.checkInput(name, x, weight.value());
        input = x;
        rstd = rstdBuffer.take(x.precision(), x.size() / x.dim(-1));
        Tensor y = output.take(x.precision(), x.shape());
        Kernels.of(x).rmsNormForward(y, rstd, x, currentMultiplier(), eps);
        return y;
    }

    @Override
    public Tensor backward(Tensor dy) {
        Norms.checkGradient(name, dy, input);
        Tensor dx = inputGradient.take(dy.precision(), dy.shape());
        Kernels.of(dy).rmsNormBackward(dx, weight.isFrozen() ? null : weight.gradient(), dy, input, rstd, unitOffset ? multiplier : weight.value());
        return dx;
    }

    @Override
    public List<Parameter> parameters() {
        return List.of(weight);
    }
}
