package org.lowrank4j.compress;

import org.lowrank4j.linalg.DoubleMatrix;

/**
 * What replaces a dense weight W (m×n): {@link LowRank}, {@link Dense}, {@link Quantized} and {@link QuantizedLowRank};
 * low-rank plus sparse and dictionary factorizations implement the same interface later.
 */
public interface Factorization {

    /** Parameters stored (not bytes). */
    long parameterCount();

    /** The m×n matrix this factorization stands for. */
    DoubleMatrix toDense();

    /**
     * Bytes the factorization occupies in a written model: 4 per parameter for float32 factors (the default), packed
     * codes, scales and zero points for quantized ones.
     */
    default long bytes() {
        return 4 * parameterCount();
    }

    /** A short description for reports, e.g. "low-rank r=96". */
    String describe();
}
