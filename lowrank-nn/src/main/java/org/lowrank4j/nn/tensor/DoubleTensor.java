package org.lowrank4j.nn.tensor;

import java.util.Arrays;
import org.lowrank4j.linalg.DoubleMatrix;

/** A float64 {@link Tensor} over a {@code double[]}. */
public final class DoubleTensor extends Tensor {
    private final double[] data;

    private DoubleTensor(double[] data, int[] shape) {
        super(shape);
        this.data = data;
    }

    public static DoubleTensor zeros(int... shape) {
        return new DoubleTensor(new double[checkedSize(shape)], shape);
    }

    /** Wraps {@code data} (row-major, exactly the shape's size) without copying. */
    public static DoubleTensor wrap(double[] data, int... shape) {
        DoubleTensor t = new DoubleTensor(data, shape);
        if (t.size() != data.length) {
            throw new IllegalArgumentException("array of length " + data.length + " cannot hold a tensor of shape " + shapeString(shape));
        }
        return t;
    }

    /** The backing array. */
    public double[] data() {
        return data;
    }

    @Override
    public Precision precision() {
        return Precision.FLOAT64;
    }

    @Override
    public double get(int index) {
        return data[index];
    }

    @Override
    public void set(int index, double value) {
        data[index] = value;
    }

    @Override
    public void fill(double value) {
        Arrays.fill(data, value);
    }

    @Override
    public DoubleTensor reshape(int... newShape) {
        checkReshape(newShape);
        return new DoubleTensor(data, newShape);
    }

    @Override
    public DoubleTensor zerosLike() {
        return new DoubleTensor(new double[data.length], shape());
    }

    @Override
    public DoubleTensor copy() {
        return new DoubleTensor(data.clone(), shape());
    }

    @Override
    public DoubleMatrix matrix(int rows, int cols) {
        return DoubleMatrix.wrap(data, rows, cols);
    }

    @Override
    public void copyFrom(Tensor source) {
        checkCopySize(source);
        if (source instanceof DoubleTensor d) {
            System.arraycopy(d.data, 0, data, 0, data.length);
        } else {
            float[] s = ((FloatTensor) source).data();
            for (int i = 0; i < data.length; i++) {
                data[i] = s[i];
            }
        }
    }

    @Override
    public double[] toDoubleArray() {
        double[] out = new double[data.length];
        for (int i = 0; i < data.length; i++) {
            out[i] = data[i];
        }
        return out;
    }
}
