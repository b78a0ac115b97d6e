package org.lowrank4j.nn.weight;

import org.lowrank4j.linalg.Linalg;
import org.lowrank4j.linalg.StagedMatrix;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.tensor.MatMul;
import org.lowrank4j.nn.tensor.Tensor;

/**
 * One matrix of a {@link Pinnable} weight and, while pinned, the backend's staged copy of it: the products that
 * forwards make with it read whichever applies, so a weight says what it multiplies, not where from.
 */
final class PinSlot {
    private final Parameter matrix;
    private StagedMatrix staged;

    PinSlot(Parameter matrix) {
        this.matrix = matrix;
    }

    /** Stages the matrix unless it is already or is a view into a larger array; true when pinned afterwards. */
    boolean pin() {
        if (staged == null && matrix.value().matrix().isCompact()) {
            staged = Linalg.backend().stage(matrix.value().matrix());
        }
        return staged != null;
    }

    void unpin() {
        if (staged != null) {
            staged.close();
            staged = null;
        }
    }

    boolean isPinned() {
        return staged != null;
    }

    /** {@code y = x·Mᵀ}, from the staged copy while pinned. */
    void timesTransposed(Tensor y, Tensor x) {
        if (staged != null) {
            MatMul.timesTransposed(y, x, staged, 0);
        } else {
            MatMul.timesTransposed(y, x, matrix.value(), 0);
        }
    }

    /** @throws IllegalStateException while pinned: training would change the matrix under its staged copy */
    void refuseWhilePinned() {
        if (staged != null) {
            throw new IllegalStateException(matrix.name() + " is pinned for inference; unpin it before training");
        }
    }
}
