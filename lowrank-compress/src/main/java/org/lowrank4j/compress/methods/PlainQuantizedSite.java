package org.lowrank4j.compress.methods;

import org.lowrank4j.compress.Factorization;
import org.lowrank4j.compress.Quantized;
import org.lowrank4j.linalg.quant.QuantizedMatrix;

/** A quantized site without a branch ({@code rtn}, {@code gptq}): rank 0 only. */
public record PlainQuantizedSite(QuantizedMatrix base) implements QuantizedSite {

    @Override
    public double[] spectrum() {
        return new double[0];
    }

    @Override
    public Factorization at(int rank) {
        if (rank != 0) {
            throw new IllegalArgumentException("a quantized site without a branch has only rank 0, got " + rank);
        }
        return new Quantized(base);
    }
}
