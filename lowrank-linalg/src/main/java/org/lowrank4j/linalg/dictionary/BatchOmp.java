package org.lowrank4j.linalg.dictionary;

import java.util.stream.IntStream;
import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.linalg.Linalg;

/**
 * Orthogonal matching pursuit for many signals at once, from the dictionary's Gram {@code G = DᵀD} (k×k) and the
 * correlations {@code A = DᵀX} (k×m) alone (Batch-OMP, Rubinstein, Zibulevsky and Elad, 2008). Per column x with
 * correlations α⁰ = Dᵀx: repeatedly add the atom with the largest |α_i| outside the support, extend the Cholesky factor
 * L of {@code G_II} by one row, solve {@code L Lᵀ γ = α⁰_I} (the least-squares code on the support) and set
 * {@code α = α⁰ − G_{:,I} γ} (the residual's correlations), until s atoms are chosen, the residual is orthogonal to
 * every atom, or the next atom is linearly dependent on the support. The squared residual of a column is
 * {@code ‖x‖² − γᵀα⁰_I}.
 *
 * <p>Atoms should have unit norm: OMP ranks atoms by raw correlation, so a long atom is picked over a better short one.
 * Columns are coded in parallel (each on its own, so the output does not depend on the thread count).
 */
public final class BatchOmp {

    private BatchOmp() {
    }

    /** Codes every column of {@code signals} (n×m) over {@code dictionary} (n×k) with at most {@code sparsity} atoms. */
    public static SparseCodes code(DoubleMatrix dictionary, DoubleMatrix signals, int sparsity) {
        if (dictionary.rows() != signals.rows()) {
            throw new IllegalArgumentException("OMP: the dictionary is " + dictionary.shape() + " but the signals are " + signals.shape()
                    + "; both need one row per signal coordinate");
        }
        Linalg.requireFinite("OMP dictionary", dictionary);
        Linalg.requireFinite("OMP signals", signals);
        return codeFromGram(Linalg.gram(dictionary), Linalg.multiply(dictionary.transpose(), signals), sparsity);
    }

    /**
     * Codes from the precomputed Gram {@code G = DᵀD} (k×k) and correlations {@code DᵀX} (k×m).
     *
     * @throws IllegalArgumentException when the shapes disagree or {@code sparsity < 1}
     */
    public static SparseCodes codeFromGram(DoubleMatrix gram, DoubleMatrix correlations, int sparsity) {
        int k = gram.rows();
        if (gram.cols() != k || correlations.rows() != k) {
            throw new IllegalArgumentException("OMP: the Gram is " + gram.shape() + " and the correlations " + correlations.shape()
                    + "; expected k×k and k×m");
        }
        if (sparsity < 1) {
            throw new IllegalArgumentException("OMP: sparsity must be at least 1, got " + sparsity);
        }
        int m = correlations.cols();
        int s = Math.min(sparsity, k);
        double[] g = gram.compact().data(); // row i = column i (symmetric)
        DoubleMatrix alphaT = correlations.transpose().copy(); // m×k: row j = α⁰ of column j
        double[] a0 = alphaT.data();
        int[] indices = new int[m * sparsity];
        double[] values = new double[m * sparsity];
        java.util.Arrays.fill(indices, -1);
        IntStream.range(0, m).parallel().forEach(j -> codeColumn(g, k, a0, j * k, s, indices, values, j * sparsity));
        return new SparseCodes(k, m, sparsity, indices, values);
    }

