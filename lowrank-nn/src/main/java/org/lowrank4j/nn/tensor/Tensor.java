package org.lowrank4j.nn.tensor;

import java.util.Arrays;
import java.util.Random;
import org.lowrank4j.linalg.DenseMatrix;

/**
 * A compact row-major n-dimensional array of float32 or float64 values: a shape over a Java array of exactly
 * that many elements. Element access through {@link #get(int)} is for tests and setup; layers hand whole tensors
 * to {@link Kernels} and to BLAS through {@link #matrix(int, int)}, which wraps the storage without copying.
 */
public abstract sealed class Tensor permits FloatTensor, DoubleTensor {
    private final int[] shape;
    private final int size;

    protected Tensor(int[] shape) {
        this.shape = shape.clone();
        this.size = checkedSize(shape);
    }

    /** The number of elements of a shape, rejecting negative dimensions and sizes beyond one Java array. */
    protected static int checkedSize(int[] shape) {
        long n = 1;
        for (int d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("tensor dimensions must be non-negative, got " + Arrays.toString(shape));
            }
            n *= d;
        }
        if (n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("tensor of shape " + Arrays.toString(shape) + " is too large for one array");
        }
        return (int) n;
    }

    /** A zero tensor of the given precision and shape. */
    public static Tensor zeros(Precision precision, int... shape) {
        return precision == Precision.FLOAT32 ? FloatTensor.zeros(shape) : DoubleTensor.zeros(shape);
    }

    /**
     * {@code old} when it has this precision and shape, else a new zero tensor: for the buffers a layer keeps from one
     * step to the next, which saves the allocation, its zeroing and the collections it brings on. {@code old} keeps what
     * it held, so the caller writes every entry (or clears it) before reading any.
     */
    public static Tensor reuse(Tensor old, Precision precision, int... shape) {
        return old != null && old.precision() == precision && Arrays.equals(old.shape, shape) ? old : zeros(precision, shape);
    }

    /** A tensor holding {@code values} (row-major, copied and rounded to the precision). */
    public static Tensor of(Precision precision, double[] values, int... shape) {
        Tensor t = zeros(precision, shape);
        if (values.length != t.size()) {
            throw new IllegalArgumentException(values.length + " values cannot fill a tensor of shape " + shapeString(shape));
        }
        for (int i = 0; i < values.length; i++) {
            t.set(i, values[i]);
        }
        return t;
    }

    /** Independent normal entries with standard deviation {@code std}, drawn in index order from {@code random}. */
    public static Tensor gaussian(Precision precision, Random random, double std, int... shape) {
        Tensor t = zeros(precision, shape);
        for (int i = 0; i < t.size(); i++) {
            t.set(i, std * random.nextGaussian());
        }
        return t;
    }

    public abstract Precision precision();

    /** The shape (a copy). */
    public final int[] shape() {
        return shape.clone();
    }

    public final int rank() {
        return shape.length;
    }

    /** Size of one axis; negative axes count from the end ({@code dim(-1)} is the last). */
    public final int dim(int axis) {
        return shape[axis < 0 ? shape.length + axis : axis];
    }

    /** Number of elements. */
    public final int size() {
        return size;
    }

    /** True when the shape equals {@code expected}. */
    public final boolean hasShape(int... expected) {
        return Arrays.equals(shape, expected);
    }

    /** "(2, 3, 8)" — used in every error message about shapes. */
    public final String shapeString() {
        return shapeString(shape);
    }

    public static String shapeString(int... shape) {
        StringBuilder out = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) {
            out.append(i == 0 ? "" : ", ").append(shape[i]);
        }
        return out.append(')').toString();
    }

    /** Element {@code index} of the row-major storage, as a double. */
    public abstract double get(int index);

    public abstract void set(int index, double value);

    public abstract void fill(double value);

    /** The same storage seen with another shape of the same size. */
    public abstract Tensor reshape(int... newShape);

    /** A zero tensor of the same precision and shape. */
    public abstract Tensor zerosLike();

    public abstract Tensor copy();

    /** The storage as a compact rows×cols matrix, sharing the array (rows·cols must equal the size). */
    public abstract DenseMatrix matrix(int rows, int cols);

    /** The storage as a matrix whose rows are the last axis: (size / dim(-1), dim(-1)). */
    public final DenseMatrix matrix() {
        int cols = shape.length == 0 ? 1 : shape[shape.length - 1];
        return matrix(cols == 0 ? 0 : size / cols, cols);
    }

    /** Copies the values of {@code source} (any precision, same size) into this tensor. */
    public abstract void copyFrom(Tensor source);

    /** This tensor in the given precision: itself when it already is, a converted copy otherwise. */
    public final Tensor to(Precision precision) {
        if (precision == precision()) {
            return this;
        }
        Tensor out = zeros(precision, shape);
        out.copyFrom(this);
        return out;
    }

    /** The values as a new double array. */
    public abstract double[] toDoubleArray();

    /** Euclidean norm of all elements, accumulated in float64. */
    public final double norm() {
        double sum = 0;
        for (int i = 0; i < size; i++) {
            double v = get(i);
            sum += v * v;
        }
        return Math.sqrt(sum);
    }

    protected final void checkReshape(int[] newShape) {
        long n = 1;
        for (int d : newShape) {
            n *= d;
        }
        if (n != size) {
            throw new IllegalArgumentException("cannot reshape a tensor of shape " + shapeString() + " to " + shapeString(newShape));
        }
    }

    protected final void checkCopySize(Tensor source) {
        if (source.size() != size) {
            throw new IllegalArgumentException("cannot copy a tensor of shape " + source.shapeString() + " into one of shape " + shapeString());
        }
    }

    @Override
    public String toString() {
        StringBuilder out = new StringBuilder(precision().name().toLowerCase()).append(' ').append(shapeString()).append(" [");
        for (int i = 0; i < Math.min(size, 8); i++) {
            out.append(i == 0 ? "" : ", ").append(String.format("%.5g", get(i)));
        }
        return out.append(size > 8 ? ", ...]" : "]").toString();
    }
}
