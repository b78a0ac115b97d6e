package org.lowrank4j.nn.layers;

import java.util.ArrayList;
import java.util.List;
import org.lowrank4j.nn.Layer;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.tensor.Kernels;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.StepBuffers;
import org.lowrank4j.nn.tensor.Tensor;

/** LayerNorm over the last axis: {@code y = (x − mean)/√(var + eps)·weight + bias} (bias optional). */
public final class LayerNorm implements Layer {
    private final String name;
    private final double eps;
    private final Parameter weight; // (C), initialised to 1
    private final Parameter bias;   // (C), initialised to 0, or null
    private Tensor input;           // x (N, C)
    private Tensor mean;            // (N)
    private Tensor rstd;            // (N)
    private final StepBuffers.Slot meanBuffer = new StepBuffers.Slot(), rstdBuffer = new StepBuffers.Slot();
    private final StepBuffers.Slot output = new StepBuffers.Slot(), inputGradient = new StepBuffers.Slot(); // y and dx in a training step

    public LayerNorm(String name, int channels, double eps, boolean withBias, Precision precision) {
        if (channels < 1 || !(eps >= 0)) {
            throw new IllegalArgumentException(name + ": LayerNorm needs channels >= 1 and eps >= 0, got " + channels + ", " + eps);
        }
        this.name = name;
        this.eps = eps;
        this.weight = new Parameter(name + ".weight", Tensor.zeros(precision, channels));
        this.weight.value().fill(1);
        this.bias = withBias ? new Parameter(name + ".bias", Tensor.zeros(precision, channels)) : null;
    }

    public Parameter weight() {
        return weight;
    }

    /** The bias, or null. */
    public Parameter bias() {
        return bias;
    }

    public double eps() {
        return eps;
    }

    /** x (..., C) -> y (..., C). */
    @Override
    public Tensor forward(Tensor x) {
        Norms.checkInput(name, x, weight.value());
        int rows = x.size() / x.dim(-1);
        input = x;
        mean = meanBuffer.take(x.precision(), rows);
        rstd = rstdBuffer.take(x.precision(), rows);
        Tensor y = output.take(x.precision(), x.shape());
        Kernels.of(x).layerNormForward(y, mean, rstd, x, weight.value(), bias == null ? null : bias.value(), eps);
        return y;
    }

    @Override
    public Tensor backward(Tensor dy) {
        Norms.checkGradient(name, dy, input);
        Tensor dx = inputGradient.take(dy.precision(), dy.shape());
        Tensor dweight = weight.isFrozen() ? null : weight.gradient(); // a frozen parameter allocates no gradient
        Tensor dbias = bias == null || bias.isFrozen() ? null : bias.gradient();
        Kernels.of(dy).layerNormBackward(dx, dweight, dbias, dy, input, mean, rstd, weight.value());
        return dx;
    }

    @Override
    public List<Parameter> parameters() {
        List<Parameter> out = new ArrayList<>(List.of(weight));
        if (bias != null) {
            out.add(bias);
        }
        return out;
    }
}
