package org.lowrank4j.algorithms.tensor;

import java.util.ArrayList;
import java.util.List;
import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.linalg.Linalg;
import org.lowrank4j.linalg.decomposition.ExactSvd;
import org.lowrank4j.linalg.decomposition.Qr;

/**
 * Tucker decomposition of a tensor with missing entries by EM-HOOI, optionally with smooth factors: a cheap,
 * testable stand-in for FunBaT (Fang et al., ICLR 2024, arXiv:2311.04829) as spec 18 suggests — NOT the paper's method
 * (no GP priors, no state-space form, no expectation propagation; a fixed smooth basis per mode instead).
 * <pre>
 * Z = X with the missing entries filled (by the caller, e.g. the observed mean)
 * repeat:
 *   for n: Y = Z ×_{k≠n} U_kᵀ
 *          U_n = leading R_n left singular vectors of Y_(n)                   (a discrete mode)
 *          U_n = Q_n · leading R_n left singular vectors of Q_nᵀ Y_(n)        (a smooth mode, Q_n = orth(Φ_n))
 *   G = Z ×_n U_nᵀ;  Z[missing] = (G ×_n U_n)[missing]                       (the E-step)
 * until the relative change of the observed-entry error is below the tolerance
 * </pre>
 * A smooth mode's factor columns lie in the span of its basis Φ_n (I_n × b_n, e.g. {@link SmoothBasis#gaussianRbf}),
 * so U_n's rows are smooth functions of the mode's coordinate — the Tucker-with-functional-factors model of FunBaT.
 */
public final class TuckerCompletion {

    /** The fit, iterations run, and the relative error on the observed entries after each iteration. */
    public record Result(TuckerTensor tucker, int iterations, List<Double> observedErrors) {
        public Result {
            observedErrors = List.copyOf(observedErrors);
        }
    }

    private TuckerCompletion() {
    }

    /**
     * @param x        the tensor, missing entries already filled with a first guess (they are overwritten in a copy)
     * @param observed per entry whether it is given (mode-0-fastest order)
     * @param bases    per mode a smooth basis Φ_n (I_n × b_n, b_n ≥ R_n) or null for a discrete mode; null for none
     */
    public static Result fit(DenseTensor x, boolean[] observed, int[] ranks, List<DoubleMatrix> bases, int maxIterations, double tolerance) {
        Hosvd.validateRanks(x, ranks);
        if (observed.length != x.count()) {
            throw new IllegalArgumentException("the observed mask has " + observed.length + " entries for a tensor of " + x.count());
        }
        List<DoubleMatrix> spans = new ArrayList<>();
        for (int n = 0; n < x.order(); n++) {
            DoubleMatrix basis = bases == null ? null : bases.get(n);
            if (basis != null && (basis.rows() != x.size(n) || basis.cols() < ranks[n])) {
                throw new IllegalArgumentException("the basis of mode " + n + " is " + basis.shape() + "; it needs " + x.size(n) + " rows and at least "
                        + ranks[n] + " (the rank) columns");
            }
            spans.add(basis == null ? null : (DoubleMatrix) new Qr().decompose(basis).q().toDouble());
        }
        DenseTensor z = DenseTensor.wrap(x.data().clone(), x.shape());
        List<DoubleMatrix> factors = new ArrayList<>();
        for (int n = 0; n < x.order(); n++) {
            factors.add(leading(z.unfold(n), spans.get(n), ranks[n]));
        }
        List<Double> errors = new ArrayList<>();
        TuckerTensor tucker = null;
        int t = 0;
        while (t < maxIterations) {
            for (int n = 0; n < x.order(); n++) {
                DenseTensor y = z;
                for (int k = 0; k < x.order(); k++) {
                    if (k != n) {
                        y = y.modeProduct(k, factors.get(k).transpose());
                    }
                }
                factors.set(n, leading(y.unfold(n), spans.get(n), ranks[n]));
            }
            tucker = new TuckerTensor(Hosvd.project(z, factors), factors);
            DenseTensor estimate = tucker.reconstruct();
            double num = 0, den = 0;
            for (int e = 0; e < observed.length; e++) {
                if (observed[e]) {
                    double d = x.data()[e] - estimate.data()[e];
                    num += d * d;
                    den += x.data()[e] * x.data()[e];
                } else {
                    z.data()[e] = estimate.data()[e];
                }
            }
            errors.add(Math.sqrt(num / Math.max(den, Double.MIN_NORMAL)));
            t++;
            int last = errors.size() - 1;
            if (last > 0 && Math.abs(errors.get(last - 1) - errors.get(last)) <= tolerance * errors.get(last - 1)) {
                break;
            }
        }
        if (tucker == null) {
            tucker = new TuckerTensor(Hosvd.project(z, factors), factors);
        }
        return new Result(tucker, t, errors);
    }

    /** Leading left singular vectors of {@code y}, within the span of {@code q} when given. */
    private static DoubleMatrix leading(DoubleMatrix y, DoubleMatrix q, int rank) {
        if (q == null) {
            return Hosvd.leadingLeftVectors(y, rank);
        }
        DoubleMatrix reduced = Linalg.multiply(q.transpose(), y);
        DoubleMatrix small = (DoubleMatrix) new ExactSvd().decompose(reduced, rank).u().toDouble();
        return Linalg.multiply(q, small);
    }
}
