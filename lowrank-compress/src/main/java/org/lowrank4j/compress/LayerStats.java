package org.lowrank4j.compress;

import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.linalg.Linalg;

/**
 * Calibration statistics of one linear layer's input, accumulated in float64 and streaming: memory is n² + n
 * doubles whatever the amount of text. Holds the Gram {@code G = Σ_t x_t x_tᵀ} (a sum, not a mean), the sum of
 * |x_j| per input channel and the number of tokens seen.
 */
public final class LayerStats {
    private final int features;
    private final DoubleMatrix gram;
    private final double[] absSum;
    private long tokens;

    public LayerStats(int features) {
        if (features < 1) {
            throw new IllegalArgumentException("a layer input needs at least one feature, got " + features);
        }
        this.features = features;
        this.gram = DoubleMatrix.zeros(features, features);
        this.absSum = new double[features];
    }

    /** Restores statistics saved earlier (see {@link #gram()}, {@link #absSum()}, {@link #tokens()}). */
    public static LayerStats of(DoubleMatrix gram, double[] absSum, long tokens) {
        LayerStats s = new LayerStats(gram.rows());
        if (gram.cols() != gram.rows() || absSum.length != gram.rows()) {
            throw new IllegalArgumentException("saved statistics disagree: Gram " + gram.shape() + ", " + absSum.length + " channel sums");
        }
        s.gram.assign(gram);
        System.arraycopy(absSum, 0, s.absSum, 0, absSum.length);
        s.tokens = tokens;
        return s;
    }

    /**
     * Adds {@code count} token rows (row-major, {@code count × features}) read from {@code rows} starting at
     * {@code offset}. Rows are widened to float64 and added with a symmetric rank-k update (BLAS dsyrk).
     */
    public void accumulate(float[] rows, int offset, int count) {
        if (count == 0) {
            return;
        }
        if (offset < 0 || (long) offset + (long) count * features > rows.length) {
            throw new IllegalArgumentException(count + " rows of " + features + " features do not fit an array of " + rows.length + " from " + offset);
        }
        double[] batch = new double[count * features];
        for (int i = 0; i < batch.length; i++) {
            float v = rows[offset + i];
            if (!Float.isFinite(v)) {
                throw new IllegalArgumentException("calibration activation " + v + " at token " + (i / features) + ", channel " + (i % features)
                        + " is not finite; the model produces NaN/Inf on this text");
            }
            batch[i] = v;
            absSum[i % features] += Math.abs(v);
        }
        Linalg.backend().addGram(DoubleMatrix.wrap(batch, count, features), gram);
        tokens += count;
    }

    /** Adds another accumulation of the same layer (e.g. from a second worker). */
    public void merge(LayerStats other) {
        if (other.features != features) {
            throw new IllegalArgumentException("cannot merge statistics of " + other.features + " features into " + features);
        }
        double[] g = gram.data(), h = other.gram.data();
        for (int i = 0; i < g.length; i++) {
            g[i] += h[i];
        }
        for (int j = 0; j < features; j++) {
            absSum[j] += other.absSum[j];
        }
        tokens += other.tokens;
    }

    public int features() {
        return features;
    }

    /** The Gram sum Σ x xᵀ (live view; do not modify). */
    public DoubleMatrix gram() {
        return gram;
    }

    /** Σ |x_j| per channel (live view; do not modify). */
    public double[] absSum() {
        return absSum;
    }

    /** mean |x_j| per channel over all tokens seen. */
    public double[] meanAbs() {
        double[] mean = new double[features];
        for (int j = 0; j < features; j++) {
            mean[j] = tokens == 0 ? 0 : absSum[j] / tokens;
        }
        return mean;
    }

    public long tokens() {
        return tokens;
    }
}
