package org.lowrank4j.algorithms.tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.linalg.EigenResult;
import org.lowrank4j.linalg.Linalg;
import org.lowrank4j.linalg.decomposition.SymmetricEigen;

/**
 * CP decomposition by alternating least squares (Carroll and Chang 1970; Harshman 1970; as in Kolda and Bader 2009),
 * spec ../shared/methods/18-funbat-tucker-hosvd-cpals.md:
 * <pre>
 * init A^(n), n ≥ 1: leading left singular vectors of X_(n) (seeded Gaussian columns when R &gt; I_n)
 * repeat:
 *   for n:  V = ∗_{k≠n} A^(k)ᵀ A^(k)                     (R×R, Hadamard product)
 *           A^(n) = X_(n) (⊙_{k≠n} A^(k)) V⁺              (MTTKRP, never forming the Khatri–Rao product)
 *           λ = column norms of A^(n) (2-norm on the first iteration, max(max|·|, 1) afterwards); A^(n) /= λ
 *   fit = 1 − ‖X − X̂‖/‖X‖ with ‖X − X̂‖² = ‖X‖² + ‖X̂‖² − 2⟨X, X̂⟩ from the factors
 * until the fit changes by less than the tolerance or after maxIterations
 * </pre>
 * V⁺ is a pseudo-inverse by symmetric eigendecomposition with a small ridge against CP degeneracy. At the end the
 * components are sorted by λ (descending), and signs made deterministic: in modes 0..N−2 each column's largest-magnitude
 * entry is positive, the sign going to the last mode.
 */
public final class CpAls {

    /** The decomposition, iterations run and the fit after each iteration. */
    public record Result(CpTensor cp, int iterations, List<Double> fits) {
        public Result {
            fits = List.copyOf(fits);
        }

        public double fit() {
            return fits.isEmpty() ? Double.NaN : fits.get(fits.size() - 1);
        }
    }

    private CpAls() {
    }

    /** Kolda's defaults: tolerance 1e-4 on the change of fit, at most 500 iterations. */
    public static Result decompose(DenseTensor x, int rank, long seed) {
        return decompose(x, rank, 500, 1e-4, seed);
    }

    public static Result decompose(DenseTensor x, int rank, int maxIterations, double tolerance, long seed) {
        if (rank < 1) {
            throw new IllegalArgumentException("CP rank must be at least 1, got " + rank);
        }
        if (maxIterations < 1 || !(tolerance >= 0)) {
            throw new IllegalArgumentException("CP-ALS needs iterations >= 1 (" + maxIterations + ") and tolerance >= 0 (" + tolerance + ")");
        }
        int order = x.order();
        Random random = new Random(seed);
        List<DoubleMatrix> a = new ArrayList<>();
        for (int n = 0; n < order; n++) {
            a.add(n == 0 ? DoubleMatrix.zeros(x.size(0), rank) : initial(x, n, rank, random)); // mode 0 is solved first
        }
        double normX = x.norm();
        double[] lambda = new double[rank];
        List<Double> fits = new ArrayList<>();
        double fit = 0;
        int t = 0;
        while (t < maxIterations) {
            DoubleMatrix lastMttkrp = null;
            for (int n = 0; n < order; n++) {
                DoubleMatrix v = DoubleMatrix.zeros(rank, rank);
                java.util.Arrays.fill(v.data(), 1);
                for (int k = 0; k < order; k++) {
                    if (k != n) {
                        hadamardInPlace(v, Linalg.gram(a.get(k)));
                    }
                }
                DoubleMatrix m = mttkrp(x, a, n);                         // (I_n, R)
                DoubleMatrix updated = Linalg.multiply(m, pseudoInverse(v)); // (I_n, R)
                for (int r = 0; r < rank; r++) {
                    double norm = 0;
                    for (int i = 0; i < updated.rows(); i++) {
                        double value = updated.get(i, r);
                        norm = t == 0 ? norm + value * value : Math.max(norm, Math.abs(value));
                    }
                    norm = t == 0 ? Math.sqrt(norm) : Math.max(norm, 1);
                    lambda[r] = norm;
                    if (norm > 0) {
                        for (int i = 0; i < updated.rows(); i++) {
                            updated.set(i, r, updated.get(i, r) / norm);
                        }
                    }
                }
                a.set(n, updated);
                lastMttkrp = m;
            }
            fit = fit(normX, lambda, a, lastMttkrp);
            fits.add(fit);
            t++;
            if (fits.size() > 1 && Math.abs(fit - fits.get(fits.size() - 2)) < tolerance) {
                break;
            }
        }
        return new Result(canonical(lambda, a), t, fits);
    }

    private static DoubleMatrix initial(DenseTensor x, int n, int rank, Random random) {
        int rows = x.size(n);
        DoubleMatrix out = DoubleMatrix.zeros(rows, rank);
        int fromSvd = Math.min(rank, rows);
        DoubleMatrix u = Hosvd.leadingLeftVectors(x.unfold(n), fromSvd);
        for (int i = 0; i < rows; i++) {
            for (int r = 0; r < rank; r++) {
                out.set(i, r, r < fromSvd ? u.get(i, r) : random.nextGaussian());
            }
        }
        return out;
    }

