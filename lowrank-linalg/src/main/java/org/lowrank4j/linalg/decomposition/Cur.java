package org.lowrank4j.linalg.decomposition;

import org.lowrank4j.linalg.DenseMatrix;
import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.linalg.Linalg;
import org.lowrank4j.linalg.LinalgBackend;
import org.lowrank4j.linalg.PivotedQrResult;
import org.lowrank4j.linalg.SvdResult;

/**
 * CUR decomposition {@code A ≈ C · U · R}: C holds k actual columns of A and R k actual rows, both picked by
 * column-pivoted QR (rows from the pivoted QR of Cᵀ); U = C⁺ A R⁺ is the best link between them in the
 * Frobenius norm. Computed in float64.
 */
public final class Cur {
    private final LinalgBackend backend;

    public record Result(int[] columns, int[] rows, DoubleMatrix c, DoubleMatrix u, DoubleMatrix r) {
        /** C · U · R. */
        public DoubleMatrix reconstruct() {
            return Linalg.multiply(Linalg.multiply(c, u), r);
        }
    }

    public Cur() {
        this(Linalg.backend());
    }

    public Cur(LinalgBackend backend) {
        this.backend = backend;
    }

    public Result decompose(DenseMatrix input, int k) {
        Svd.validate("Cur", input, k);
        DoubleMatrix a = input.toDouble();
        Qr qr = new Qr(backend);
        int[] columns = java.util.Arrays.copyOf(qr.decomposePivoted(a).permutation(), k);
        DoubleMatrix c = select(a, null, columns);
        PivotedQrResult rowPick = qr.decomposePivoted(c.transpose());
        int[] rows = java.util.Arrays.copyOf(rowPick.permutation(), k);
        DoubleMatrix r = select(a, rows, null);
        DoubleMatrix link = (DoubleMatrix) Linalg.multiply(backend, Linalg.multiply(backend, pseudoInverse(c), a), pseudoInverse(r));
        return new Result(columns, rows, c, link, r);
    }

    private static DoubleMatrix select(DoubleMatrix a, int[] rows, int[] cols) {
        int m = rows == null ? a.rows() : rows.length, n = cols == null ? a.cols() : cols.length;
        DoubleMatrix out = DoubleMatrix.zeros(m, n);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                out.set(i, j, a.get(rows == null ? i : rows[i], cols == null ? j : cols[j]));
            }
        }
        return out;
    }

    /** Moore–Penrose pseudo-inverse via SVD, cutting singular values below max(m, n)·eps·σ_max. */
    private DoubleMatrix pseudoInverse(DoubleMatrix x) {
        SvdResult svd = new ExactSvd(backend).decompose(x);
        double cutoff = svd.rank() == 0 ? 0 : Math.max(x.rows(), x.cols()) * 2.220446049250313e-16 * svd.s()[0];
        DoubleMatrix vScaled = svd.vt().transpose().toDouble().copy();
        for (int j = 0; j < svd.rank(); j++) {
            double inv = svd.s()[j] > cutoff ? 1 / svd.s()[j] : 0;
            for (int i = 0; i < vScaled.rows(); i++) {
                vScaled.set(i, j, vScaled.get(i, j) * inv);
            }
        }
        return (DoubleMatrix) Linalg.multiply(backend, vScaled, svd.u().transpose().toDouble());
    }
}
