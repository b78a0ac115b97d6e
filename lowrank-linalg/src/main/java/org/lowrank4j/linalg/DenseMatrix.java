package org.lowrank4j.linalg;

/**
 * A dense matrix of float32 or float64 values laid out with explicit strides over a Java array.
 *
 * <p>Element (i, j) lives at {@code offset + i * rowStride + j * colStride}. A freshly allocated matrix is
 * compact row-major ({@code rowStride == cols, colStride == 1}); {@link #transpose()} swaps the strides and
 * sub-ranges move the offset, so neither copies data. Kernels that need a particular layout call
 * {@link #compact()} or read the strides themselves.
 *
 * <p>Two concrete kinds exist, {@link FloatMatrix} and {@link DoubleMatrix}; code that only needs values reads
 * them through {@link #get(int, int)} as doubles.
 */
public abstract sealed class DenseMatrix permits FloatMatrix, DoubleMatrix {
    protected final int rows;
    protected final int cols;
    protected final int offset;
    protected final int rowStride;
    protected final int colStride;

    protected DenseMatrix(int rows, int cols, int offset, int rowStride, int colStride) {
        if (rows < 0 || cols < 0) {
            throw new IllegalArgumentException("matrix shape must be non-negative, got " + rows + "x" + cols);
        }
        this.rows = rows;
        this.cols = cols;
        this.offset = offset;
        this.rowStride = rowStride;
        this.colStride = colStride;
    }

    public final int rows() {
        return rows;
    }

    public final int cols() {
        return cols;
    }

    /** Number of elements, as a long so that huge shapes cannot overflow. */
    public final long size() {
        return (long) rows * cols;
    }

    public final boolean isEmpty() {
        return rows == 0 || cols == 0;
    }

    public final int offset() {
        return offset;
    }

    public final int rowStride() {
        return rowStride;
    }

    public final int colStride() {
        return colStride;
    }

    /** "3x4" — used in every error message about shapes. */
    public final String shape() {
        return rows + "x" + cols;
    }

    /** True when rows are contiguous (colStride 1), so BLAS can read it as row-major with leading dimension rowStride. */
    public final boolean isRowMajorStrided() {
        return colStride == 1 && (rowStride >= Math.max(1, cols) || rows <= 1);
    }

    /** True when the matrix is a transposed view of a row-major block (rowStride 1). */
    public final boolean isColumnMajorStrided() {
        return rowStride == 1 && (colStride >= Math.max(1, rows) || cols <= 1);
    }

    /** True when the matrix occupies exactly its backing array in row-major order. */
    public abstract boolean isCompact();

    public final int index(int i, int j) {
        return offset + i * rowStride + j * colStride;
    }

    public abstract double get(int i, int j);

    public abstract void set(int i, int j, double value);

    /** A view of rows [from, to). */
    public abstract DenseMatrix rowRange(int from, int to);

    /** A view of columns [from, to). */
    public abstract DenseMatrix colRange(int from, int to);

    /** The transpose as a view (no copy). */
    public abstract DenseMatrix transpose();

    /** A compact row-major copy, or this matrix when it already is compact. */
    public abstract DenseMatrix compact();

    /** A fresh compact row-major copy. */
    public abstract DenseMatrix copy();

    public abstract DoubleMatrix toDouble();

    public abstract FloatMatrix toFloat();

    /** A new zero matrix of the same element type. */
    public abstract DenseMatrix newLike(int rows, int cols);

    public abstract ElementType elementType();

    /** The view of rows [r0, r1) and columns [c0, c1). */
    public abstract DenseMatrix view(int r0, int r1, int c0, int c1);

    public final double frobeniusNorm() {
        double scale = 0;
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                scale = Math.max(scale, Math.abs(get(i, j)));
            }
        }
        if (scale == 0 || !Double.isFinite(scale)) {
            return scale;
        }
        double sum = 0;
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                double v = get(i, j) / scale;
                sum += v * v;
            }
        }
        return scale * Math.sqrt(sum);
    }

    /** Copies {@code source} (any element type, same shape) into this matrix. */
    public final void assign(DenseMatrix source) {
        if (source.rows() != rows || source.cols() != cols) {
            throw new IllegalArgumentException("cannot assign a " + source.shape() + " matrix to a " + shape() + " matrix");
        }
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                set(i, j, source.get(i, j));
            }
        }
    }

    /** Entry-wise comparison with an absolute tolerance (shapes must match). */
    public final boolean approximatelyEquals(DenseMatrix other, double tolerance) {
        if (other.rows() != rows || other.cols() != cols) {
            return false;
        }
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                if (!(Math.abs(get(i, j) - other.get(i, j)) <= tolerance)) {
                    return false;
                }
            }
        }
        return true;
    }

    /** Position of the first NaN or infinite element as {row, col}, or null when all are finite. */
    public final int[] firstNonFinite() {
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                if (!Double.isFinite(get(i, j))) {
                    return new int[] {i, j};
                }
            }
        }
        return null;
    }

    protected final void checkRowRange(int from, int to) {
        if (from < 0 || to > rows || from > to) {
            throw new IllegalArgumentException("row range [" + from + ", " + to + ") is outside matrix " + shape());
        }
    }

    protected final void checkColRange(int from, int to) {
        if (from < 0 || to > cols || from > to) {
            throw new IllegalArgumentException("column range [" + from + ", " + to + ") is outside matrix " + shape());
        }
    }

    @Override
    public String toString() {
        StringBuilder out = new StringBuilder(elementType().name().toLowerCase()).append(' ').append(shape());
        int shown = Math.min(rows, 6);
        for (int i = 0; i < shown; i++) {
            out.append("\n  [");
            for (int j = 0; j < Math.min(cols, 8); j++) {
                out.append(j == 0 ? "" : ", ").append(String.format("%.5g", get(i, j)));
            }
            out.append(cols > 8 ? ", ...]" : "]");
        }
        if (rows > shown) {
            out.append("\n  ...");
        }
        return out.toString();
    }

    /** Element types the toolkit computes in. */
    public enum ElementType { FLOAT32, FLOAT64 }
}
