package org.lowrank4j.adapt.lora;

import java.util.SplittableRandom;
import org.lowrank4j.nn.tensor.FloatTensor;
import org.lowrank4j.nn.tensor.Tensor;

/** The element-wise operations the LoRA branch needs that the runtime's kernels do not have. */
final class Elementwise {
    private Elementwise() {
    }

    /**
     * Draws a dropout mask and applies it in one pass: {@code keep[i]} is 0 with probability p, else 1/(1−p), and
     * {@code used = x ⊙ keep}. One long from {@code random} seeds a counter: entries 2j and 2j+1 take the low and high
     * 32 bits of SplitMix64's finalizer applied to seed + (j+1)·γ, each compared with p·2³², so the probability is p
     * within 2⁻³². The words do not depend on one another (no chain through a generator's state), so the loop runs at
     * the multiplier's throughput; the mask is a function of the random source alone.
     */
    static void dropout(SplittableRandom random, double p, Tensor x, Tensor keep, Tensor used) {
        assert x.size() == keep.size() && x.size() == used.size() && p >= 0 && p < 1;
        long threshold = (long) Math.floor(p * 0x1p32); // drop when the unsigned 32-bit uniform is below it
        double kept = 1 / (1 - p);
        long seed = random.nextLong();
        int n = x.size();
        if (x instanceof FloatTensor fx && keep instanceof FloatTensor fk && used instanceof FloatTensor fu) {
            float[] xs = fx.data(), ks = fk.data(), us = fu.data();
            float k1 = (float) kept;
            for (int i = 0; i < n; i += 2) {
                long bits = word(seed, i >>> 1);
                float low = (bits & 0xFFFFFFFFL) < threshold ? 0f : k1;
                ks[i] = low;
                us[i] = xs[i] * low;
                if (i + 1 < n) {
                    float high = (bits >>> 32) < threshold ? 0f : k1;
                    ks[i + 1] = high;
                    us[i + 1] = xs[i + 1] * high;
                }
            }
        } else {
            for (int i = 0; i < n; i += 2) {
                long bits = word(seed, i >>> 1);
                for (int half = 0; half < 2 && i + half < n; half++) {
                    double k = ((bits >>> (32 * half)) & 0xFFFFFFFFL) < threshold ? 0 : kept;
                    keep.set(i + half, k);
                    used.set(i + half, x.get(i + half) * k);
                }
            }
        }
    }

    /** Word j of the mask: SplitMix64's output function at seed + (j+1)·γ (γ the golden-ratio increment). */
    private static long word(long seed, int j) {
        long z = seed + (j + 1L) * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** {@code out += a ⊙ b} (same size). */
    static void addProduct(Tensor out, Tensor a, Tensor b) {
        assert out.size() == a.size() && a.size() == b.size();
        if (out instanceof FloatTensor fo && a instanceof FloatTensor fa && b instanceof FloatTensor fb) {
            float[] o = fo.data(), x = fa.data(), y = fb.data();
            for (int i = 0; i < o.length; i++) {
                o[i] += x[i] * y[i];
            }
        } else {
            for (int i = 0; i < out.size(); i++) {
                out.set(i, out.get(i) + a.get(i) * b.get(i));
            }
        }
    }
}
