package org.lowrank4j.adapt;

import java.util.function.DoubleSupplier;
import org.lowrank4j.nn.tensor.Tensor;

/** Central differences in float64, and the relative difference of two tensors; for the adapter gradient checks. */
public final class FiniteDifferences {
    private static final double STEP = 1e-5;

    private FiniteDifferences() {
    }

    /** dL/dt, perturbing t in place and restoring it. */
    public static Tensor gradient(DoubleSupplier loss, Tensor t) {
        Tensor g = t.zerosLike();
        for (int i = 0; i < t.size(); i++) {
            double original = t.get(i);
            t.set(i, original + STEP);
            double plus = loss.getAsDouble();
            t.set(i, original - STEP);
            double minus = loss.getAsDouble();
            t.set(i, original);
            g.set(i, (plus - minus) / (2 * STEP));
        }
        return g;
    }

    /** ‖a − b‖ / max(‖a‖, ‖b‖), 0 when both are zero. */
    public static double relativeError(Tensor a, Tensor b) {
        double diff = 0;
        for (int i = 0; i < a.size(); i++) {
            double d = a.get(i) - b.get(i);
            diff += d * d;
        }
        double scale = Math.max(a.norm(), b.norm());
        return diff == 0 ? 0 : Math.sqrt(diff) / scale;
    }

    /** Σ a ⊙ b. */
    public static double dot(Tensor a, Tensor b) {
        double s = 0;
        for (int i = 0; i < a.size(); i++) {
            s += a.get(i) * b.get(i);
        }
        return s;
    }

    /** max |a − b|. */
    public static double maxDifference(Tensor a, Tensor b) {
        double m = 0;
        for (int i = 0; i < a.size(); i++) {
            m = Math.max(m, Math.abs(a.get(i) - b.get(i)));
        }
        return m;
    }
}
