package org.lowrank4j.compress;

import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.linalg.quant.QuantizedMatrix;

/**
 * A weight W (m×n, rows = output channels) stored as quantized codes with group scales (and zero points): the layer
 * computes y = dequantize(W) x + b. With an input scale s (n values; SVDQuant's smoothing 1/λ) the base reads x ⊙ s:
 * y = dequantize(W) (x ⊙ s) + b, so the weight it stands for is {@code dequantize(W)·diag(s)}. Bytes are the matrix's
 * exact storage (codes, float32 scales, packed zero points) plus 4 per input scale.
 *
 * @param inputScale the scale of the base's input, or null (the base reads x as it is)
 */
public record Quantized(QuantizedMatrix weight, InputScale inputScale) implements Factorization {

    public Quantized {
        if (weight == null) {
            throw new IllegalArgumentException("a quantized factorization needs its quantized matrix");
        }
        InputScale.requireFits(inputScale, weight.cols());
    }

    /** The base alone, reading x as it is. */
    public Quantized(QuantizedMatrix weight) {
        this(weight, null);
    }

    /** The stored weights: one code per element of W (and one per input scale). */
    @Override
    public long parameterCount() {
        return (long) weight.rows() * weight.cols() + (inputScale == null ? 0 : inputScale.size());
    }

    @Override
    public long bytes() {
        return weight.bytes() + (inputScale == null ? 0 : inputScale.bytes());
    }

    @Override
    public DoubleMatrix toDense() {
        DoubleMatrix w = weight.dequantize().toDouble();
        return inputScale == null ? w : inputScale.scaleColumns(w);
    }

    @Override
    public String describe() {
        return "quantized " + weight.format() + (inputScale == null ? "" : inputScale.describe());
    }
}
