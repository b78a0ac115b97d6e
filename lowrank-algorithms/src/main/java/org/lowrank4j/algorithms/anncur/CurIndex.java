package org.lowrank4j.algorithms.anncur;

import java.util.Arrays;
import org.lowrank4j.linalg.DenseMatrix;
import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.linalg.SvdResult;
import org.lowrank4j.linalg.decomposition.ExactSvd;

/**
 * ANNCUR's offline index: item "embeddings" E = pinv(R[:, I_anc]) · R from the exact scores R (k_q × |I|) of k_q anchor
 * queries against every item and k_i anchor items I_anc. A test query's scores c (1 × k_i) against the anchor items then
 * give approximate scores for every item, ŝ = c · E (1 × |I|): the CUR approximation C · U · R of the score matrix with
 * C the query's (unseen) anchor columns and U = pinv(R[:, I_anc]). Exact when the score matrix has rank ≤ k_i and the
 * intersection block has the same rank. Float64 throughout.
 *
 * @param anchorItems sorted, distinct item numbers (k_i)
 * @param latent      E, k_i rows × |I| columns (row-major): column j is item j's latent vector
 * @param kept        singular values of the intersection block above the cutoff (the rank of U)
 */
public record CurIndex(int[] anchorItems, double[][] latent, int kept) {
    /** The spec's pseudo-inverse cutoff: singular values below 1e-6 · σ_max of the intersection block count as zero. */
    public static final double RELATIVE_CUTOFF = 1e-6;

    public int items() {
        return latent[0].length;
    }

    /**
     * Builds the index.
     *
     * @param anchorRows  R: the exact scores of each anchor query (k_q rows) against every item (|I| columns)
     * @param anchorItems k_i item numbers (any order; sorted here)
     * @throws IllegalArgumentException for no anchor query, rows of different lengths or with non-finite scores, anchor
     *                                  items out of range or repeated, or more anchor items than items
     */
    public static CurIndex build(double[][] anchorRows, int[] anchorItems) {
        if (anchorRows.length == 0 || anchorRows[0].length == 0) {
            throw new IllegalArgumentException("the CUR index needs at least one anchor query scored against at least one item");
        }
        int n = anchorRows[0].length, kq = anchorRows.length;
        for (int q = 0; q < kq; q++) {
            if (anchorRows[q].length != n) {
                throw new IllegalArgumentException("anchor query " + q + " has " + anchorRows[q].length + " item scores but query 0 has " + n);
            }
            for (int j = 0; j < n; j++) {
                if (!Double.isFinite(anchorRows[q][j])) {
                    throw new IllegalArgumentException("anchor query " + q + " has a non-finite score (" + anchorRows[q][j] + ") for item " + j);
                }
            }
        }
        int[] anchors = checkedAnchors(anchorItems, n);
        int ki = anchors.length;
        DoubleMatrix intersection = DoubleMatrix.zeros(kq, ki); // R[:, I_anc] (k_q × k_i)
        for (int q = 0; q < kq; q++) {
            for (int a = 0; a < ki; a++) {
                intersection.set(q, a, anchorRows[q][anchors[a]]);
            }
        }
        double[][] pinv = new double[ki][kq]; // U = pinv(R[:, I_anc]) = V Σ⁺ Uᵀ (k_i × k_q)
        SvdResult svd = new ExactSvd().decompose(intersection);
        DenseMatrix u = svd.u(), vt = svd.vt();
        double[] s = svd.s();
        double cutoff = s.length == 0 ? 0 : RELATIVE_CUTOFF * s[0];
        int kept = 0;
        for (int r = 0; r < s.length; r++) {
            if (!(s[r] > cutoff)) {
                continue;
            }
            kept++;
            for (int a = 0; a < ki; a++) {
                double va = vt.get(r, a) / s[r];
                for (int q = 0; q < kq; q++) {
                    pinv[a][q] += va * u.get(q, r);
                }
            }
        }
        double[][] latent = new double[ki][n]; // E = U R (k_i × |I|)
        for (int a = 0; a < ki; a++) {
            for (int q = 0; q < kq; q++) {
                double w = pinv[a][q];
                if (w == 0) {
                    continue;
                }
                double[] row = anchorRows[q];
                for (int j = 0; j < n; j++) {
                    latent[a][j] += w * row[j];
                }
            }
        }
        return new CurIndex(anchors, latent, kept);
    }

    /**
     * Approximate scores of every item, ŝ = c · E.
     *
     * @param anchorScores the query's exact scores against {@link #anchorItems()}, in that (sorted) order
     */
    public double[] approximate(double[] anchorScores) {
        if (anchorScores.length != anchorItems.length) {
            throw new IllegalArgumentException("the index has " + anchorItems.length + " anchor items but " + anchorScores.length
                    + " anchor scores were given");
        }
        double[] out = new double[items()];
        for (int a = 0; a < anchorScores.length; a++) {
            double c = anchorScores[a];
            double[] row = latent[a];
            for (int j = 0; j < out.length; j++) {
                out[j] += c * row[j];
            }
        }
        return out;
    }

    /** k distinct item numbers out of n drawn uniformly with {@code seed}, sorted. */
    public static int[] randomAnchors(int n, int k, long seed) {
        if (k < 1 || k > n) {
            throw new IllegalArgumentException("cannot draw " + k + " anchor items out of " + n + " items: k_i must be in [1, " + n + "]");
        }
        return org.lowrank4j.linalg.decomposition.RandomSubset.draw(n, k, seed);
    }

    private static int[] checkedAnchors(int[] anchorItems, int n) {
        if (anchorItems.length == 0) {
            throw new IllegalArgumentException("the CUR index needs at least one anchor item");
        }
        if (anchorItems.length > n) {
            throw new IllegalArgumentException(anchorItems.length + " anchor items but only " + n + " items: k_i must be at most the item count");
        }
        int[] sorted = anchorItems.clone();
        Arrays.sort(sorted);
        for (int a = 0; a < sorted.length; a++) {
            if (sorted[a] < 0 || sorted[a] >= n) {
                throw new IllegalArgumentException("anchor item " + sorted[a] + " is outside the " + n + " items");
            }
            if (a > 0 && sorted[a] == sorted[a - 1]) {
                throw new IllegalArgumentException("anchor item " + sorted[a] + " is given twice");
            }
        }
        return sorted;
    }
}
