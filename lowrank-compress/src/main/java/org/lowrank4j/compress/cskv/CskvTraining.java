package org.lowrank4j.compress.cskv;

import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.linalg.Linalg;
import org.lowrank4j.nn.cskv.CskvProjection;

/**
 * CSKV's layer-wise training (spec c15, step 3): A and B of one key or value projection trained to reconstruct the
 * projection's outputs on calibration inputs, loss {@code MSE(K, B(A x))} with everything else frozen. Since
 * {@code Σ_t ‖(W − BA) x_t‖² = tr(E G Eᵀ)} with E = W − BA and G = Σ x xᵀ, the loss over all calibration tokens is
 * computed from the input Gram — full-batch Adam on the exact calibration loss, with no pass over the tokens per step:
 * <pre>
 *   L = tr(E Ĝ Eᵀ) / out,   Ĝ = G / N,   ∂L/∂B = −2 E Ĝ Aᵀ / out,   ∂L/∂A = −2 Bᵀ E Ĝ / out
 * </pre>
 * The minimiser of L at rank r is the Gram-whitened truncated SVD; training moves the SVD/ASVD start towards it.
 */
public final class CskvTraining {
    private static final double BETA1 = 0.9, BETA2 = 0.999, EPSILON = 1e-8;

    private CskvTraining() {
    }

    /** The trained projection and its loss relative to the output energy {@code tr(W Ĝ Wᵀ)}, before and after. */
    public record Result(CskvProjection projection, double relativeLossBefore, double relativeLossAfter) {
    }

    /**
     * @param w     the projection W (out × in), row-major
     * @param gram  Σ x xᵀ of the projection's inputs over the calibration tokens (in × in)
     * @param steps Adam steps (full batch)
     * @param lr    Adam's learning rate
     * @throws IllegalArgumentException when shapes disagree, steps is negative or lr is not positive and finite
     */
    public static Result train(CskvProjection start, double[] w, DoubleMatrix gram, long tokens, int steps, double lr) {
        int out = start.out(), in = start.in(), r = start.rank();
        if (w.length != (long) out * in || gram.rows() != in || gram.cols() != in) {
            throw new IllegalArgumentException("CSKV training: W of " + w.length + " values and a " + gram.rows() + "×" + gram.cols()
                    + " Gram do not fit a " + out + " × " + in + " projection");
        }
        if (steps < 0 || !(lr > 0) || !Double.isFinite(lr) || tokens < 1) {
            throw new IllegalArgumentException("CSKV training needs steps >= 0, a positive learning rate and tokens >= 1, got " + steps + ", "
                    + lr + ", " + tokens);
        }
        DoubleMatrix g = gram.copy();
        for (int i = 0; i < in; i++) {
            for (int j = 0; j < in; j++) {
                g.set(i, j, g.get(i, j) / tokens);
            }
        }
        DoubleMatrix wm = DoubleMatrix.wrap(w.clone(), out, in);
        DoubleMatrix a = DoubleMatrix.wrap(start.a().clone(), r, in), b = DoubleMatrix.wrap(start.b().clone(), out, r);
        double energy = trace(wm, Linalg.multiply(wm, g));
        double before = loss(wm, a, b, g) * out / energy;
        double[] ma = new double[r * in], va = new double[r * in], mb = new double[out * r], vb = new double[out * r];
        for (int t = 1; t <= steps; t++) {
            DoubleMatrix e = residual(wm, a, b);
            DoubleMatrix eg = Linalg.multiply(e, g);                      // out × in
            DoubleMatrix gradB = Linalg.multiply(eg, a.transpose());       // out × r, times −2/out
            DoubleMatrix gradA = Linalg.multiply(b.transpose(), eg);       // r × in, times −2/out
            adam(b, gradB, mb, vb, t, lr, -2.0 / out);
            adam(a, gradA, ma, va, t, lr, -2.0 / out);
        }
        double after = loss(wm, a, b, g) * out / energy;
        return new Result(new CskvProjection(r, in, out, a.compact().toArray(), b.compact().toArray()), before, after);
    }

    private static void adam(DoubleMatrix p, DoubleMatrix grad, double[] m, double[] v, int t, double lr, double factor) {
        double c1 = 1 - Math.pow(BETA1, t), c2 = 1 - Math.pow(BETA2, t);
        int cols = p.cols();
        for (int i = 0; i < p.rows(); i++) {
            for (int j = 0; j < cols; j++) {
                int k = i * cols + j;
                double gk = factor * grad.get(i, j);
                m[k] = BETA1 * m[k] + (1 - BETA1) * gk;
                v[k] = BETA2 * v[k] + (1 - BETA2) * gk * gk;
                p.set(i, j, p.get(i, j) - lr * (m[k] / c1) / (Math.sqrt(v[k] / c2) + EPSILON));
            }
        }
    }

    private static DoubleMatrix residual(DoubleMatrix w, DoubleMatrix a, DoubleMatrix b) {
        DoubleMatrix e = w.copy();
        DoubleMatrix ba = Linalg.multiply(b, a);
        for (int i = 0; i < e.rows(); i++) {
            for (int j = 0; j < e.cols(); j++) {
                e.set(i, j, e.get(i, j) - ba.get(i, j));
            }
        }
        return e;
    }

    /** tr(E Ĝ Eᵀ) / out: the mean squared error per output channel and token. */
    static double loss(DoubleMatrix w, DoubleMatrix a, DoubleMatrix b, DoubleMatrix g) {
        DoubleMatrix e = residual(w, a, b);
        return trace(e, Linalg.multiply(e, g)) / w.rows();
    }

    /** Σ_ij x_ij y_ij = tr(X Yᵀ). */
    private static double trace(DoubleMatrix x, DoubleMatrix y) {
        double sum = 0;
        for (int i = 0; i < x.rows(); i++) {
            for (int j = 0; j < x.cols(); j++) {
                sum += x.get(i, j) * y.get(i, j);
            }
        }
        return sum;
    }
}
