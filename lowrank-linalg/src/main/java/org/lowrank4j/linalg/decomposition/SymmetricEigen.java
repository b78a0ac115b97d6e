package org.lowrank4j.linalg.decomposition;

import org.lowrank4j.linalg.DenseMatrix;
import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.linalg.EigenResult;
import org.lowrank4j.linalg.Linalg;
import org.lowrank4j.linalg.LinalgBackend;

/**
 * Eigen-decomposition of a symmetric matrix (LAPACK syevd): values <b>descending</b>, vectors as columns with
 * {@link SignConvention} signs. Only symmetry within a relative tolerance is accepted; the lower triangle is used.
 */
public final class SymmetricEigen {
    private final LinalgBackend backend;

    public SymmetricEigen() {
        this(Linalg.backend());
    }

    public SymmetricEigen(LinalgBackend backend) {
        this.backend = backend;
    }

    public EigenResult decompose(DenseMatrix symmetric) {
        Linalg.requireSquare("SymmetricEigen input", symmetric);
        Linalg.requireFinite("SymmetricEigen input", symmetric);
        DoubleMatrix a = symmetric.toDouble();
        requireSymmetric(a);
        EigenResult ascending = backend.symmetricEigen(a);
        int n = ascending.values().length;
        double[] values = new double[n];
        DoubleMatrix vectors = DoubleMatrix.zeros(n, n);
        for (int j = 0; j < n; j++) {
            values[j] = ascending.values()[n - 1 - j];
            for (int i = 0; i < n; i++) {
                vectors.set(i, j, ascending.vectors().get(i, n - 1 - j));
            }
        }
        SignConvention.applyToColumns(vectors);
        return new EigenResult(values, vectors);
    }

    static void requireSymmetric(DoubleMatrix a) {
        int n = a.rows();
        double scale = 0;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                scale = Math.max(scale, Math.abs(a.get(i, j)));
            }
        }
        double tolerance = 1e-6 * scale;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < i; j++) {
                if (Math.abs(a.get(i, j) - a.get(j, i)) > tolerance) {
                    throw new IllegalArgumentException("matrix " + a.shape() + " is not symmetric: entries (" + i + ", " + j + ") = "
                            + a.get(i, j) + " and (" + j + ", " + i + ") = " + a.get(j, i));
                }
            }
        }
    }
}
