package org.lowrank4j.nn.weight;

import java.util.List;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.tensor.MatMul;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;

/** A weight stored as the full matrix: {@code y = x·Wᵀ}, one GEMM each way. */
public final class DenseWeight implements WeightFactorization {
    private final Parameter weight; // (out, in)

    /** Wraps a parameter of shape (out, in); the parameter may be shared (tied weights). */
    public DenseWeight(Parameter weight) {
        if (weight.value().rank() != 2) {
            throw new IllegalArgumentException("dense weight " + weight.name() + " must be (out, in), got " + weight.value().shapeString());
        }
        this.weight = weight;
    }

    /** A zero (out, in) weight named {@code name}. */
    public static DenseWeight zeros(String name, int out, int in, Precision precision) {
        return new DenseWeight(new Parameter(name, Tensor.zeros(precision, out, in)));
    }

    /** The parameter holding W (out, in). */
    public Parameter weight() {
        return weight;
    }

    @Override
    public int inFeatures() {
        return weight.value().dim(1);
    }

    @Override
    public int outFeatures() {
        return weight.value().dim(0);
    }

    @Override
    public Precision precision() {
        return weight.value().precision();
    }

    @Override
    public Tensor forward(Tensor x) {
        checkInput(weight.name(), x);
        Tensor y = Tensor.zeros(precision(), outputShape(x)); // (N, out)
        MatMul.timesTransposed(y, x, weight.value(), 0);
        return y;
    }

    @Override
    public Tensor backward(Tensor dy, Tensor x) {
        MatMul.addTransposedTimes(weight.gradient(), dy, x); // dW(out,in) += dyᵀ x
        Tensor dx = x.zerosLike();
        MatMul.times(dx, dy, weight.value(), 0); // dx(N,in) = dy W
        return dx;
    }

    @Override
    public Tensor toDense() {
        return weight.value().copy();
    }

    @Override
    public List<Parameter> parameters() {
        return List.of(weight);
    }
}
