package org.lowrank4j.nn.tensor;

import java.util.Arrays;
import org.lowrank4j.linalg.FloatMatrix;

/** A float32 {@link Tensor} over a {@code float[]}. */
public final class FloatTensor extends Tensor {
    private final float[] data;

    private FloatTensor(float[] data, int[] shape) {
        super(shape);
        this.data = data;
    }

    public static FloatTensor zeros(int... shape) {
        return new FloatTensor(new float[checkedSize(shape)], shape);
    }

    /** Wraps {@code data} (row-major, exactly the shape's size) without copying. */
    public static FloatTensor wrap(float[] data, int... shape) {
        FloatTensor t = new FloatTensor(data, shape);
        if (t.size() != data.length) {
            throw new IllegalArgumentException("array of length " + data.length + " cannot hold a tensor of shape " + shapeString(shape));
        }
        return t;
    }

    /** The backing array. */
    public float[] data() {
        return data;
    }

    @Override
    public Precision precision() {
        return Precision.FLOAT32;
    }

    @Override
    public double get(int index) {
        return data[index];
    }

    @Override
    public void set(int index, double value) {
        data[index] = (float) value;
    }

    @Override
    public void fill(double value) {
        Arrays.fill(data, (float) value);
    }

    @Override
    public FloatTensor reshape(int... newShape) {
        checkReshape(newShape);
        return new FloatTensor(data, newShape);
    }

    @Override
    public FloatTensor zerosLike() {
        return new FloatTensor(new float[data.length], shape());
    }

    @Override
    public FloatTensor copy() {
        return new FloatTensor(data.clone(), shape());
    }

    @Override
    public FloatMatrix matrix(int rows, int cols) {
        return FloatMatrix.wrap(data, rows, cols);
    }

    @Override
    public void copyFrom(Tensor source) {
        checkCopySize(source);
        if (source instanceof FloatTensor f) {
            System.arraycopy(f.data, 0, data, 0, data.length);
        } else {
            double[] s = ((DoubleTensor) source).data();
            for (int i = 0; i < data.length; i++) {
                data[i] = (float) s[i];
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
