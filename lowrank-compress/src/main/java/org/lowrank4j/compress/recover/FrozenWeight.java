package org.lowrank4j.compress.recover;

import java.util.List;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.tensor.MatMul;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.weight.DenseWeight;
import org.lowrank4j.nn.weight.WeightFactorization;

/**
 * A dense weight that recovery does not train: forward as the dense weight, backward returns {@code dx = dy·W} only and
 * skips the weight gradient {@code dyᵀ·x}, a GEMM as large as the forward one. It owns no parameters. The distiller puts
 * it in place of the student's dense projections for the length of a run and puts the dense weights back afterwards.
 */
final class FrozenWeight implements WeightFactorization {
    private final DenseWeight dense; // W (out, in)

    FrozenWeight(DenseWeight dense) {
        this.dense = dense;
    }

    DenseWeight dense() {
        return dense;
    }

    @Override
    public int inFeatures() {
        return dense.inFeatures();
    }

    @Override
    public int outFeatures() {
        return dense.outFeatures();
    }

    @Override
    public Precision precision() {
        return dense.precision();
    }

    @Override
    public Tensor forward(Tensor x) {
        return dense.forward(x);
    }

    @Override
    public Tensor backward(Tensor dy, Tensor x) {
        Tensor dx = x.zerosLike();
        MatMul.times(dx, dy, dense.weight().value(), 0); // dx(N,in) = dy(N,out) W(out,in)
        return dx;
    }

    @Override
    public Tensor toDense() {
        return dense.toDense();
    }

    @Override
    public List<Parameter> parameters() {
        return List.of();
    }
}