    /** OMP of one column; writes its support and code into the output arrays at {@code outOffset}. */
    private static void codeColumn(double[] g, int k, double[] a0, int aOffset, int s, int[] outIdx, double[] outVal, int outOffset) {
        double[] alpha = new double[k];
        System.arraycopy(a0, aOffset, alpha, 0, k);
        double scale = 0;
        for (double v : alpha) {
            scale = Math.max(scale, Math.abs(v));
        }
        if (scale == 0) {
            return;
        }
        boolean[] chosen = new boolean[k];
        int[] support = new int[s];
        double[] l = new double[s * s]; // row-major lower-triangular Cholesky factor of G_II
        double[] w = new double[s];
        double[] gamma = new double[s];
        int count = 0;
        while (count < s) {
            int best = -1;
            double bestAbs = 1e-12 * scale;
            for (int i = 0; i < k; i++) {
                if (!chosen[i] && Math.abs(alpha[i]) > bestAbs) {
                    bestAbs = Math.abs(alpha[i]);
                    best = i;
                }
            }
            if (best < 0) {
                break; // the residual is orthogonal to every remaining atom
            }
            // Extend L: solve L w = G_{I,best}, then the new diagonal is sqrt(G_bb − wᵀw).
            double diag = g[best * k + best];
            for (int t = 0; t < count; t++) {
                double v = g[support[t] * k + best];
                for (int u = 0; u < t; u++) {
                    v -= l[t * s + u] * w[u];
                }
                w[t] = v / l[t * s + t];
                diag -= w[t] * w[t];
            }
            if (!(diag > 1e-10 * g[best * k + best])) {
                chosen[best] = true; // linearly dependent on the support: never pick it again
                alpha[best] = 0;
                continue;
            }
            for (int u = 0; u < count; u++) {
                l[count * s + u] = w[u];
            }
            l[count * s + count] = Math.sqrt(diag);
            support[count++] = best;
            chosen[best] = true;
            solveOnSupport(l, s, count, support, a0, aOffset, gamma);
            // α = α⁰ − G_{:,I} γ (rows of the symmetric G are its columns).
            System.arraycopy(a0, aOffset, alpha, 0, k);
            for (int t = 0; t < count; t++) {
                double c = gamma[t];
                int row = support[t] * k;
                for (int i = 0; i < k; i++) {
                    alpha[i] -= c * g[row + i];
                }
            }
        }
        for (int t = 0; t < count; t++) {
            outIdx[outOffset + t] = support[t];
            outVal[outOffset + t] = gamma[t];
        }
    }

    /** γ with {@code L Lᵀ γ = α⁰_I} for the first {@code count} support atoms. */
    static void solveOnSupport(double[] l, int stride, int count, int[] support, double[] a0, int aOffset, double[] gamma) {
        for (int t = 0; t < count; t++) { // forward: L z = α⁰_I
            double v = a0[aOffset + support[t]];
            for (int u = 0; u < t; u++) {
                v -= l[t * stride + u] * gamma[u];
            }
            gamma[t] = v / l[t * stride + t];
        }
        for (int t = count - 1; t >= 0; t--) { // backward: Lᵀ γ = z
            double v = gamma[t];
            for (int u = t + 1; u < count; u++) {
                v -= l[u * stride + t] * gamma[u];
            }
            gamma[t] = v / l[t * stride + t];
        }
    }

    /**
     * Least-squares refit of given supports: for each column, the code on its support that minimises
     * ‖x − D_I c‖ (the support kept, the values re-solved), from the same Gram and correlations. A support whose Gram
     * is singular keeps the atoms that are independent, in slot order.
     */
    public static SparseCodes refit(DoubleMatrix gram, DoubleMatrix correlations, SparseCodes codes) {
        int k = gram.rows(), m = codes.columns(), s = codes.sparsity();
        if (gram.cols() != k || correlations.rows() != k || correlations.cols() != m || codes.atoms() != k) {
            throw new IllegalArgumentException("OMP refit: Gram " + gram.shape() + ", correlations " + correlations.shape()
                    + " and codes over " + codes.atoms() + " atoms for " + m + " columns disagree");
        }
        double[] g = gram.compact().data();
        double[] a0 = correlations.transpose().copy().data();
        int[] indices = new int[m * s];
        double[] values = new double[m * s];
        java.util.Arrays.fill(indices, -1);
        IntStream.range(0, m).parallel().forEach(j -> {
            int[] support = new int[s];
            double[] l = new double[s * s];
            double[] gamma = new double[s];
            int count = 0;
            for (int t = 0; t < s; t++) {
                int atom = codes.index(j, t);
                if (atom < 0) {
                    continue;
                }
                double diag = g[atom * k + atom];
                double[] w = new double[count];
                for (int u = 0; u < count; u++) {
                    double v = g[support[u] * k + atom];
                    for (int q = 0; q < u; q++) {
                        v -= l[u * s + q] * w[q];
                    }
                    w[u] = v / l[u * s + u];
                    diag -= w[u] * w[u];
                }
                if (!(diag > 1e-10 * g[atom * k + atom])) {
                    continue;
                }
                System.arraycopy(w, 0, l, count * s, count);
                l[count * s + count] = Math.sqrt(diag);
                support[count++] = atom;
            }
            solveOnSupport(l, s, count, support, a0, j * k, gamma);
            for (int t = 0; t < count; t++) {
                indices[j * s + t] = support[t];
                values[j * s + t] = gamma[t];
            }
        });
        return new SparseCodes(k, m, s, indices, values);
    }
}
