package org.lowrank4j.algorithms.completion;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.linalg.Linalg;
import org.lowrank4j.linalg.SvdResult;
import org.lowrank4j.linalg.decomposition.Qr;

/**
 * Low-rank matrix completion by (robust) alternating minimisation: Gu, Song, Yin and Zhang, "Low Rank Matrix Completion
 * via Robust Alternating Minimization in Nearly Linear Time", ICLR 2024, arXiv:2302.11068, on top of the AltMin of Jain,
 * Netrapalli and Sanghavi (2013). Spec: ../shared/methods/15-matrix-completion-robust-altmin.md.
 *
 * <pre>
 * p = |Ω| / (m n)
 * init: Ũ = top-k left singular vectors of (1/p)·P_Ω₀(M)        (randomized subspace iteration on the sparse matrix)
 *       rows of Ũ with ‖row‖ &gt; 2μ·sqrt(k/m) set to 0; U₀ = QR(Ũ).Q  (the incoherence clipping)
 * for t = 0..T−1:
 *   V = argmin Σ_{Ω_{2t+1}} (M_ij − U[i]·V[j])²   one k×k system per column j;  V ← QR(V).Q
 *   U = argmin Σ_{Ω_{2t+2}} (M_ij − U[i]·V[j])²   one k×k system per row i
 *   stop when ‖P_Ω(M − U Vᵀ)‖/‖P_Ω(M)‖ &lt; tolerance (or it stalls); otherwise U ← QR(U).Q
 * X = U Vᵀ with the last U not orthonormalised (it carries the scale)
 * </pre>
 * Each system is (Σ_{i∈R_j} u_i u_iᵀ + λ I) v_j = Σ_{i∈R_j} M_ij u_i with λ = ridge · (its mean diagonal): Cholesky
 * (exact) or Jacobi-preconditioned conjugate gradient (never forms the k×k matrix: O(|R_j|·k) per CG step). With
 * {@link RobustAltMinOptions#sampleSplitting()} the parts Ω₀..Ω_{2T} are a seeded random partition of Ω; rows or
 * columns without an entry in a part keep a zero (then ridge-only) system, which is why a ridge is always added. When
 * the clipping rule would leave fewer than k non-zero rows (a matrix far from incoherent, such as a photo with a few
 * bright rows), the unclipped singular vectors are used.
 *
 * <p>Cost per iteration O(|Ω|·k²) for the exact solver. Everything is float64.
 */
public final class RobustAltMin {
    private final RobustAltMinOptions options;

    public RobustAltMin(RobustAltMinOptions options) {
        this.options = options;
    }

    /**
     * Completes the matrix from its observed entries.
     *
     * @throws IllegalArgumentException when the rank is above min(m, n) or above what the entries can determine, or a
     *                                  row or column has no observed entry
     */
    public CompletedMatrix complete(ObservedEntries observed) {
        // Every BLAS call here is small (QR of n×k, products of k-wide blocks): one BLAS thread avoids the collapse of
        // threaded OpenBLAS on shared cores (measured: soft-impute 20x slower with 2 threads on a loaded 2-core machine).
        return Linalg.withSingleThreadedBlas(() -> run(observed));
    }

    private CompletedMatrix run(ObservedEntries observed) {
        int m = observed.rows(), n = observed.cols(), k = options.rank();
        if (k > Math.min(m, n)) {
            throw new IllegalArgumentException("rank " + k + " is above the dimensions of the " + m + "x" + n + " matrix (at most " + Math.min(m, n) + ")");
        }
        observed.requireEveryRowAndColumn();
        if (observed.count() < (long) k * (m + n - k)) {
            throw new IllegalArgumentException(observed.count() + " observed entries cannot determine a rank-" + k + " " + m + "x" + n
                    + " matrix (it has " + (long) k * (m + n - k) + " degrees of freedom); lower the rank");
        }
        int parts = options.sampleSplitting() ? 2 * options.maxIterations() + 1 : 1;
        ObservedEntries[] part = split(observed, parts);
        double observedNorm = norm(observed);

        DoubleMatrix u = initialise(part[0], m, n, k);                                   // (m, k), orthonormal
        DoubleMatrix v = null;                                                           // (n, k)
        List<Double> residuals = new ArrayList<>();
        Qr qr = new Qr();
        int t = 0;
        while (t < options.maxIterations()) {
            ObservedEntries forV = part[Math.min(2 * t + 1, parts - 1)], forU = part[Math.min(2 * t + 2, parts - 1)];
            v = (DoubleMatrix) qr.decompose(solveColumns(forV, u)).q();
            u = solveRows(forU, v);
            t++;
            double residual = residual(observed, u, v) / observedNorm;
            residuals.add(residual);
            boolean stalled = residuals.size() > 1 && residual > (1 - 1e-5) * residuals.get(residuals.size() - 2);
            if (residual < options.tolerance() || stalled || t == options.maxIterations()) {
                break;
            }
            u = (DoubleMatrix) qr.decompose(u).q();
        }
        return new CompletedMatrix(u, v, t, residuals);
    }

