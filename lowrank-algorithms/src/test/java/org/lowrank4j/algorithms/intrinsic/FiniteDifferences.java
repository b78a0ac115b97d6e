package org.lowrank4j.algorithms.intrinsic;

import java.util.function.ToDoubleFunction;

/** Central differences of a scalar function of a double array (the losses' oracle), and the relative error of two gradients. */
final class FiniteDifferences {
    private FiniteDifferences() {
    }

    static double[] gradient(ToDoubleFunction<double[]> f, double[] x, double step) {
        double[] g = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            double original = x[i];
            x[i] = original + step;
            double plus = f.applyAsDouble(x);
            x[i] = original - step;
            double minus = f.applyAsDouble(x);
            x[i] = original;
            g[i] = (plus - minus) / (2 * step);
        }
        return g;
    }

    /** ‖a − b‖ / max(‖a‖, ‖b‖). */
    static double relativeError(double[] a, double[] b) {
        double diff = 0, na = 0, nb = 0;
        for (int i = 0; i < a.length; i++) {
            diff += (a[i] - b[i]) * (a[i] - b[i]);
            na += a[i] * a[i];
            nb += b[i] * b[i];
        }
        return Math.sqrt(diff) / Math.max(Math.sqrt(Math.max(na, nb)), 1e-300);
    }
}
