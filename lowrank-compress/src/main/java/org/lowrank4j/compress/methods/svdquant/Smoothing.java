package org.lowrank4j.compress.methods.svdquant;

import java.util.ArrayList;
import java.util.List;
import org.lowrank4j.linalg.DoubleMatrix;

/**
 * SVDQuant's per-input-channel smoothing: {@code λ_j = a_j^α / w_j^β} from the activation span {@code a_j = max_t |x_tj|}
 * and the weight span {@code w_j = max_i |W_ij|}, both raised to at least 1e-5 of their largest value (a zero channel
 * would make λ 0 or ∞), then divided by √(max λ · min λ) so the scales sit around 1 (the output error does not depend on
 * a common factor). {@code Ŵ = W diag(λ)} and {@code X̂ = X diag(λ)⁻¹} keep {@code X̂ Ŵᵀ = X Wᵀ}; the smoothed inputs'
 * Gram is {@code Ĝ = diag(λ)⁻¹ G diag(λ)⁻¹}.
 */
final class Smoothing {
    /** Spans below this fraction of the largest are raised to it. */
    static final double SPAN_FLOOR = 1e-5;

    private Smoothing() {
    }

    /** One (α, β) candidate. */
    record Candidate(double alpha, double beta) {
        @Override
        public String toString() {
            return "(" + alpha + ", " + beta + ")";
        }
    }

    /** The candidates of a mode, (0, 0) first: a tie keeps the unsmoothed weight. */
    static List<Candidate> candidates(SvdQuantOptions.Smoothing mode, int grid) {
        List<Candidate> out = new ArrayList<>();
        out.add(new Candidate(0, 0));
        if (mode == SvdQuantOptions.Smoothing.OFF) {
            return out;
        }
        for (int g = 1; g < grid; g++) {
            out.add(new Candidate((double) g / grid, 0));
        }
        if (mode == SvdQuantOptions.Smoothing.ALPHA_BETA) {
            for (int g = 1; g < grid; g++) {
                out.add(new Candidate((double) g / grid, 1 - (double) g / grid));
            }
        }
        return out;
    }

    /** max_i |W_ij| per input column j. */
    static double[] weightSpan(DoubleMatrix w) {
        double[] span = new double[w.cols()];
        for (int i = 0; i < w.rows(); i++) {
            for (int j = 0; j < w.cols(); j++) {
                span[j] = Math.max(span[j], Math.abs(w.get(i, j)));
            }
        }
        return span;
    }

    /** λ of a candidate (all ones for (0, 0)). */
    static double[] scales(double[] activationSpan, double[] weightSpan, Candidate c) {
        int n = activationSpan.length;
        double[] a = floored(activationSpan), w = floored(weightSpan);
        double[] lambda = new double[n];
        double max = 0, min = Double.POSITIVE_INFINITY;
        for (int j = 0; j < n; j++) {
            lambda[j] = Math.pow(a[j], c.alpha()) / Math.pow(w[j], c.beta());
            max = Math.max(max, lambda[j]);
            min = Math.min(min, lambda[j]);
        }
        double norm = Math.sqrt(max * min);
        for (int j = 0; j < n; j++) {
            lambda[j] /= norm;
        }
        return lambda;
    }

    /** {@code W diag(λ)}. */
    static DoubleMatrix smoothWeight(DoubleMatrix w, double[] lambda) {
        DoubleMatrix out = DoubleMatrix.zeros(w.rows(), w.cols());
        for (int i = 0; i < w.rows(); i++) {
            for (int j = 0; j < w.cols(); j++) {
                out.set(i, j, w.get(i, j) * lambda[j]);
            }
        }
        return out;
    }

    /** {@code diag(λ)⁻¹ G diag(λ)⁻¹}: the Gram of the smoothed inputs. */
    static DoubleMatrix smoothGram(DoubleMatrix gram, double[] lambda) {
        int n = lambda.length;
        DoubleMatrix out = DoubleMatrix.zeros(n, n);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                out.set(i, j, 0.5 * (gram.get(i, j) + gram.get(j, i)) / (lambda[i] * lambda[j]));
            }
        }
        return out;
    }

    private static double[] floored(double[] span) {
        double max = 0;
        for (double v : span) {
            max = Math.max(max, v);
        }
        double floor = max > 0 ? SPAN_FLOOR * max : 1;
        double[] out = new double[span.length];
        for (int j = 0; j < span.length; j++) {
            out[j] = Math.max(span[j], floor);
        }
        return out;
    }
}
