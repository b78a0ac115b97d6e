package org.lowrank4j.nn.train.lowrank;

import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;

/**
 * The orthonormal DCT-II matrix of size N: {@code Q[i][j] = sqrt(2/N)·cos(π·i·(2j+1)/(2N))}, row 0 further multiplied
 * by sqrt(1/2), so that Q·Qᵀ = I. Its columns are the fixed basis the SVD-free projection chooses from.
 */
public final class DctBasis {
    private DctBasis() {
    }

    /** Q (N×N) in the given precision; entries computed in float64. */
    public static Tensor matrix(int size, Precision precision) {
        if (size < 1) {
            throw new IllegalArgumentException("a DCT basis needs a size >= 1, got " + size);
        }
        Tensor q = Tensor.zeros(precision, size, size);
        double norm = Math.sqrt(2.0 / size);
        for (int i = 0; i < size; i++) {
            double rowScale = i == 0 ? norm * Math.sqrt(0.5) : norm;
            for (int j = 0; j < size; j++) {
                q.set(i * size + j, rowScale * Math.cos(Math.PI * i * (2 * j + 1) / (2.0 * size)));
            }
        }
        return q;
    }
}
