package org.lowrank4j.compress;

import org.lowrank4j.linalg.DoubleMatrix;

/** A weight kept as it is (factorising it would not save parameters). */
public record Dense(DoubleMatrix weight) implements Factorization {

    @Override
    public long parameterCount() {
        return (long) weight.rows() * weight.cols();
    }

    @Override
    public DoubleMatrix toDense() {
        return weight;
    }

    @Override
    public String describe() {
        return "dense";
    }
}
