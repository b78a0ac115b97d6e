package org.lowrank4j.linalg.dictionary;

import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.linalg.Linalg;

/**
 * K-SVD dictionary learning (Aharon, Elad and Bruckstein, 2006): {@code min ‖X − D C‖_F} over a dictionary D (n×k,
 * unit-norm atoms) and codes C (k×m) with at most s non-zeros per column, by alternating
 * <ol>
 *   <li>sparse coding with {@link BatchOmp} (a column keeps its previous code when OMP's greedy code fits it worse on
 *       the current dictionary, so the objective never increases);</li>
 *   <li>an atom-by-atom update: for atom i and the columns J that use it, the residual with the atom's contribution put
 *       back, {@code E = X_J − Σ_{l≠i} d_l c^l_J}, is fitted by a rank-one {@code σ u vᵀ} (power iterations on E Eᵀ
 *       started from the current atom, which can only lower ‖E − d cᵀ‖), then {@code d_i = u}, {@code c^i_J = σ v};
 *       an atom no column uses is replaced by the worst-fitted column, normalised.</li>
 * </ol>
 * After the last iteration the codes are refitted by least squares on their supports ({@link BatchOmp#refit}).
 * Deterministic: no random numbers; the initial dictionary is the caller's.
 *
 * @param iterations      T, coding + update rounds (0 only codes and refits the initial dictionary)
 * @param powerIterations power iterations per rank-one atom update (1 is Rubinstein's approximate K-SVD)
 */
public record Ksvd(int iterations, int powerIterations) {

    public Ksvd {
        if (iterations < 0 || powerIterations < 1) {
            throw new IllegalArgumentException("K-SVD needs iterations ≥ 0 and powerIterations ≥ 1, got " + iterations + " and " + powerIterations);
        }
    }

    /**
     * Learns from {@code signals} (n×m, one signal per column) starting from {@code initial} (n×k; atoms are normalised
     * first, a zero atom is replaced by the worst-fitted column).
     *
     * @throws IllegalArgumentException for mismatched shapes, non-finite input or {@code sparsity < 1}
     */
    public KsvdResult learn(DoubleMatrix signals, DoubleMatrix initial, int sparsity) {
        if (signals.rows() != initial.rows()) {
            throw new IllegalArgumentException("K-SVD: the initial dictionary is " + initial.shape() + " but the signals are " + signals.shape());
        }
        if (sparsity < 1) {
            throw new IllegalArgumentException("K-SVD: sparsity must be at least 1, got " + sparsity);
        }
        Linalg.requireFinite("K-SVD signals", signals);
        Linalg.requireFinite("K-SVD initial dictionary", initial);
        DoubleMatrix x = signals.compact().copy();
        DoubleMatrix d = initial.copy();
        int k = d.cols();
        double[] errors = new double[iterations + 2];
        normalise(d, x);
        SparseCodes codes = BatchOmp.codeFromGram(Linalg.gram(d), Linalg.multiply(d.transpose(), x), sparsity);
        DoubleMatrix residual = residual(x, d, codes);
        errors[0] = residual.frobeniusNorm();
        for (int it = 1; it <= iterations; it++) {
            updateAtoms(x, d, codes, residual);
            DoubleMatrix gram = Linalg.gram(d);
            DoubleMatrix corr = Linalg.multiply(d.transpose(), x);
            codes = keepBetter(x, gram, corr, codes, BatchOmp.codeFromGram(gram, corr, sparsity));
            residual = residual(x, d, codes);
            errors[it] = residual.frobeniusNorm();
        }
        SparseCodes refit = BatchOmp.refit(Linalg.gram(d), Linalg.multiply(d.transpose(), x), codes);
        DoubleMatrix refitResidual = residual(x, d, refit);
        if (refitResidual.frobeniusNorm() <= errors[iterations]) {
            codes = refit;
            residual = refitResidual;
        }
        errors[iterations + 1] = residual.frobeniusNorm();
        assert k == d.cols();
        return new KsvdResult(d, codes, errors);
    }

    /** X − D C (n×m). */
    static DoubleMatrix residual(DoubleMatrix x, DoubleMatrix d, SparseCodes codes) {
        DoubleMatrix r = x.copy();
        int n = x.rows();
        double[] rd = r.data();
        DoubleMatrix dc = d.compact();
        int m = x.cols();
        for (int j = 0; j < m; j++) {
            for (int t = 0; t < codes.sparsity(); t++) {
                int i = codes.index(j, t);
                if (i >= 0) {
                    double v = codes.value(j, t);
                    for (int row = 0; row < n; row++) {
                        rd[row * m + j] -= v * dc.get(row, i);
                    }
                }
            }
        }
        return r;
    }

    /** Per column, the code of {@code candidate} unless {@code previous} fits that column better on the current dictionary. */
    private static SparseCodes keepBetter(DoubleMatrix x, DoubleMatrix gram, DoubleMatrix corr, SparseCodes previous, SparseCodes candidate) {
        int m = x.cols(), s = candidate.sparsity();
        int[] idx = candidate.indices().clone();
        double[] val = candidate.values().clone();
        for (int j = 0; j < m; j++) {
            if (misfit(gram, corr, previous, j) < misfit(gram, corr, candidate, j)) {
                for (int t = 0; t < s; t++) {
                    idx[j * s + t] = previous.index(j, t);
                    val[j * s + t] = previous.value(j, t);
                }
            }
        }
        return new SparseCodes(candidate.atoms(), m, s, idx, val);
    }

