package org.lowrank4j.nn.layers;

import java.util.List;
import org.lowrank4j.nn.Layer;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.tensor.Kernels;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;

/** RMSNorm over the last axis (LLaMA): {@code y = x/√(mean(x²) + eps)·weight}. */
public final class RMSNorm implements Layer {
    private final String name;
    private final double eps;
    private final Parameter weight; // (C), initialised to 1
    private Tensor input;           // x (N, C)
    private Tensor rstd;            // (N)

    public RMSNorm(String name, int channels, double eps, Precision precision) {
        if (channels < 1 || !(eps >= 0)) {
            throw new IllegalArgumentException(name + ": RMSNorm needs channels >= 1 and eps >= 0, got " + channels + ", " + eps);
        }
        this.name = name;
        this.eps = eps;
        this.weight = new Parameter(name + ".weight", Tensor.zeros(precision, channels));
        this.weight.value().fill(1);
    }

    public Parameter weight() {
        return weight;
    }

    public double eps() {
        return eps;
    }

    /** x (..., C) -> y (..., C). */
    @Override
    public Tensor forward(Tensor x) {
        Norms.checkInput(name, x, weight.value());
        input = x;
        rstd = Tensor.zeros(x.precision(), x.size() / x.dim(-1));
        Tensor y = x.zerosLike();
        Kernels.of(x).rmsNormForward(y, rstd, x, weight.value(), eps);
        return y;
    }

    @Override
    public Tensor backward(Tensor dy) {
        Norms.checkGradient(name, dy, input);
        Tensor dx = dy.zerosLike();
        Kernels.of(dy).rmsNormBackward(dx, weight.isFrozen() ? null : weight.gradient(), dy, input, rstd, weight.value());
        return dx;
    }

    @Override
    public List<Parameter> parameters() {
        return List.of(weight);
    }
}
