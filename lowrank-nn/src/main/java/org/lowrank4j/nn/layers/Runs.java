package org.lowrank4j.nn.layers;

import org.lowrank4j.nn.tensor.DoubleTensor;
import org.lowrank4j.nn.tensor.FloatTensor;
import org.lowrank4j.nn.tensor.Tensor;

/** Copying and adding contiguous runs between tensors of one precision, straight on their arrays (the image layers' inner loops). */
final class Runs {
    private Runs() {
    }

    /** {@code to[toOffset + i] = from[fromOffset + i]} for i &lt; length. */
    static void copy(Tensor from, int fromOffset, Tensor to, int toOffset, int length) {
        if (from instanceof FloatTensor f && to instanceof FloatTensor t) {
            System.arraycopy(f.data(), fromOffset, t.data(), toOffset, length);
        } else if (from instanceof DoubleTensor f && to instanceof DoubleTensor t) {
            System.arraycopy(f.data(), fromOffset, t.data(), toOffset, length);
        } else {
            for (int i = 0; i < length; i++) {
                to.set(toOffset + i, from.get(fromOffset + i));
            }
        }
    }

    /** {@code to[toOffset + i] += scale · from[fromOffset + i]} for i &lt; length. */
    static void add(Tensor from, int fromOffset, Tensor to, int toOffset, int length, double scale) {
        if (from instanceof FloatTensor f && to instanceof FloatTensor t) {
            float[] a = f.data(), b = t.data();
            float s = (float) scale;
            for (int i = 0; i < length; i++) {
                b[toOffset + i] += s * a[fromOffset + i];
            }
        } else if (from instanceof DoubleTensor f && to instanceof DoubleTensor t) {
            double[] a = f.data(), b = t.data();
            for (int i = 0; i < length; i++) {
                b[toOffset + i] += scale * a[fromOffset + i];
            }
        } else {
            for (int i = 0; i < length; i++) {
                to.set(toOffset + i, to.get(toOffset + i) + scale * from.get(fromOffset + i));
            }
        }
    }
}
