package org.lowrank4j.linalg.decomposition;

import org.lowrank4j.linalg.DenseMatrix;
import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.linalg.EigenResult;
import org.lowrank4j.linalg.Linalg;
import org.lowrank4j.linalg.LinalgBackend;

/**
 * Square root and inverse square root of a positive semi-definite matrix through its eigen-decomposition,
 * with a <em>relative</em> eigenvalue floor: eigenvalues at or below {@code floor · λ_max} count as zero (the
 * square root drops them; the inverse square root is then a pseudo-inverse that zeroes them, as in SVD-LLM V2).
 * Results are symmetric: {@code V f(Λ) Vᵀ}.
 */
public final class PsdMatrixFunctions {
    /** Default relative floor, about float64 round-off on a Gram matrix. */
    public static final double DEFAULT_FLOOR = 1e-10;

    private final SymmetricEigen eigen;

    public PsdMatrixFunctions() {
        this(Linalg.backend());
    }

    public PsdMatrixFunctions(LinalgBackend backend) {
        this.eigen = new SymmetricEigen(backend);
    }

    /** G^{1/2}. */
    public DoubleMatrix sqrt(DenseMatrix psd, double relativeFloor) {
        return apply(psd, relativeFloor, false);
    }

    /** (G^{1/2})⁺, the pseudo-inverse square root. */
    public DoubleMatrix inverseSqrt(DenseMatrix psd, double relativeFloor) {
        return apply(psd, relativeFloor, true);
    }

    private DoubleMatrix apply(DenseMatrix psd, double relativeFloor, boolean inverse) {
        if (!(relativeFloor >= 0 && relativeFloor < 1)) {
            throw new IllegalArgumentException("relative eigenvalue floor must be in [0, 1), got " + relativeFloor);
        }
        EigenResult e = eigen.decompose(psd);
        int n = e.values().length;
        double largest = n == 0 ? 0 : Math.max(0, e.values()[0]);
        double cutoff = relativeFloor * largest;
        DoubleMatrix scaled = e.vectors().copy();
        for (int j = 0; j < n; j++) {
            double lambda = e.values()[j];
            double f = lambda <= cutoff || lambda <= 0 ? 0 : (inverse ? 1 / Math.sqrt(lambda) : Math.sqrt(lambda));
            for (int i = 0; i < n; i++) {
                scaled.set(i, j, scaled.get(i, j) * f);
            }
        }
        return Linalg.multiply(scaled, e.vectors().transpose());
    }
}
