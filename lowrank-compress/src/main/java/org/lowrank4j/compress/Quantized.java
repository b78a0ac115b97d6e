package org.lowrank4j.compress;

import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.linalg.quant.QuantizedMatrix;

/**
 * A weight W (m×n, rows = output channels) stored as quantized codes with group scales (and zero points): the layer
 * computes y = dequantize(W) x + b. Bytes are the matrix's exact storage (codes, float32 scales, packed zero points).
 */
public record Quantized(QuantizedMatrix weight) implements Factorization {

    public Quantized {
        if (weight == null) {
            throw new IllegalArgumentException("a quantized factorization needs its quantized matrix");
        }
    }

    /** The stored weights: one code per element of W. */
    @Override
    public long parameterCount() {
        return (long) weight.rows() * weight.cols();
    }

    @Override
    public long bytes() {
        return weight.bytes();
    }

    @Override
    public DoubleMatrix toDense() {
        return weight.dequantize().toDouble();
    }

    @Override
    public String describe() {
        return "quantized " + weight.format();
    }
}
