package org.lowrank4j.linalg;

import java.util.Arrays;
import java.util.Random;

/** A float64 {@link DenseMatrix} over a {@code double[]}. */
public final class DoubleMatrix extends DenseMatrix {
    private final double[] data;

    DoubleMatrix(double[] data, int rows, int cols, int offset, int rowStride, int colStride) {
        super(rows, cols, offset, rowStride, colStride);
        this.data = data;
    }

    /** A compact row-major zero matrix. */
    public static DoubleMatrix zeros(int rows, int cols) {
        if (rows < 0 || cols < 0) {
            throw new IllegalArgumentException("matrix shape must be non-negative, got " + rows + "x" + cols);
        }
        return new DoubleMatrix(new double[Math.multiplyExact(rows, cols)], rows, cols, 0, cols, 1);
    }

    /**
     * A rows×cols matrix whose every entry is {@code value}, over one stored number (both strides 0): a shape that
     * costs no memory, e.g. where a summary keeps the shape of a weight it no longer holds. Read it; writing one entry
     * writes them all.
     */
    public static DoubleMatrix filled(double value, int rows, int cols) {
        if (rows < 0 || cols < 0) {
            throw new IllegalArgumentException("matrix shape must be non-negative, got " + rows + "x" + cols);
        }
        return new DoubleMatrix(new double[] {value}, rows, cols, 0, 0, 0);
    }

    /** Wraps a row-major array without copying; later writes to either are shared. */
    public static DoubleMatrix wrap(double[] data, int rows, int cols) {
        if (rows < 0 || cols < 0 || (long) rows * cols != data.length) {
            throw new IllegalArgumentException("array of length " + data.length + " cannot hold a " + rows + "x" + cols + " matrix");
        }
        return new DoubleMatrix(data, rows, cols, 0, cols, 1);
    }

    /** A matrix from row-major values, copied. */
    public static DoubleMatrix of(int rows, int cols, double... values) {
        return wrap(values.clone(), rows, cols);
    }

    public static DoubleMatrix identity(int n) {
        DoubleMatrix m = zeros(n, n);
        for (int i = 0; i < n; i++) {
            m.data[i * n + i] = 1;
        }
        return m;
    }

    /** Independent standard normal entries drawn from {@code random}. */
    public static DoubleMatrix gaussian(int rows, int cols, Random random) {
        DoubleMatrix m = zeros(rows, cols);
        for (int i = 0; i < m.data.length; i++) {
            m.data[i] = random.nextGaussian();
        }
        return m;
    }

    /** The diagonal matrix with the given entries. */
    public static DoubleMatrix diagonal(double[] values) {
        DoubleMatrix m = zeros(values.length, values.length);
        for (int i = 0; i < values.length; i++) {
            m.data[i * values.length + i] = values[i];
        }
        return m;
    }

    /** The backing array; element (i, j) is at {@link #index(int, int)}. */
    public double[] data() {
        return data;
    }

    @Override
    public boolean isCompact() {
        return offset == 0 && colStride == 1 && rowStride == cols && data.length == rows * cols;
    }

    @Override
    public double get(int i, int j) {
        return data[offset + i * rowStride + j * colStride];
    }

    @Override
    public void set(int i, int j, double value) {
        data[offset + i * rowStride + j * colStride] = value;
    }

    @Override
    public DoubleMatrix rowRange(int from, int to) {
        checkRowRange(from, to);
        return new DoubleMatrix(data, to - from, cols, from == to ? offset : index(from, 0), rowStride, colStride);
    }

    @Override
    public DoubleMatrix colRange(int from, int to) {
        checkColRange(from, to);
        return new DoubleMatrix(data, rows, to - from, from == to ? offset : index(0, from), rowStride, colStride);
    }

    @Override
    public DoubleMatrix view(int r0, int r1, int c0, int c1) {
        return rowRange(r0, r1).colRange(c0, c1);
    }

    @Override
    public DoubleMatrix transpose() {
        return new DoubleMatrix(data, cols, rows, offset, colStride, rowStride);
    }

    @Override
    public DoubleMatrix compact() {
        return isCompact() ? this : copy();
    }

    @Override
    public DoubleMatrix copy() {
        DoubleMatrix out = zeros(rows, cols);
        if (colStride == 1) {
            for (int i = 0; i < rows; i++) {
                System.arraycopy(data, offset + i * rowStride, out.data, i * cols, cols);
            }
        } else {
            for (int i = 0; i < rows; i++) {
                int base = offset + i * rowStride;
                for (int j = 0; j < cols; j++) {
                    out.data[i * cols + j] = data[base + j * colStride];
                }
            }
        }
        return out;
    }

    @Override
    public DoubleMatrix toDouble() {
        return this;
    }

    @Override
    public FloatMatrix toFloat() {
        FloatMatrix out = FloatMatrix.zeros(rows, cols);
        float[] o = out.data();
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                o[i * cols + j] = (float) get(i, j);
            }
        }
        return out;
    }

    @Override
    public DoubleMatrix newLike(int rows, int cols) {
        return zeros(rows, cols);
    }

    @Override
    public ElementType elementType() {
        return ElementType.FLOAT64;
    }

    /** Row-major values as a new array. */
    public double[] toArray() {
        return copy().data;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DoubleMatrix m && m.rows == rows && m.cols == cols && Arrays.equals(m.toArray(), toArray());
    }

    @Override
    public int hashCode() {
        return 31 * (31 * rows + cols) + Arrays.hashCode(toArray());
    }
}
