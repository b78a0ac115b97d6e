package org.lowrank4j.nn.weight;

import java.util.List;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.tensor.MatMul;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;

/**
 * A weight stored as the full matrix: {@code y = x·Wᵀ}, one GEMM each way.
 *
 * <p>For inference the weight can be {@link Pinnable pinned}: forwards then read the backend's own copy of W instead of
 * copying W in at every product, which dominates decoding one token at a time (each product is a single row against the
 * whole weight).
 */
public final class DenseWeight implements WeightFactorization, Pinnable {
    private final Parameter weight; // (out, in)
    private final PinSlot slot;     // W, and its staged copy while pinned

    /** Wraps a parameter of shape (out, in); the parameter may be shared (tied weights). */
    public DenseWeight(Parameter weight) {
        if (weight.value().rank() != 2) {
            throw new IllegalArgumentException("dense weight " + weight.name() + " must be (out, in), got " + weight.value().shapeString());
        }
        this.weight = weight;
        this.slot = new PinSlot(weight);
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
    public void pin() {
        slot.pin();
    }

    @Override
    public void unpin() {
        slot.unpin();
    }

    @Override
    public boolean isPinned() {
        return slot.isPinned();
    }

    @Override
    public Tensor forward(Tensor x) {
        Tensor y = newOutput(weight.name(), x); // (N, out)
        forwardInto(y, x);
        return y;
    }

    @Override
    public void forwardInto(Tensor y, Tensor x) {
        checkInput(weight.name(), x);
        checkOutput(y, x);
        slot.timesTransposed(y, x);
    }

    @Override
    public Tensor backward(Tensor dy, Tensor x) {
        Tensor dx = x.zerosLike();
        backwardInto(dx, dy, x, false);
        return dx;
    }

    @Override
    public void backwardInto(Tensor dx, Tensor dy, Tensor x, boolean accumulate) {
        slot.refuseWhilePinned();
        checkInputGradient(dx, x);
        parameterGradients(dy, x);
        MatMul.times(dx, dy, weight.value(), accumulate ? 1 : 0); // dx(N,in) = dy W (+ dx)
    }

    @Override
    public void parameterGradients(Tensor dy, Tensor x) {
        slot.refuseWhilePinned();
        if (!weight.isFrozen()) {
            MatMul.addTransposedTimes(weight.gradient(), dy, x); // dW(out,in) += dyᵀ x
        }
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
