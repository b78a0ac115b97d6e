package org.lowrank4j.linalg.decomposition;

import org.lowrank4j.linalg.DenseMatrix;
import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.linalg.Linalg;
import org.lowrank4j.linalg.LinalgBackend;
import org.lowrank4j.linalg.PivotedQrResult;

/**
 * Column interpolative decomposition {@code A ≈ A[:, columns] · X}: k columns picked by column-pivoted QR, and
 * X (k×n) holding the identity on the picked columns and {@code R11⁻¹ R12} on the rest.
 */
public final class InterpolativeDecomposition {
    private final LinalgBackend backend;

    /** The chosen column indices (in pivot order) and the k×n interpolation matrix. */
    public record Result(int[] columns, DoubleMatrix coefficients) {
    }

    public InterpolativeDecomposition() {
        this(Linalg.backend());
    }

    public InterpolativeDecomposition(LinalgBackend backend) {
        this.backend = backend;
    }

    public Result ofColumns(DenseMatrix a, int k) {
        Svd.validate("InterpolativeDecomposition", a, k);
        int n = a.cols();
        PivotedQrResult qr = new Qr(backend).decomposePivoted(a);
        int[] columns = java.util.Arrays.copyOf(qr.permutation(), k);
        DoubleMatrix coefficients = DoubleMatrix.zeros(k, n);
        if (k == 0) {
            return new Result(columns, coefficients);
        }
        DoubleMatrix r11 = qr.r().view(0, k, 0, k).copy();
        // Numerically zero pivots mean A has rank below k; those rows of X stay on their own column only.
        int effective = 0;
        double top = Math.abs(r11.get(0, 0));
        while (effective < k && Math.abs(r11.get(effective, effective)) > top * 1e-13) {
            effective++;
        }
        for (int i = 0; i < k; i++) {
            coefficients.set(i, columns[i], 1);
        }
        if (effective > 0 && k < n) {
            DoubleMatrix r12 = qr.r().view(0, effective, k, n).copy();
            DoubleMatrix t = new TriangularSolve(backend).upper(r11.view(0, effective, 0, effective), r12);
            for (int i = 0; i < effective; i++) {
                for (int j = k; j < n; j++) {
                    coefficients.set(i, qr.permutation()[j], t.get(i, j - k));
                }
            }
        }
        return new Result(columns, coefficients);
    }
}
