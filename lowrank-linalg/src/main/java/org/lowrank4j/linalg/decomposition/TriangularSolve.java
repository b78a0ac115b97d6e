package org.lowrank4j.linalg.decomposition;

import org.lowrank4j.linalg.DenseMatrix;
import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.linalg.Linalg;
import org.lowrank4j.linalg.LinalgBackend;

/** Solves with a triangular matrix (BLAS trsm) instead of forming its inverse. */
public final class TriangularSolve {
    private final LinalgBackend backend;

    public TriangularSolve() {
        this(Linalg.backend());
    }

    public TriangularSolve(LinalgBackend backend) {
        this.backend = backend;
    }

    /** X with {@code L X = B} for lower-triangular L. */
    public DoubleMatrix lower(DenseMatrix l, DenseMatrix b) {
        return solve(l, true, false, b);
    }

    /** X with {@code Lᵀ X = B} for lower-triangular L. */
    public DoubleMatrix lowerTransposed(DenseMatrix l, DenseMatrix b) {
        return solve(l, true, true, b);
    }

    /** X with {@code U X = B} for upper-triangular U. */
    public DoubleMatrix upper(DenseMatrix u, DenseMatrix b) {
        return solve(u, false, false, b);
    }

    /** X with {@code X L = B}, the right-side solve, for lower-triangular L (via Lᵀ Xᵀ = Bᵀ). */
    public DoubleMatrix rightLower(DenseMatrix l, DenseMatrix b) {
        return solve(l, true, true, b.transpose()).transpose().copy();
    }

    private DoubleMatrix solve(DenseMatrix t, boolean lower, boolean transpose, DenseMatrix b) {
        Linalg.requireSquare("triangular matrix", t);
        if (t.rows() != b.rows()) {
            throw new IllegalArgumentException("triangular solve: a " + t.shape() + " matrix cannot solve for a right-hand side of " + b.shape());
        }
        Linalg.requireFinite("triangular matrix", t);
        Linalg.requireFinite("right-hand side", b);
        for (int i = 0; i < t.rows(); i++) {
            if (t.get(i, i) == 0) {
                throw new IllegalArgumentException("triangular matrix " + t.shape() + " is singular: diagonal entry " + i + " is zero");
            }
        }
        return backend.solveTriangular(t.toDouble(), lower, transpose, b.toDouble());
    }
}
