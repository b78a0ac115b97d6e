package org.lowrank4j.compress;

import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.linalg.Linalg;

/**
 * {@code W ≈ A · B} with A m×r ("up", carries the bias) and B r×n ("down"): the layer becomes y = A (B x) + b.
 */
public record LowRank(DoubleMatrix a, DoubleMatrix b) implements Factorization {

    public LowRank {
        if (a.cols() != b.rows()) {
            throw new IllegalArgumentException("low-rank factors disagree on the rank: A is " + a.shape() + ", B is " + b.shape());
        }
    }

    public int rank() {
        return a.cols();
    }

    @Override
    public long parameterCount() {
        return (long) rank() * (a.rows() + b.cols());
    }

    @Override
    public DoubleMatrix toDense() {
        return Linalg.multiply(a, b);
    }

    @Override
    public String describe() {
        return "low-rank r=" + rank();
    }
}
