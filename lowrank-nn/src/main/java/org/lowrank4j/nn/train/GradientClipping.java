package org.lowrank4j.nn.train;

import java.util.List;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.tensor.FloatTensor;
import org.lowrank4j.nn.tensor.Tensor;

/** Gradient clipping by the global L2 norm over all parameters (as {@code torch.nn.utils.clip_grad_norm_}). */
public final class GradientClipping {
    private GradientClipping() {
    }

    /** {@code sqrt(Σ_p ‖grad p‖²)}, accumulated in float64. Tied parameters listed twice are counted once. */
    public static double globalNorm(List<Parameter> parameters) {
        double sum = 0;
        for (Parameter p : distinct(parameters)) {
            sum += squaredSum(p.gradient());
        }
        return Math.sqrt(sum);
    }

    /**
     * {@code Σ v²} over a tensor in float64, in eight running sums added in a fixed order: the same gradients give the
     * same norm every time, and a float32 gradient is read from its array (a full fine-tuning step sums millions).
     */
    static double squaredSum(Tensor g) {
        int n = g.size();
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
        int i = 0;
        if (g instanceof FloatTensor f) {
            float[] d = f.data();
            for (; i + 8 <= n; i += 8) {
                double v0 = d[i], v1 = d[i + 1], v2 = d[i + 2], v3 = d[i + 3], v4 = d[i + 4], v5 = d[i + 5], v6 = d[i + 6], v7 = d[i + 7];
                s0 += v0 * v0;
                s1 += v1 * v1;
                s2 += v2 * v2;
                s3 += v3 * v3;
                s4 += v4 * v4;
                s5 += v5 * v5;
                s6 += v6 * v6;
                s7 += v7 * v7;
            }
        }
        for (; i < n; i++) {
            double v = g.get(i);
            s0 += v * v;
        }
        return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7));
    }

    /**
     * Scales every gradient by {@code maxNorm / norm} when the global norm exceeds {@code maxNorm}; gradients are
     * modified in place. A non-finite norm leaves the gradients as they are (the caller decides what to do).
     *
     * @return the global norm before clipping
     * @throws IllegalArgumentException when {@code maxNorm} is not positive
     */
    public static double clipByGlobalNorm(List<Parameter> parameters, double maxNorm) {
        if (!(maxNorm > 0)) {
            throw new IllegalArgumentException("gradient clipping needs a positive maximum norm, got " + maxNorm);
        }
        double norm = globalNorm(parameters);
        if (Double.isFinite(norm) && norm > maxNorm) {
            scale(parameters, maxNorm / norm);
        }
        return norm;
    }

    /** Multiplies every gradient by {@code factor} (each distinct parameter once). */
    public static void scale(List<Parameter> parameters, double factor) {
        for (Parameter p : distinct(parameters)) {
            Tensor g = p.gradient();
            if (g instanceof FloatTensor f) { // in float32, as torch scales a float32 gradient (and as C2 vectorises)
                float[] d = f.data();
                float by = (float) factor;
                for (int i = 0; i < d.length; i++) {
                    d[i] *= by;
                }
            } else {
                for (int i = 0; i < g.size(); i++) {
                    g.set(i, g.get(i) * factor);
                }
            }
        }
    }

    /** The parameters without repeats of the same object (tied weights), in first-seen order. */
    public static List<Parameter> distinct(List<Parameter> parameters) {
        java.util.Set<Parameter> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        return parameters.stream().filter(seen::add).toList();
    }
}