    /** ‖x_j − D c_j‖² − ‖x_j‖² = cᵀ G c − 2 cᵀ (Dᵀx_j), from the Gram and the correlations. */
    private static double misfit(DoubleMatrix gram, DoubleMatrix corr, SparseCodes codes, int j) {
        double q = 0, lin = 0;
        for (int t = 0; t < codes.sparsity(); t++) {
            int a = codes.index(j, t);
            if (a < 0) {
                continue;
            }
            double ca = codes.value(j, t);
            lin += ca * corr.get(a, j);
            for (int u = 0; u < codes.sparsity(); u++) {
                int b = codes.index(j, u);
                if (b >= 0) {
                    q += ca * codes.value(j, u) * gram.get(a, b);
                }
            }
        }
        return q - 2 * lin;
    }

    /** The atom-by-atom update; keeps {@code residual} = X − D C current and rewrites atoms of D and values of C in place. */
    private void updateAtoms(DoubleMatrix x, DoubleMatrix d, SparseCodes codes, DoubleMatrix residual) {
        int n = x.rows(), m = x.cols(), k = d.cols(), s = codes.sparsity();
        double[] r = residual.data();
        double[] values = codes.values();
        // Slots that use each atom: (column, slot) pairs.
        int[] counts = new int[k];
        for (int i : codes.indices()) {
            if (i >= 0) {
                counts[i]++;
            }
        }
        int[][] users = new int[k][];
        for (int i = 0; i < k; i++) {
            users[i] = new int[counts[i]];
        }
        int[] fill = new int[k];
        for (int p = 0; p < codes.indices().length; p++) {
            int i = codes.indices()[p];
            if (i >= 0) {
                users[i][fill[i]++] = p;
            }
        }
        double[] atom = new double[n];
        boolean[] taken = new boolean[m];
        for (int i = 0; i < k; i++) {
            int[] slots = users[i];
            if (slots.length == 0) {
                replaceUnused(d, i, residual, taken);
                continue;
            }
            int size = slots.length;
            double[] e = new double[n * size]; // E (n×|J|), column-major by user
            for (int u = 0; u < size; u++) {
                int j = slots[u] / s;
                double c = values[slots[u]];
                for (int row = 0; row < n; row++) {
                    e[u * n + row] = r[row * m + j] + d.get(row, i) * c;
                }
            }
            for (int row = 0; row < n; row++) {
                atom[row] = d.get(row, i);
            }
            double[] v = new double[size];
            double norm = 0;
            for (int p = 0; p < powerIterations; p++) {
                // v = Eᵀ atom; atom = E v / ‖E v‖
                for (int u = 0; u < size; u++) {
                    double dot = 0;
                    for (int row = 0; row < n; row++) {
                        dot += e[u * n + row] * atom[row];
                    }
                    v[u] = dot;
                }
                java.util.Arrays.fill(atom, 0);
                for (int u = 0; u < size; u++) {
                    double vu = v[u];
                    for (int row = 0; row < n; row++) {
                        atom[row] += e[u * n + row] * vu;
                    }
                }
                norm = 0;
                for (double a : atom) {
                    norm += a * a;
                }
                norm = Math.sqrt(norm);
                if (norm == 0) {
                    break;
                }
                for (int row = 0; row < n; row++) {
                    atom[row] /= norm;
                }
            }
            if (norm == 0) {
                continue; // E is zero on these columns: nothing to fit, keep the atom and its (zero-effect) codes
            }
            for (int u = 0; u < size; u++) { // c^i_J = Eᵀ atom
                double dot = 0;
                for (int row = 0; row < n; row++) {
                    dot += e[u * n + row] * atom[row];
                }
                v[u] = dot;
            }
            for (int row = 0; row < n; row++) {
                d.set(row, i, atom[row]);
            }
            for (int u = 0; u < size; u++) {
                int j = slots[u] / s;
                values[slots[u]] = v[u];
                for (int row = 0; row < n; row++) {
                    r[row * m + j] = e[u * n + row] - atom[row] * v[u];
                }
            }
        }
    }

    /**
     * Atom i, used by no column, becomes the normalised residual of the worst-fitted column not yet {@code taken} by
     * another replacement (codes unchanged, so the objective is too).
     */
    private static void replaceUnused(DoubleMatrix d, int i, DoubleMatrix residual, boolean[] taken) {
        int n = residual.rows(), m = residual.cols();
        int worst = -1;
        double worstNorm = 0;
        for (int j = 0; j < m; j++) {
            if (taken[j]) {
                continue;
            }
            double sq = 0;
            for (int row = 0; row < n; row++) {
                double v = residual.get(row, j);
                sq += v * v;
            }
            if (sq > worstNorm) {
                worstNorm = sq;
                worst = j;
            }
        }
        if (worst < 0) {
            return;
        }
        taken[worst] = true;
        double norm = Math.sqrt(worstNorm);
        for (int row = 0; row < n; row++) {
            d.set(row, i, residual.get(row, worst) / norm);
        }
    }

    /** Scales every atom to unit norm; a zero atom becomes the largest column of X not yet taken, normalised. */
    private static void normalise(DoubleMatrix d, DoubleMatrix x) {
        int n = d.rows(), k = d.cols();
        boolean[] taken = new boolean[x.cols()];
        for (int i = 0; i < k; i++) {
            double sq = 0;
            for (int row = 0; row < n; row++) {
                sq += d.get(row, i) * d.get(row, i);
            }
            if (sq > 0) {
                double norm = Math.sqrt(sq);
                for (int row = 0; row < n; row++) {
                    d.set(row, i, d.get(row, i) / norm);
                }
            } else {
                replaceUnused(d, i, x, taken);
            }
        }
    }
}
