package org.lowrank4j.nn.layers;

import java.util.ArrayList;
import java.util.List;
import org.lowrank4j.nn.Layer;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.tensor.Kernels;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.StepBuffers;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.weight.DenseWeight;
import org.lowrank4j.nn.weight.WeightFactorization;

/**
 * {@code y(..., out) = x(..., in)·Wᵀ + b}, where W is any {@link WeightFactorization} (dense, low-rank, …) and the
 * bias is optional. Compression swaps the factorization with {@link #setWeight} and leaves everything else as is.
 */
public final class Linear implements Layer {
    private final String name;
    private WeightFactorization weight; // W (out, in)
    private final Parameter bias;       // b (out), or null
    private Tensor input;               // x (..., in) of the latest forward
    private final StepBuffers.Slot output = new StepBuffers.Slot(), inputGradient = new StepBuffers.Slot(); // y and dx in a training step

    public Linear(String name, WeightFactorization weight, Parameter bias) {
        if (bias != null && !bias.value().hasShape(weight.outFeatures())) {
            throw new IllegalArgumentException(name + ": bias of shape " + bias.value().shapeString() + " does not match "
                    + weight.outFeatures() + " outputs");
        }
        if (bias != null && bias.value().precision() != weight.precision()) {
            throw new IllegalArgumentException(name + ": bias and weight differ in precision");
        }
        this.name = name;
        this.weight = weight;
        this.bias = bias;
    }

    /** A dense zero layer with parameters {@code name.weight} (out, in) and, if asked, {@code name.bias} (out). */
    public static Linear dense(String name, int in, int out, boolean withBias, Precision precision) {
        Parameter b = withBias ? new Parameter(name + ".bias", Tensor.zeros(precision, out)) : null;
        return new Linear(name, DenseWeight.zeros(name + ".weight", out, in, precision), b);
    }

    public String name() {
        return name;
    }

    public WeightFactorization weight() {
        return weight;
    }

    /** Replaces the weight by another of the same shape and precision (a factorization of it, typically). */
    public void setWeight(WeightFactorization replacement) {
        if (replacement.inFeatures() != weight.inFeatures() || replacement.outFeatures() != weight.outFeatures()
                || replacement.precision() != weight.precision()) {
            throw new IllegalArgumentException(name + ": replacement weight is " + replacement.outFeatures() + "x"
                    + replacement.inFeatures() + " " + replacement.precision() + ", expected " + weight.outFeatures() + "x"
                    + weight.inFeatures() + " " + weight.precision());
        }
        this.weight = replacement;
    }

    /**
     * The input x (..., in) of the latest {@link #forward}, or null before the first: what calibration reads to
     * accumulate the layer's input statistics. The tensor is the layer's own reference; do not modify it. Inside a training
     * step ({@link StepBuffers}) it is the buffer of the layer below, which that layer's next run overwrites.
     */
    public Tensor lastInput() {
        return input;
    }

    /** The bias parameter, or null. */
    public Parameter bias() {
        return bias;
    }

    public int inFeatures() {
        return weight.inFeatures();
    }

    public int outFeatures() {
        return weight.outFeatures();
    }

    /** x (..., in) -> y (..., out): a new tensor, or inside a training step this layer's buffer ({@link StepBuffers}). */
    @Override
    public Tensor forward(Tensor x) {
        checkInput(x);
        input = x;
        Tensor y;
        if (StepBuffers.active()) { // the latest step's output buffer
            y = output.take(x.precision(), weight.outputShape(x));
            weight.forwardInto(y, x);
        } else {
            y = weight.forward(x);
        }
        if (bias != null) {
            Kernels.of(y).addBias(y, bias.value());
        }
        return y;
    }

    /**
     * As {@link #forward}, written into {@code y} (..., out), every entry, whatever it held: for a layer that keeps its
     * buffers from one step to the next.
     */
    public void forwardInto(Tensor y, Tensor x) {
        checkInput(x);
        input = x;
        weight.forwardInto(y, x);
        if (bias != null) {
            Kernels.of(y).addBias(y, bias.value());
        }
    }

    /** dy (..., out) -> dx (..., in), new or a step buffer as {@link #forward}'s y; adds into the weight's and the bias's gradients. */
    @Override
    public Tensor backward(Tensor dy) {
        addBiasGradient(dy);
        if (!StepBuffers.active()) {
            return weight.backward(dy, input);
        }
        Tensor dx = inputGradient.take(input.precision(), input.shape());
        weight.backwardInto(dx, dy, input, false);
        return dx;
    }

    /** As {@link #backward}, with dx written into {@code dx} or, when {@code accumulate}, added to what it holds. */
    public void backwardInto(Tensor dx, Tensor dy, boolean accumulate) {
        addBiasGradient(dy);
        weight.backwardInto(dx, dy, input, accumulate);
    }

    /** As {@link #backward} without dx: only the weight's and the bias's gradients (nothing below this layer trains). */
    public void backwardParameters(Tensor dy) {
        addBiasGradient(dy);
        weight.parameterGradients(dy, input);
    }

    private void checkInput(Tensor x) {
        weight.checkInput(name, x);
        if (x.precision() != weight.precision()) {
            throw new IllegalArgumentException(name + ": input is " + x.precision() + " but the layer is " + weight.precision());
        }
    }

    /** Checks dy against the latest forward and adds its column sums into the bias gradient (the weight does the rest). */
    private void addBiasGradient(Tensor dy) {
        if (input == null) {
            throw new IllegalStateException(name + ": backward called before forward");
        }
        if (dy.size() / Math.max(1, outFeatures()) != input.size() / Math.max(1, inFeatures()) || dy.dim(-1) != outFeatures()) {
            throw new IllegalArgumentException(name + ": output gradient " + dy.shapeString() + " does not match the output of input "
                    + input.shapeString());
        }
        if (bias != null && !bias.isFrozen()) {
            Kernels.of(dy).addColumnSums(bias.gradient(), dy);
        }
    }

    @Override
    public List<Parameter> parameters() {
        List<Parameter> out = new ArrayList<>(weight.parameters());
        if (bias != null) {
            out.add(bias);
        }
        return out;
    }
}
