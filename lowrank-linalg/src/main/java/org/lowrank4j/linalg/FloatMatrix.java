package org.lowrank4j.linalg;

import java.util.Arrays;
import java.util.Random;

/** A float32 {@link DenseMatrix} over a {@code float[]}. */
public final class FloatMatrix extends DenseMatrix {
    private final float[] data;

    FloatMatrix(float[] data, int rows, int cols, int offset, int rowStride, int colStride) {
        super(rows, cols, offset, rowStride, colStride);
        this.data = data;
    }

    /** A compact row-major zero matrix. */
    public static FloatMatrix zeros(int rows, int cols) {
        if (rows < 0 || cols < 0) {
            throw new IllegalArgumentException("matrix shape must be non-negative, got " + rows + "x" + cols);
        }
        return new FloatMatrix(new float[Math.multiplyExact(rows, cols)], rows, cols, 0, cols, 1);
    }

    /** Wraps a row-major array without copying; later writes to either are shared. */
    public static FloatMatrix wrap(float[] data, int rows, int cols) {
        if (rows < 0 || cols < 0 || (long) rows * cols != data.length) {
            throw new IllegalArgumentException("array of length " + data.length + " cannot hold a " + rows + "x" + cols + " matrix");
        }
        return new FloatMatrix(data, rows, cols, 0, cols, 1);
    }

    /** A matrix from row-major values, copied. */
    public static FloatMatrix of(int rows, int cols, float... values) {
        return wrap(values.clone(), rows, cols);
    }

    public static FloatMatrix identity(int n) {
        FloatMatrix m = zeros(n, n);
        for (int i = 0; i < n; i++) {
            m.data[i * n + i] = 1;
        }
        return m;
    }

    /** Independent standard normal entries drawn from {@code random}. */
    public static FloatMatrix gaussian(int rows, int cols, Random random) {
        FloatMatrix m = zeros(rows, cols);
        for (int i = 0; i < m.data.length; i++) {
            m.data[i] = (float) random.nextGaussian();
        }
        return m;
    }

    /** The diagonal matrix with the given entries. */
    public static FloatMatrix diagonal(float[] values) {
        FloatMatrix m = zeros(values.length, values.length);
        for (int i = 0; i < values.length; i++) {
            m.data[i * values.length + i] = values[i];
        }
        return m;
    }

    /** The backing array; element (i, j) is at {@link #index(int, int)}. */
    public float[] data() {
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
        data[offset + i * rowStride + j * colStride] = (float) value;
    }

    @Override
    public FloatMatrix rowRange(int from, int to) {
        checkRowRange(from, to);
        return new FloatMatrix(data, to - from, cols, from == to ? offset : index(from, 0), rowStride, colStride);
    }

    @Override
    public FloatMatrix colRange(int from, int to) {
        checkColRange(from, to);
        return new FloatMatrix(data, rows, to - from, from == to ? offset : index(0, from), rowStride, colStride);
    }

    @Override
    public FloatMatrix view(int r0, int r1, int c0, int c1) {
        return rowRange(r0, r1).colRange(c0, c1);
    }

    @Override
    public FloatMatrix transpose() {
        return new FloatMatrix(data, cols, rows, offset, colStride, rowStride);
    }

    @Override
    public FloatMatrix compact() {
        return isCompact() ? this : copy();
    }

    @Override
    public FloatMatrix copy() {
        FloatMatrix out = zeros(rows, cols);
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
        DoubleMatrix out = DoubleMatrix.zeros(rows, cols);
        double[] o = out.data();
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                o[i * cols + j] = get(i, j);
            }
        }
        return out;
    }

    @Override
    public FloatMatrix toFloat() {
        return this;
    }

    @Override
    public FloatMatrix newLike(int rows, int cols) {
        return zeros(rows, cols);
    }

    @Override
    public ElementType elementType() {
        return ElementType.FLOAT32;
    }

    /** Row-major values as a new array. */
    public float[] toArray() {
        return copy().data;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FloatMatrix m && m.rows == rows && m.cols == cols && Arrays.equals(m.toArray(), toArray());
    }

    @Override
    public int hashCode() {
        return 31 * (31 * rows + cols) + Arrays.hashCode(toArray());
    }
}
