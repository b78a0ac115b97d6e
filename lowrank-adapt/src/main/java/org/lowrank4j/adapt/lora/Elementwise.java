package org.lowrank4j.adapt.lora;

import org.lowrank4j.nn.tensor.DoubleTensor;
import org.lowrank4j.nn.tensor.FloatTensor;
import org.lowrank4j.nn.tensor.Tensor;

/** The two element-wise operations the LoRA branch needs that the runtime's kernels do not have. */
final class Elementwise {
    private Elementwise() {
    }

    /** {@code t *= s} in place. */
    static void scale(Tensor t, double s) {
        if (t instanceof FloatTensor f) {
            float[] d = f.data();
            float fs = (float) s;
            for (int i = 0; i < d.length; i++) {
                d[i] *= fs;
            }
        } else {
            double[] d = ((DoubleTensor) t).data();
            for (int i = 0; i < d.length; i++) {
                d[i] *= s;
            }
        }
    }

    /** {@code out = a ⊙ b} (same size; out may alias a or b). */
    static void multiply(Tensor out, Tensor a, Tensor b) {
        assert out.size() == a.size() && a.size() == b.size();
        if (out instanceof FloatTensor fo && a instanceof FloatTensor fa && b instanceof FloatTensor fb) {
            float[] o = fo.data(), x = fa.data(), y = fb.data();
            for (int i = 0; i < o.length; i++) {
                o[i] = x[i] * y[i];
            }
        } else {
            for (int i = 0; i < out.size(); i++) {
                out.set(i, a.get(i) * b.get(i));
            }
        }
    }
}
