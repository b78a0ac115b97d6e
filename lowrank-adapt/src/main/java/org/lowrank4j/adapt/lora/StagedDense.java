package org.lowrank4j.adapt.lora;

import org.lowrank4j.linalg.Linalg;
import org.lowrank4j.linalg.StagedMatrix;
import org.lowrank4j.nn.tensor.MatMul;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.weight.DenseWeight;

/**
 * The two products of a dense weight that is not trained (y = x·Wᵀ and dx = dy·W), reading a snapshot of W staged once
 * in the backend's memory instead of copying W in at every product. Only frozen weights use it ({@link FrozenWeight}, the
 * base of a {@link LoraWeight}): a trained weight changes at every step. The snapshot is taken at the first product and
 * dropped by {@link #invalidate} (merge, unmerge); with assertions on (the tests) every product first checks that W still
 * holds the staged values, so a write to a frozen weight that forgot to invalidate fails loudly.
 */
final class StagedDense {
    private final DenseWeight weight;
    private StagedMatrix staged;

    StagedDense(DenseWeight weight) {
        this.weight = weight;
    }

    /** The snapshot stands for this weight. */
    DenseWeight weight() {
        return weight;
    }

    /** x (..., in) -> x·Wᵀ (..., out). */
    Tensor forward(Tensor x) {
        weight.checkInput(weight.weight().name(), x);
        Tensor y = Tensor.zeros(weight.precision(), weight.outputShape(x));
        MatMul.timesTransposed(y, x, staged(), 0);
        return y;
    }

    /** dy (..., out) -> dy·W (..., in), shaped as x. */
    Tensor inputGradient(Tensor dy, Tensor x) {
        Tensor dx = x.zerosLike();
        MatMul.times(dx, dy, staged(), 0);
        return dx;
    }

    /** Drops the snapshot (the next product stages W again). */
    void invalidate() {
        if (staged != null) {
            staged.close();
            staged = null;
        }
    }

    private StagedMatrix staged() {
        if (staged == null) {
            staged = Linalg.backend().stage(weight.weight().value().matrix());
        } else {
            assert staged.sameValues(weight.weight().value().matrix()) : weight.weight().name()
                    + " changed while frozen: invalidate its staged copy after writing to it";
        }
        return staged;
    }
}
