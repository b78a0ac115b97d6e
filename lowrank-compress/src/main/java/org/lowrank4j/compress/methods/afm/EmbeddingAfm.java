package org.lowrank4j.compress.methods.afm;

import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.linalg.EigenResult;
import org.lowrank4j.linalg.Linalg;
import org.lowrank4j.linalg.decomposition.SymmetricEigen;

/**
 * AFM for an embedding table (spec c17, "embedding table compression"): the rows actually looked up are summarised by
 * their frequency-weighted mean μ and covariance Σ_e; with U_k the top-k eigenvectors of Σ_e, the V×d table E becomes
 * the V×k table {@code E' = (E − 1 μᵀ) U_k} followed by {@code e ≈ U_k e' + μ}. When the embedding feeds a linear
 * layer directly, that layer absorbs the expansion ({@link #fold}): {@code W ← W U_k}, {@code b ← b + W μ}, and only the
 * k-wide table remains. (The paper warns, and we repeat: folding is wrong when anything non-linear — a LayerNorm, an
 * interaction layer, attention — sits between the table and the layer, as in a transformer's embedding block, so the
 * CLI does not apply it to the transformers it compresses; this class is for models where the table feeds a layer.)
 *
 * <pre>
 *   EmbeddingAfm afm = EmbeddingAfm.fit(table, counts, 16);   // counts: how often each row was looked up
 *   DoubleMatrix small = afm.table();                          // V×16
 *   EmbeddingAfm.Folded fc = afm.fold(w, b);                   // the next layer, taking 16 inputs
 * </pre>
 */
public final class EmbeddingAfm {
    private final DoubleMatrix table; // E' (V×k)
    private final DoubleMatrix basis; // U_k (d×k)
    private final double[] mean;      // μ (d)
    private final double[] eigenvalues;

    private EmbeddingAfm(DoubleMatrix table, DoubleMatrix basis, double[] mean, double[] eigenvalues) {
        this.table = table;
        this.basis = basis;
        this.mean = mean;
        this.eigenvalues = eigenvalues;
    }

    /** A linear layer after folding: {@code y = weight · e' + bias}. */
    public record Folded(DoubleMatrix weight, double[] bias) {}

    /**
     * @param table  the V×d embedding table E
     * @param counts how many times each row was looked up in the data (frequency weights, length V; rows never
     *               looked up may have 0 and still get a compressed row)
     * @param k      kept dimensions, 1 ≤ k ≤ d
     * @throws IllegalArgumentException for mismatched lengths, negative or all-zero counts, non-finite values or k out of range
     */
    public static EmbeddingAfm fit(DoubleMatrix table, long[] counts, int k) {
        int v = table.rows(), d = table.cols();
        if (counts.length != v) {
            throw new IllegalArgumentException("afm embedding: " + counts.length + " counts for a table of " + v + " rows");
        }
        if (k < 1 || k > d) {
            throw new IllegalArgumentException("afm embedding: k must be in [1, " + d + "], got " + k);
        }
        Linalg.requireFinite("embedding table", table);
        long total = 0;
        for (long c : counts) {
            if (c < 0) {
                throw new IllegalArgumentException("afm embedding: a lookup count is negative (" + c + ")");
            }
            total += c;
        }
        if (total == 0) {
            throw new IllegalArgumentException("afm embedding: no row was looked up; the statistics need lookups");
        }
        double[] mean = new double[d];
        for (int r = 0; r < v; r++) {
            for (int j = 0; j < d; j++) {
                mean[j] += counts[r] * table.get(r, j) / total;
            }
        }
        DoubleMatrix covariance = DoubleMatrix.zeros(d, d); // Σ_r c_r (e_r − μ)(e_r − μ)ᵀ / total, float64
        for (int r = 0; r < v; r++) {
            if (counts[r] == 0) {
                continue;
            }
            double w = (double) counts[r] / total;
            for (int i = 0; i < d; i++) {
                double di = table.get(r, i) - mean[i];
                for (int j = 0; j < d; j++) {
                    covariance.set(i, j, covariance.get(i, j) + w * di * (table.get(r, j) - mean[j]));
                }
            }
        }
        EigenResult eigen = new SymmetricEigen().decompose(covariance);
        DoubleMatrix basis = eigen.vectors().colRange(0, k).copy();
        DoubleMatrix centred = table.copy();
        for (int r = 0; r < v; r++) {
            for (int j = 0; j < d; j++) {
                centred.set(r, j, centred.get(r, j) - mean[j]);
            }
        }
        return new EmbeddingAfm(Linalg.multiply(centred, basis), basis, mean, eigen.values().clone());
    }

    /** The compressed V×k table E'. */
    public DoubleMatrix table() {
        return table;
    }

    /** U_k (d×k). */
    public DoubleMatrix basis() {
        return basis;
    }

    /** The frequency-weighted mean row μ. */
    public double[] mean() {
        return mean.clone();
    }

    /** Eigenvalues of the covariance, descending: the frequency-weighted mean squared error of keeping k is the sum of those past k. */
    public double[] eigenvalues() {
        return eigenvalues.clone();
    }

    /** Row {@code r} expanded back to d dimensions, {@code U_k e'_r + μ}. */
    public double[] expand(int r) {
        double[] out = mean.clone();
        for (int i = 0; i < out.length; i++) {
            for (int c = 0; c < basis.cols(); c++) {
                out[i] += basis.get(i, c) * table.get(r, c);
            }
        }
        return out;
    }

    /**
     * Folds the expansion into the linear layer the table feeds: {@code W (U_k e' + μ) + b = (W U_k) e' + (b + W μ)}.
     *
     * @param weight the layer's m×d weight
     * @param bias   its bias (length m), or null for none
     */
    public Folded fold(DoubleMatrix weight, double[] bias) {
        if (weight.cols() != basis.rows()) {
            throw new IllegalArgumentException("afm embedding: the layer takes " + weight.cols() + " inputs, the table has " + basis.rows() + " columns");
        }
        if (bias != null && bias.length != weight.rows()) {
            throw new IllegalArgumentException("afm embedding: bias has " + bias.length + " values for " + weight.rows() + " outputs");
        }
        double[] b = bias == null ? new double[weight.rows()] : bias.clone();
        DoubleMatrix wMu = Linalg.multiply(weight, DoubleMatrix.wrap(mean.clone(), mean.length, 1));
        for (int i = 0; i < b.length; i++) {
            b[i] += wMu.get(i, 0);
        }
        return new Folded(Linalg.multiply(weight, basis), b);
    }
}
