package org.lowrank4j.compress;

import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.linalg.Linalg;

/**
 * {@code W ≈ A · B} with A m×r ("up", carries the bias) and B r×n ("down"): the layer becomes y = A (B x) + b.
 * A method that also corrects the layer's bias (centred AFM, spec c17: {@code b + (I − U Uᵀ) W μ_x}) gives the
 * change as {@code biasShift} (length m); the layer then computes {@code y = A (B x) + b + biasShift}. Writers add it
 * to the existing bias and refuse a layer that has none.
 *
 * @param biasShift added to the layer's bias, or null (the usual case)
 */
public record LowRank(DoubleMatrix a, DoubleMatrix b, double[] biasShift) implements Factorization {

    /** Factors that leave the bias alone. */
    public LowRank(DoubleMatrix a, DoubleMatrix b) {
        this(a, b, null);
    }

    public LowRank {
        if (a.cols() != b.rows()) {
            throw new IllegalArgumentException("low-rank factors disagree on the rank: A is " + a.shape() + ", B is " + b.shape());
        }
        if (biasShift != null) {
            if (biasShift.length != a.rows()) {
                throw new IllegalArgumentException("bias shift has " + biasShift.length + " values for " + a.rows() + " outputs");
            }
            for (double v : biasShift) {
                if (!Double.isFinite(v)) {
                    throw new IllegalArgumentException("bias shift holds a non-finite value " + v);
                }
            }
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
        return "low-rank r=" + rank() + (biasShift == null ? "" : " + bias shift");
    }
}
