package org.lowrank4j.nn.train;

import java.util.List;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.tensor.Tensor;

/** Gradient clipping by the global L2 norm over all parameters (as {@code torch.nn.utils.clip_grad_norm_}). */
public final class GradientClipping {
    private GradientClipping() {
    }

    /** {@code sqrt(Σ_p ‖grad p‖²)}, accumulated in float64. Tied parameters listed twice are counted once. */
    public static double globalNorm(List<Parameter> parameters) {
        double sum = 0;
        for (Parameter p : distinct(parameters)) {
            Tensor g = p.gradient();
            for (int i = 0; i < g.size(); i++) {
                double v = g.get(i);
                sum += v * v;
            }
        }
        return Math.sqrt(sum);
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
            for (int i = 0; i < g.size(); i++) {
                g.set(i, g.get(i) * factor);
            }
        }
    }

    /** The parameters without repeats of the same object (tied weights), in first-seen order. */
    public static List<Parameter> distinct(List<Parameter> parameters) {
        java.util.Set<Parameter> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        return parameters.stream().filter(seen::add).toList();
    }
}
