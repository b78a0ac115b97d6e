package org.lowrank4j.adapt.variant;

import java.util.Arrays;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;

/** One float32 tensor of an adapter file: its shape and values, row-major. */
public record StoredTensor(int[] shape, float[] values) {

    public StoredTensor {
        long n = 1;
        for (int d : shape) {
            n *= d;
        }
        if (n != values.length) {
            throw new IllegalArgumentException("a tensor of shape " + Arrays.toString(shape) + " needs " + n + " values, got " + values.length);
        }
    }

    /** The tensor's current values, rounded to float32 as a file holds them. */
    public static StoredTensor of(Tensor t) {
        float[] v = new float[t.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) t.get(i);
        }
        return new StoredTensor(t.shape(), v);
    }

    /** A tensor of the given precision with these values. */
    public Tensor toTensor(Precision precision) {
        Tensor t = Tensor.zeros(precision, shape);
        for (int i = 0; i < values.length; i++) {
            t.set(i, values[i]);
        }
        return t;
    }

    public String shapeString() {
        return Arrays.toString(shape);
    }
}
