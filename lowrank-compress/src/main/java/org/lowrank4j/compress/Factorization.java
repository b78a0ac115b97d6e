package org.lowrank4j.compress;

import org.lowrank4j.linalg.DoubleMatrix;

/**
 * What replaces a dense weight W (m×n). Low-rank is the first kind; low-rank plus sparse, low-rank plus
 * quantized and dictionary factorizations implement the same interface later.
 */
public interface Factorization {

    /** Parameters stored (not bytes). */
    long parameterCount();

    /** The m×n matrix this factorization stands for. */
    DoubleMatrix toDense();

    /** A short description for reports, e.g. "low-rank r=96". */
    String describe();
}
