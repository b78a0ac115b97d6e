package org.lowrank4j.compress;

import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.linalg.Linalg;

/**
 * The weight of one linear site in the notation of the method specs: {@code W} is m×n with m = output features
 * and n = input features, so the layer computes {@code y = W x (+ b)}. (ONNX MatMul stores the transpose, n×m.)
 *
 * @param name   readable site name, e.g. "block 3 attention.query"
 * @param role   what the layer does ("attention.query", "ffn.up", ...), used by per-type allocation
 * @param block  transformer block index, or -1 when unknown
 * @param weight  m×n in float64
 * @param hasBias whether the layer adds a bias b that a method may adjust (centred AFM moves its mean correction there)
 */
public record LinearWeight(String name, String role, int block, DoubleMatrix weight, boolean hasBias) {

    /** A site whose bias, if any, methods leave alone. */
    public LinearWeight(String name, String role, int block, DoubleMatrix weight) {
        this(name, role, block, weight, false);
    }

    public LinearWeight {
        Linalg.requireFinite("weight of " + name, weight);
        if (weight.isEmpty()) {
            throw new IllegalArgumentException("weight of " + name + " is empty (" + weight.shape() + ")");
        }
    }

    public int outFeatures() {
        return weight.rows();
    }

    public int inFeatures() {
        return weight.cols();
    }

    public long denseParameters() {
        return (long) weight.rows() * weight.cols();
    }
}
