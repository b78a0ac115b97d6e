package org.lowrank4j.nn.weight;

import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;

/**
 * Fits a {@link ButterflyWeight} to a dense weight W by the spec's objective ‖M − W‖²_F over the basis vectors (here
 * restricted to W's out × in corner), with Adam at a rate decaying geometrically to a hundredth over the steps and no
 * weight decay on twiddles (spec pitfall). A butterfly holds a known fast transform exactly; a trained layer's weight
 * is no such transform, so the fit is a starting point that training then adapts, and its error says how far the
 * weight is from the butterfly family.
 */
public final class ButterflyFit {
    private ButterflyFit() {
    }

    /**
     * Runs the fit in place.
     *
     * @param butterfly the weight to fit (its twiddles change)
     * @param dense     W, (out, in), the butterfly's widths
     * @param steps     Adam steps (at least 1)
     * @param rate      initial Adam step size
     * @return the relative error ‖M − W‖_F / ‖W‖_F at the end
     */
    public static double fit(ButterflyWeight butterfly, Tensor dense, int steps, double rate) {
        int out = butterfly.outFeatures(), in = butterfly.inFeatures();
        if (!dense.hasShape(out, in)) {
            throw new IllegalArgumentException("fitting a " + out + "x" + in + " butterfly needs a weight of that shape, got " + dense.shapeString());
        }
        if (steps < 1 || !(rate > 0)) {
            throw new IllegalArgumentException("a butterfly fit needs steps >= 1 and a positive rate, got " + steps + " and " + rate);
        }
        double[] w = dense.toDoubleArray();
        double[] target = new double[in * out]; // Wᵀ: the output rows for the basis inputs
        double norm = 0;
        for (int o = 0; o < out; o++) {
            for (int i = 0; i < in; i++) {
                target[i * out + o] = w[o * in + i];
                norm += w[o * in + i] * w[o * in + i];
            }
        }
        if (!(norm > 0) || !Double.isFinite(norm)) {
            throw new IllegalArgumentException("a butterfly fit needs a finite non-zero weight");
        }
        double[] basis = new double[in * in];
        for (int i = 0; i < in; i++) {
            basis[i * in + i] = 1;
        }
        Precision p = butterfly.precision();
        Tensor x = Tensor.of(p, basis, in, in);
        Tensor theta = butterfly.twiddles().value();
        double[] m = new double[theta.size()], v = new double[theta.size()];
        double decay = Math.pow(0.01, 1.0 / Math.max(1, steps - 1));
        double lr = rate;
        double error = Double.NaN;
        for (int step = 0; step <= steps; step++) {
            double[] y = butterfly.forward(x).toDoubleArray();
            double loss = 0;
            double[] g = new double[y.length];
            for (int q = 0; q < y.length; q++) {
                double d = y[q] - target[q];
                loss += d * d;
                g[q] = 2 * d / norm;
            }
            error = Math.sqrt(loss / norm);
            if (step == steps) {
                break;
            }
            butterfly.twiddles().zeroGradient();
            butterfly.backward(Tensor.of(p, g, in, out), x);
            adamStep(theta, butterfly.twiddles().gradient(), m, v, step + 1, lr);
            lr *= decay;
        }
        butterfly.twiddles().zeroGradient();
        return error;
    }

    /** One Adam step (β = 0.9, 0.999; ε = 1e-8; no decay); nn's AdamW lives in the trainer, above this package. */
    private static void adamStep(Tensor theta, Tensor grad, double[] m, double[] v, int step, double lr) {
        double c1 = 1 - Math.pow(0.9, step), c2 = 1 - Math.pow(0.999, step);
        for (int q = 0; q < m.length; q++) {
            double g = grad.get(q);
            m[q] = 0.9 * m[q] + 0.1 * g;
            v[q] = 0.999 * v[q] + 0.001 * g * g;
            theta.set(q, theta.get(q) - lr * (m[q] / c1) / (Math.sqrt(v[q] / c2) + 1e-8));
        }
    }
}