    /** X_(n) · (⊙_{k≠n} A^(k)) by one pass over the entries: M[i_n, r] += x · Π_{k≠n} A^(k)[i_k, r]. */
    static DoubleMatrix mttkrp(DenseTensor x, List<DoubleMatrix> a, int n) {
        int order = x.order(), rank = a.get(0).cols();
        int[] shape = x.shape();
        double[][] f = new double[order][];
        for (int k = 0; k < order; k++) {
            f[k] = a.get(k).compact().data();
        }
        double[] out = new double[shape[n] * rank], product = new double[rank];
        int[] idx = new int[order];
        double[] data = x.data();
        for (int e = 0; e < data.length; e++) {
            double value = data[e];
            if (value != 0) {
                java.util.Arrays.fill(product, value);
                for (int k = 0; k < order; k++) {
                    if (k != n) {
                        int row = idx[k] * rank;
                        for (int r = 0; r < rank; r++) {
                            product[r] *= f[k][row + r];
                        }
                    }
                }
                int row = idx[n] * rank;
                for (int r = 0; r < rank; r++) {
                    out[row + r] += product[r];
                }
            }
            for (int k = 0; k < order && ++idx[k] == shape[k]; k++) { // next index, mode 0 fastest
                idx[k] = 0;
            }
        }
        return DoubleMatrix.wrap(out, shape[n], rank);
    }

    /** 1 − ‖X − X̂‖/‖X‖ with ⟨X, X̂⟩ = Σ_r λ_r Σ_i M[i, r]·A^(N−1)[i, r] and ‖X̂‖² = λᵀ (∗_k A^(k)ᵀA^(k)) λ. */
    private static double fit(double normX, double[] lambda, List<DoubleMatrix> a, DoubleMatrix lastMttkrp) {
        int rank = lambda.length;
        DoubleMatrix v = DoubleMatrix.zeros(rank, rank);
        java.util.Arrays.fill(v.data(), 1);
        for (DoubleMatrix f : a) {
            hadamardInPlace(v, Linalg.gram(f));
        }
        double modelSquared = 0, inner = 0;
        for (int r = 0; r < rank; r++) {
            for (int s = 0; s < rank; s++) {
                modelSquared += lambda[r] * v.get(r, s) * lambda[s];
            }
        }
        DoubleMatrix last = a.get(a.size() - 1);
        for (int i = 0; i < last.rows(); i++) {
            for (int r = 0; r < rank; r++) {
                inner += lambda[r] * lastMttkrp.get(i, r) * last.get(i, r);
            }
        }
        double residual = Math.sqrt(Math.max(0, normX * normX + modelSquared - 2 * inner));
        return normX == 0 ? 1 : 1 - residual / normX;
    }

    private static void hadamardInPlace(DoubleMatrix v, DoubleMatrix g) {
        for (int i = 0; i < v.rows(); i++) {
            for (int j = 0; j < v.cols(); j++) {
                v.set(i, j, v.get(i, j) * g.get(i, j));
            }
        }
    }

    /** (V + ridge I)⁺ by eigendecomposition, eigenvalues below 1e-12 of the largest treated as zero. */
    private static DoubleMatrix pseudoInverse(DoubleMatrix v) {
        int r = v.rows();
        double trace = 0;
        for (int i = 0; i < r; i++) {
            trace += v.get(i, i);
        }
        DoubleMatrix ridged = v.copy();
        for (int i = 0; i < r; i++) {
            ridged.set(i, i, ridged.get(i, i) + 1e-14 * trace / r);
        }
        EigenResult eig = new SymmetricEigen().decompose(ridged);
        double top = 0;
        for (double value : eig.values()) {
            top = Math.max(top, Math.abs(value));
        }
        DoubleMatrix out = DoubleMatrix.zeros(r, r);
        for (int k = 0; k < r; k++) {
            double value = eig.values()[k];
            if (Math.abs(value) <= 1e-12 * top) {
                continue;
            }
            for (int i = 0; i < r; i++) {
                double vi = eig.vectors().get(i, k) / value;
                for (int j = 0; j < r; j++) {
                    out.set(i, j, out.get(i, j) + vi * eig.vectors().get(j, k));
                }
            }
        }
        return out;
    }

    /** Components sorted by λ descending; modes 0..N−2 with each column's largest-magnitude entry positive. */
    private static CpTensor canonical(double[] lambda, List<DoubleMatrix> a) {
        int rank = lambda.length, order = a.size();
        Integer[] sorted = new Integer[rank];
        for (int r = 0; r < rank; r++) {
            sorted[r] = r;
        }
        java.util.Arrays.sort(sorted, (p, q) -> Double.compare(lambda[q], lambda[p]));
        double[] weights = new double[rank];
        List<DoubleMatrix> factors = new ArrayList<>();
        for (DoubleMatrix f : a) {
            DoubleMatrix g = DoubleMatrix.zeros(f.rows(), rank);
            for (int r = 0; r < rank; r++) {
                for (int i = 0; i < f.rows(); i++) {
                    g.set(i, r, f.get(i, sorted[r]));
                }
            }
            factors.add(g);
        }
        for (int r = 0; r < rank; r++) {
            weights[r] = lambda[sorted[r]];
            for (int n = 0; n < order - 1; n++) {
                DoubleMatrix f = factors.get(n);
                int best = 0;
                for (int i = 1; i < f.rows(); i++) {
                    if (Math.abs(f.get(i, r)) > Math.abs(f.get(best, r))) {
                        best = i;
                    }
                }
                if (f.get(best, r) < 0) {
                    DoubleMatrix last = factors.get(order - 1);
                    for (int i = 0; i < f.rows(); i++) {
                        f.set(i, r, -f.get(i, r));
                    }
                    for (int i = 0; i < last.rows(); i++) {
                        last.set(i, r, -last.get(i, r));
                    }
                }
            }
        }
        return new CpTensor(weights, factors);
    }
}
