package org.lowrank4j.algorithms.completion;

import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.linalg.Linalg;

/**
 * The m×n operator {@code A = scale · S + L · Rᵀ} where S holds the given values at the observed positions (zero
 * elsewhere) and the low-rank part is optional: what the completion algorithms take singular vectors of without ever
 * forming it. (1/p)·P_Ω(M) is {@code scale = 1/p} without a low-rank part; soft-impute's
 * {@code P_Ω(M) + P_Ω⊥(Z) = P_Ω(M − Z) + Z} is S = the residual at Ω plus L Rᵀ = Z.
 */
final class SparsePlusLowRank {
    private final ObservedEntries positions;
    private final double[] sparseValues; // (|Ω|) in the positions' row-major order
    private final double scale;
    private final DoubleMatrix left;     // (m, r) or null
    private final DoubleMatrix right;    // (n, r) or null

    SparsePlusLowRank(ObservedEntries positions, double[] sparseValues, double scale, DoubleMatrix left, DoubleMatrix right) {
        assert sparseValues.length == positions.count();
        this.positions = positions;
        this.sparseValues = sparseValues;
        this.scale = scale;
        this.left = left;
        this.right = right;
    }

    int rows() {
        return positions.rows();
    }

    int cols() {
        return positions.cols();
    }

    /** A · x, x (n, b) → (m, b). */
    DoubleMatrix multiply(DoubleMatrix x) {
        int b = x.cols();
        DoubleMatrix y = left == null ? DoubleMatrix.zeros(rows(), b) : Linalg.multiply(left, Linalg.multiply(right.transpose(), x));
        double[] out = y.data(), in = x.compact().data();
        for (int e = 0; e < positions.count(); e++) {
            double w = scale * sparseValues[e];
            int yo = positions.row(e) * b, xo = positions.col(e) * b;
            for (int c = 0; c < b; c++) {
                out[yo + c] += w * in[xo + c];
            }
        }
        return y;
    }

    /** Aᵀ · x, x (m, b) → (n, b). */
    DoubleMatrix multiplyTransposed(DoubleMatrix x) {
        int b = x.cols();
        DoubleMatrix y = left == null ? DoubleMatrix.zeros(cols(), b) : Linalg.multiply(right, Linalg.multiply(left.transpose(), x));
        double[] out = y.data(), in = x.compact().data();
        for (int e = 0; e < positions.count(); e++) {
            double w = scale * sparseValues[e];
            int yo = positions.col(e) * b, xo = positions.row(e) * b;
            for (int c = 0; c < b; c++) {
                out[yo + c] += w * in[xo + c];
            }
        }
        return y;
    }
}
