package org.lowrank4j.adapt.variant;

import java.util.Arrays;
import java.util.Map;
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

    /**
     * The tensor {@code name} of the module at {@code path} in an adapter file, which must have {@code shape}: a missing
     * tensor or another shape (an adapter made for another base model) is refused with a line naming the tensor.
     */
    public static Tensor required(Map<String, StoredTensor> module, String name, String path, Precision precision, int... shape) {
        StoredTensor s = module.get(name);
        if (s == null) {
            throw new IllegalArgumentException("adapter_model.safetensors lacks " + path + "." + name);
        }
        if (!Arrays.equals(s.shape(), shape)) {
            throw new IllegalArgumentException("adapter tensor " + path + "." + name + " has shape " + s.shapeString() + " but this model needs "
                    + Arrays.toString(shape) + ": the adapter was made for another base model");
        }
        return s.toTensor(precision);
    }
}
