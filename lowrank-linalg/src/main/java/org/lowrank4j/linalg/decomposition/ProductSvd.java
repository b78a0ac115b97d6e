package org.lowrank4j.linalg.decomposition;

import org.lowrank4j.linalg.DenseMatrix;
import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.linalg.Linalg;
import org.lowrank4j.linalg.LinalgBackend;
import org.lowrank4j.linalg.QrResult;
import org.lowrank4j.linalg.SvdResult;

/**
 * SVD of a product {@code scale · left · right} without forming it: QR of left and of rightᵀ, then an SVD of
 * the small core {@code scale · R_left · R_rightᵀ}. For a LoRA update ΔW = s·B·A call it with left = B, right = A
 * (spec 02-lora-squeeze). Cost O((m + n)·r² + r³); nothing of size m×n is allocated.
 * Computes in float64.
 */
public final class ProductSvd {
    private final LinalgBackend backend;

    public ProductSvd() {
        this(Linalg.backend());
    }

    public ProductSvd(LinalgBackend backend) {
        this.backend = backend;
    }

    /**
     * @param left  m×r
     * @param right r×n
     * @param scale a finite multiplier (the LoRA scaling α/r, or 1)
     * @param rank  number of triplets to keep, at most min(m, n, r)
     */
    public SvdResult decompose(DenseMatrix left, DenseMatrix right, double scale, int rank) {
        if (left.cols() != right.rows()) {
            throw new IllegalArgumentException("cannot form the product of a " + left.shape() + " and a " + right.shape() + " matrix: inner sizes differ");
        }
        if (!Double.isFinite(scale)) {
            throw new IllegalArgumentException("product SVD scale must be finite, got " + scale);
        }
        Linalg.requireFinite("ProductSvd left factor", left);
        Linalg.requireFinite("ProductSvd right factor", right);
        int m = left.rows(), n = right.cols();
        int limit = Math.min(Math.min(m, n), left.cols());
        if (rank < 0 || rank > limit) {
            throw new IllegalArgumentException("ProductSvd: rank " + rank + " is outside [0, " + limit + "] for a " + left.shape()
                    + " · " + right.shape() + " product");
        }
        if (limit == 0) {
            return new SvdResult(DoubleMatrix.zeros(m, 0), new double[0], DoubleMatrix.zeros(0, n));
        }
        QrResult ql = backend.qr(left.toDouble());
        QrResult qr = backend.qr(right.toDouble().transpose());
        DoubleMatrix core = (DoubleMatrix) Linalg.multiply(backend, ql.r(), qr.r().transpose());
        double[] data = core.data();
        for (int i = 0; i < data.length; i++) {
            data[i] *= scale;
        }
        SvdResult small = backend.svd(core);
        DenseMatrix u = Linalg.multiply(backend, ql.q(), small.u());
        DenseMatrix vt = Linalg.multiply(backend, small.vt(), qr.q().transpose());
        SvdResult full = SignConvention.apply(new SvdResult(u, small.s(), vt));
        SvdResult kept = full.truncate(rank);
        return new SvdResult(kept.u().copy(), kept.s(), kept.vt().copy());
    }
}
