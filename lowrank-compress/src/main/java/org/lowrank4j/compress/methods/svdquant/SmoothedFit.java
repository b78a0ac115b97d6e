package org.lowrank4j.compress.methods.svdquant;

import java.util.ArrayList;
import java.util.List;
import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.linalg.Linalg;
import org.lowrank4j.linalg.SvdResult;
import org.lowrank4j.linalg.decomposition.ExactSvd;
import org.lowrank4j.linalg.quant.GptqRounding;
import org.lowrank4j.linalg.quant.QuantizedMatrix;
import org.lowrank4j.linalg.quant.RoundToNearest;

/**
 * Steps 2–3 of SVDQuant for one smoothing λ, in the smoothed coordinates: the branch {@code L = L1 L2 = SVD_r(Ŵ − Q)}
 * (float64 SVD, L1 = U_r Σ_r^{1/2}, L2 = Σ_r^{1/2} V_rᵀ), the residual {@code Q = quant(Ŵ − L)} (round to nearest, or
 * GPTQ on Ĝ, in the storage's group layout), and the output error {@code ‖X̂ (Ŵ − L − Q)ᵀ‖² = tr(Δ Ĝ Δᵀ)} on the
 * calibration Gram (weights only: the activations stay in float, so Q(X̂) = X̂).
 */
final class SmoothedFit {
    private final DoubleMatrix smoothed; // Ŵ (m×n)
    private final DoubleMatrix gram;     // Ĝ (n×n)
    private final SvdQuantOptions options;

    /** One iterate: residual codes, branch factors in smoothed coordinates (null at rank 0), output error. */
    record Iterate(QuantizedMatrix codes, DoubleMatrix left, DoubleMatrix right, double error) {
    }

    /**
     * The refinement's result.
     *
     * @param best   the iterate of least output error
     * @param errors every iteration's output error in order; the last is the one that stopped the loop when it stopped early
     */
    record Refined(Iterate best, double[] errors) {
    }

    SmoothedFit(DoubleMatrix smoothed, DoubleMatrix gram, SvdQuantOptions options) {
        this.smoothed = smoothed;
        this.gram = gram;
        this.options = options;
    }

    DoubleMatrix smoothed() {
        return smoothed;
    }

    DoubleMatrix gram() {
        return gram;
    }

    /** One iterate from the previous residual's dequantized values ({@code null}: Q⁰ = 0). */
    Iterate iterate(int rank, DoubleMatrix previous) {
        DoubleMatrix left = null, right = null;
        DoubleMatrix residual = smoothed.copy();
        if (rank > 0) {
            SvdResult svd = new ExactSvd().decompose(previous == null ? smoothed : minus(smoothed, previous), rank);
            int m = smoothed.rows(), n = smoothed.cols();
            left = DoubleMatrix.zeros(m, rank);
            right = DoubleMatrix.zeros(rank, n);
            for (int k = 0; k < rank; k++) {
                double root = Math.sqrt(svd.s()[k]);
                for (int i = 0; i < m; i++) {
                    left.set(i, k, svd.u().get(i, k) * root);
                }
                for (int j = 0; j < n; j++) {
                    right.set(k, j, svd.vt().get(k, j) * root);
                }
            }
            residual = minus(smoothed, Linalg.multiply(left, right));
        }
        QuantizedMatrix codes = quantize(residual);
        return new Iterate(codes, left, right, outputError(minus(residual, codes.dequantize().toDouble())));
    }

    /**
     * The spec's refinement: iterate t takes the branch from {@code Ŵ − Q^{(t−1)}} and rounds {@code Ŵ − L^{(t)}}; it
     * stops at the first iterate whose output error is not below the best so far, or after {@code iterations}, and
     * returns the best. At rank 0 there is nothing to refine: one iterate.
     */
    Refined refine(int rank, int iterations) {
        List<Double> errors = new ArrayList<>();
        Iterate best = iterate(rank, null);
        errors.add(best.error());
        for (int t = 1; t < iterations && rank > 0; t++) {
            Iterate next = iterate(rank, best.codes().dequantize().toDouble());
            errors.add(next.error());
            if (!(next.error() < best.error())) {
                break;
            }
            best = next;
        }
        return new Refined(best, errors.stream().mapToDouble(Double::doubleValue).toArray());
    }

    /** tr(Δ Ĝ Δᵀ). */
    double outputError(DoubleMatrix delta) {
        DoubleMatrix dg = Linalg.multiply(delta, gram);
        double sum = 0;
        for (int i = 0; i < delta.rows(); i++) {
            for (int j = 0; j < delta.cols(); j++) {
                sum += dg.get(i, j) * delta.get(i, j);
            }
        }
        return Math.max(0, sum);
    }

    private QuantizedMatrix quantize(DoubleMatrix residual) {
        return options.rounding() == SvdQuantOptions.Rounding.GPTQ
                ? new GptqRounding(options.damping(), GptqRounding.DEFAULT_BLOCK_SIZE).quantize(residual, gram, options.storage().format())
                : RoundToNearest.quantize(residual, options.storage().format());
    }

    static DoubleMatrix minus(DoubleMatrix a, DoubleMatrix b) {
        DoubleMatrix d = DoubleMatrix.zeros(a.rows(), a.cols());
        for (int i = 0; i < a.rows(); i++) {
            for (int j = 0; j < a.cols(); j++) {
                d.set(i, j, a.get(i, j) - b.get(i, j));
            }
        }
        return d;
    }
}