    /** The clipped, re-orthonormalised top-k left singular vectors of (1/p)·P_Ω(M). */
    private DoubleMatrix initialise(ObservedEntries omega, int m, int n, int k) {
        double[] values = new double[omega.count()];
        for (int e = 0; e < values.length; e++) {
            values[e] = omega.value(e);
        }
        SparsePlusLowRank scaled = new SparsePlusLowRank(omega, values, 1 / omega.density(), null, null);
        SvdResult top = OperatorSvd.leading(scaled, k, 4, null, options.seed());
        DoubleMatrix u = (DoubleMatrix) top.u().toDouble().copy();
        double limit = 2 * options.incoherence() * Math.sqrt((double) k / m);
        double[] d = u.data();
        int clipped = 0;
        for (int i = 0; i < m; i++) {
            double sq = 0;
            for (int c = 0; c < k; c++) {
                sq += d[i * k + c] * d[i * k + c];
            }
            if (Math.sqrt(sq) > limit) {
                java.util.Arrays.fill(d, i * k, (i + 1) * k, 0);
                clipped++;
            }
        }
        if (clipped > m - k) { // too few rows left to span k directions: clipping cannot apply to this matrix
            u = (DoubleMatrix) top.u().toDouble().copy();
        }
        return (DoubleMatrix) new Qr().decompose(u).q();
    }

    /** For each column j: argmin over v of Σ_{i∈R_j} (M_ij − u_i·v)²; returns V (n, k). */
    private DoubleMatrix solveColumns(ObservedEntries omega, DoubleMatrix u) {
        int n = omega.cols(), k = u.cols();
        DoubleMatrix v = DoubleMatrix.zeros(n, k);
        LeastSquares ls = new LeastSquares(k, options);
        double[] ud = u.data(), vd = v.data();
        for (int j = 0; j < n; j++) {
            ls.reset();
            for (int q = omega.colStart(j); q < omega.colStart(j + 1); q++) {
                int e = omega.columnEntry(q);
                ls.add(ud, omega.row(e) * k, omega.value(e));
            }
            ls.solveInto(vd, j * k);
        }
        return v;
    }

    /** For each row i: argmin over u of Σ_{j∈C_i} (M_ij − u·v_j)²; returns U (m, k). */
    private DoubleMatrix solveRows(ObservedEntries omega, DoubleMatrix v) {
        int m = omega.rows(), k = v.cols();
        DoubleMatrix u = DoubleMatrix.zeros(m, k);
        LeastSquares ls = new LeastSquares(k, options);
        double[] ud = u.data(), vd = v.data();
        for (int i = 0; i < m; i++) {
            ls.reset();
            for (int e = omega.rowStart(i); e < omega.rowStart(i + 1); e++) {
                ls.add(vd, omega.col(e) * k, omega.value(e));
            }
            ls.solveInto(ud, i * k);
        }
        return u;
    }

    private ObservedEntries[] split(ObservedEntries observed, int parts) {
        if (parts == 1) {
            return new ObservedEntries[] {observed};
        }
        Random random = new Random(options.seed() ^ 0x5DEECE66DL);
        int[] label = new int[observed.count()];
        for (int e = 0; e < label.length; e++) {
            label[e] = random.nextInt(parts);
        }
        ObservedEntries[] result = new ObservedEntries[parts];
        for (int p = 0; p < parts; p++) {
            boolean[] keep = new boolean[label.length];
            for (int e = 0; e < label.length; e++) {
                keep[e] = label[e] == p;
            }
            result[p] = observed.subset(keep);
        }
        return result;
    }

    static double norm(ObservedEntries observed) {
        double sum = 0;
        for (int e = 0; e < observed.count(); e++) {
            sum += observed.value(e) * observed.value(e);
        }
        return sum == 0 ? 1 : Math.sqrt(sum);
    }

    /** ‖P_Ω(M − U Vᵀ)‖_F. */
    static double residual(ObservedEntries observed, DoubleMatrix u, DoubleMatrix v) {
        int k = u.cols();
        double[] ud = u.data(), vd = v.data();
        double sum = 0;
        for (int e = 0; e < observed.count(); e++) {
            int io = observed.row(e) * k, jo = observed.col(e) * k;
            double x = 0;
            for (int c = 0; c < k; c++) {
                x += ud[io + c] * vd[jo + c];
            }
            double d = observed.value(e) - x;
            sum += d * d;
        }
        return Math.sqrt(sum);
    }
}
