package org.lowrank4j.linalg.decomposition;

import org.lowrank4j.linalg.DenseMatrix;
import org.lowrank4j.linalg.SvdResult;

/**
 * A rank-k singular value decomposition. Implementations: {@link ExactSvd} (LAPACK, the default) and
 * {@link RandomizedSvd} (range finder, for ranks far below the size).
 *
 * <p>Contract: u is m×k with orthonormal columns, vt is k×n with orthonormal rows, s is descending and
 * non-negative, signs follow {@link SignConvention}, the input is not modified, and the result has the
 * input's element type. Invalid input (NaN/Inf, k outside [0, min(m, n)]) is an {@link IllegalArgumentException}.
 */
public interface Svd {

    SvdResult decompose(DenseMatrix a, int rank);

    /** Shared input checks for implementations. */
    static void validate(String who, DenseMatrix a, int rank) {
        int limit = Math.min(a.rows(), a.cols());
        if (rank < 0 || rank > limit) {
            throw new IllegalArgumentException(who + ": rank " + rank + " is outside [0, " + limit + "] for a " + a.shape() + " matrix");
        }
        org.lowrank4j.linalg.Linalg.requireFinite(who + " input", a);
    }
}
