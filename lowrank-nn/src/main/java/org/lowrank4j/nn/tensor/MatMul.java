package org.lowrank4j.nn.tensor;

import org.lowrank4j.linalg.DenseMatrix;
import org.lowrank4j.linalg.Linalg;
import org.lowrank4j.linalg.StagedMatrix;

/**
 * The three products a linear map needs, on tensors seen as matrices (rows = all leading axes, columns = the last
 * axis), all through {@link Linalg#backend()} (OpenBLAS). Transposes are views passed to BLAS with its transpose
 * flag, never copies. Weights follow the Hugging Face / PyTorch layout {@code w(out,in)}.
 */
public final class MatMul {
    private MatMul() {
    }

    /** {@code y(N,out) = x(N,in)·w(out,in)ᵀ + beta·y}. */
    public static void timesTransposed(Tensor y, Tensor x, Tensor w, double beta) {
        DenseMatrix wm = w.matrix();
        gemm(1, rowsOf(x, wm.cols()), wm.transpose(), beta, rowsOf(y, wm.rows()));
    }

    /** {@code y(N,out) = x(N,in)·wᵀ + beta·y} with w (out,in) staged (read from the backend's copy, not copied in again). */
    public static void timesTransposed(Tensor y, Tensor x, StagedMatrix w, double beta) {
        Linalg.backend().gemm(1, rowsOf(x, w.cols()), w, true, beta, rowsOf(y, w.rows()));
    }

    /** {@code dx(N,in) = dy(N,out)·w(out,in) + beta·dx}. */
    public static void times(Tensor dx, Tensor dy, Tensor w, double beta) {
        DenseMatrix wm = w.matrix();
        gemm(1, rowsOf(dy, wm.rows()), wm, beta, rowsOf(dx, wm.cols()));
    }

    /** {@code dw(out,in) += dy(N,out)ᵀ·x(N,in)}: the weight gradient, accumulated. */
    public static void addTransposedTimes(Tensor dw, Tensor dy, Tensor x) {
        DenseMatrix dwm = dw.matrix();
        gemm(1, rowsOf(dy, dwm.rows()).transpose(), rowsOf(x, dwm.cols()), 1, dwm);
    }

    /** {@code c = alpha·a·b + beta·c} on matrices (views allowed) through the selected backend. */
    public static void gemm(double alpha, DenseMatrix a, DenseMatrix b, double beta, DenseMatrix c) {
        assert a.rows() == c.rows() && a.cols() == b.rows() && b.cols() == c.cols()
                : a.shape() + " · " + b.shape() + " -> " + c.shape();
        Linalg.backend().gemm(alpha, a, b, beta, c);
    }

    /**
     * {@code c = alpha·a·b + beta·c} for a square {@code a} triangular as seen (lower or upper; the entries beyond the
     * triangle are not read): about half of {@link #gemm}'s work.
     */
    public static void triangularGemm(double alpha, DenseMatrix a, boolean lower, DenseMatrix b, double beta, DenseMatrix c) {
        assert a.rows() == a.cols() && a.rows() == c.rows() && a.cols() == b.rows() && b.cols() == c.cols()
                : a.shape() + " · " + b.shape() + " -> " + c.shape();
        Linalg.backend().triangularGemm(alpha, a, lower, b, beta, c);
    }

    private static DenseMatrix rowsOf(Tensor t, int cols) {
        assert cols > 0 && t.size() % cols == 0 : t.shapeString() + " has no rows of width " + cols;
        return t.matrix(t.size() / cols, cols);
    }
}
