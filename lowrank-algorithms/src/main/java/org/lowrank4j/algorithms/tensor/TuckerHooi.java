package org.lowrank4j.algorithms.tensor;

import java.util.ArrayList;
import java.util.List;
import org.lowrank4j.linalg.DoubleMatrix;

/**
 * Tucker decomposition by higher-order orthogonal iteration (HOOI; De Lathauwer, De Moor and Vandewalle 2000), spec
 * ../shared/methods/18-funbat-tucker-hosvd-cpals.md: start from {@link Hosvd}, then repeat
 * <pre>
 *   for n: Y = X ×_{k≠n} U_kᵀ;  U_n = leading R_n left singular vectors of Y_(n)
 * </pre>
 * until the relative change of ‖G‖ is below the tolerance; ‖G‖ never decreases, so the error
 * ‖X − X̂‖² = ‖X‖² − ‖G‖² never increases.
 */
public final class TuckerHooi {

    /** The decomposition, the iterations run and the relative error ‖X − X̂‖/‖X‖ after HOSVD and after each iteration. */
    public record Result(TuckerTensor tucker, int iterations, List<Double> relativeErrors) {
        public Result {
            relativeErrors = List.copyOf(relativeErrors);
        }
    }

    private TuckerHooi() {
    }

    public static Result decompose(DenseTensor x, int maxIterations, double tolerance, int... ranks) {
        if (maxIterations < 0 || !(tolerance >= 0)) {
            throw new IllegalArgumentException("HOOI needs iterations >= 0 (" + maxIterations + ") and tolerance >= 0 (" + tolerance + ")");
        }
        TuckerTensor current = Hosvd.decompose(x, ranks);
        double normX = x.norm();
        List<Double> errors = new ArrayList<>();
        double coreNorm = current.core().norm();
        errors.add(relativeError(normX, coreNorm));
        int t = 0;
        while (t < maxIterations) {
            List<DoubleMatrix> factors = new ArrayList<>(current.factors());
            for (int n = 0; n < x.order(); n++) {
                DenseTensor y = x;
                for (int k = 0; k < x.order(); k++) {
                    if (k != n) {
                        y = y.modeProduct(k, factors.get(k).transpose());
                    }
                }
                factors.set(n, Hosvd.leadingLeftVectors(y.unfold(n), ranks[n]));
            }
            current = new TuckerTensor(Hosvd.project(x, factors), factors);
            t++;
            double next = current.core().norm();
            errors.add(relativeError(normX, next));
            boolean done = Math.abs(next - coreNorm) <= tolerance * Math.max(coreNorm, Double.MIN_NORMAL);
            coreNorm = next;
            if (done) {
                break;
            }
        }
        return new Result(current, t, errors);
    }

    /** sqrt(‖X‖² − ‖G‖²) / ‖X‖ (orthonormal factors), clamped at 0 against rounding. */
    static double relativeError(double normX, double coreNorm) {
        return normX == 0 ? 0 : Math.sqrt(Math.max(0, normX * normX - coreNorm * coreNorm)) / normX;
    }
}
