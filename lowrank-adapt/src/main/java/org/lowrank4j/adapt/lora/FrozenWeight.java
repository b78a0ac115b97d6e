package org.lowrank4j.adapt.lora;

import java.util.List;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.tensor.MatMul;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.weight.DenseWeight;
import org.lowrank4j.nn.weight.LowRankWeight;
import org.lowrank4j.nn.weight.WeightFactorization;

/**
 * A weight that is not trained: the forward of the wrapped weight, a backward that returns {@code dx = dy·W} and
 * computes no weight gradient (one product instead of two), and no parameters. Fine-tuning wraps the linears it does
 * not adapt in it, so a LoRA step skips every frozen weight gradient.
 */
public final class FrozenWeight implements WeightFactorization {
    private final WeightFactorization base;

    public FrozenWeight(WeightFactorization base) {
        this.base = base;
    }

    /** The wrapped weight. */
    public WeightFactorization base() {
        return base;
    }

    /**
     * {@code dx(..., in) = dy(..., out)·W} for any weight, without its parameter gradients where the form is known (dense,
     * low-rank); other forms run their own backward, whose gradients then go unused.
     */
    public static Tensor inputGradient(WeightFactorization weight, Tensor dy, Tensor x) {
        Tensor dx = x.zerosLike();
        inputGradientInto(weight, dx, dy, x, false);
        return dx;
    }

    /** As {@link #inputGradient}, written into {@code dx} or, when {@code accumulate}, added to what it holds. */
    public static void inputGradientInto(WeightFactorization weight, Tensor dx, Tensor dy, Tensor x, boolean accumulate) {
        weight.checkInputGradient(dx, x);
        double beta = accumulate ? 1 : 0;
        if (weight instanceof DenseWeight dense) {
            MatMul.times(dx, dy, dense.weight().value(), beta);   // dx(N,in) = dy W (+ dx)
        } else if (weight instanceof LowRankWeight lowRank) {
            Tensor g = Tensor.zeros(weight.precision(), x.size() / weight.inFeatures(), lowRank.rank());
            MatMul.times(g, dy, lowRank.left().value(), 0);       // g(N,r) = dy A
            MatMul.times(dx, g, lowRank.right().value(), beta);   // dx(N,in) = g B (+ dx)
        } else if (weight instanceof FrozenWeight frozen) {
            inputGradientInto(frozen.base, dx, dy, x, accumulate);
        } else {
            weight.backwardInto(dx, dy, x, accumulate);
        }
    }

    @Override
    public int inFeatures() {
        return base.inFeatures();
    }

    @Override
    public int outFeatures() {
        return base.outFeatures();
    }

    @Override
    public Precision precision() {
        return base.precision();
    }

    @Override
    public Tensor forward(Tensor x) {
        return base.forward(x);
    }

    @Override
    public void forwardInto(Tensor y, Tensor x) {
        base.forwardInto(y, x);
    }

    @Override
    public Tensor backward(Tensor dy, Tensor x) {
        return inputGradient(base, dy, x);
    }

    @Override
    public void backwardInto(Tensor dx, Tensor dy, Tensor x, boolean accumulate) {
        inputGradientInto(base, dx, dy, x, accumulate);
    }

    /** Nothing: a frozen weight has no parameter gradients. */
    @Override
    public void parameterGradients(Tensor dy, Tensor x) {
    }

    @Override
    public Tensor toDense() {
        return base.toDense();
    }

    @Override
    public List<Parameter> parameters() {
        return List.of();
    }
}
