package org.lowrank4j.compress;

import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.linalg.Linalg;

/**
 * Calibration statistics of one linear layer's input, accumulated in float64 and streaming: memory is n² + n
 * doubles whatever the amount of text. Holds the Gram {@code G = Σ_t x_t x_tᵀ} (a sum, not a mean), the sums of
 * |x_j| and of x_j per input channel, and the number of tokens seen.
 *
 * <p>Optional statistics serve the methods that need more than the input Gram:
 * <ul>
 *   <li>{@link #compressedPrefix()}: the same site's input statistics x_c in the model whose earlier blocks are
 *       already compressed (sequential methods: SVD-LLM's update, c04; SAES-SVD, c05). The Gram of this object
 *       stays the original model's; the prefix object has its own Gram (of x_c) and, when asked, the cross moment
 *       {@link #cross()} {@code H = Σ_t x_f,t x_c,tᵀ} between original-model inputs x_f and x_c over the same tokens.</li>
 *   <li>{@link #fisher()}: the empirical Fisher {@code F = Σ_d (∂L_d/∂W)²} of the site's weight over calibration
 *       samples d (FWSVD, c02).</li>
 * </ul>
 */
public final class LayerStats {
    private final int features;
    private final DoubleMatrix gram;
    private final double[] absSum;
    private double[] sum;              // Σ x_j per channel, or null for statistics saved without it
    private double[] absMax;           // max_t |x_tj| per channel, or null for statistics saved without it
    private long tokens;
    private DoubleMatrix cross;        // Σ x_f x_cᵀ (n×n): original-model input times compressed-prefix input, or null
    private long crossTokens;
    private DoubleMatrix fisher;       // Σ_d (∂L_d/∂W)² (m×n), or null
    private long fisherSamples;
    private LayerStats compressedPrefix; // the same site's input statistics in the partly compressed model, or null

    public LayerStats(int features) {
        if (features < 1) {
            throw new IllegalArgumentException("a layer input needs at least one feature, got " + features);
        }
        this.features = features;
        this.gram = DoubleMatrix.zeros(features, features);
        this.absSum = new double[features];
        this.sum = new double[features];
        this.absMax = new double[features];
    }

    /**
     * Restores statistics saved earlier without the signed channel sums (see {@link #gram()}, {@link #absSum()},
     * {@link #tokens()}); {@link #mean()} is then unavailable.
     */
    public static LayerStats of(DoubleMatrix gram, double[] absSum, long tokens) {
        LayerStats s = of(gram, absSum, new double[gram.rows()], tokens);
        s.sum = null;
        return s;
    }

    /** Restores statistics saved earlier (see {@link #gram()}, {@link #absSum()}, {@link #sum()}, {@link #tokens()}). */
    public static LayerStats of(DoubleMatrix gram, double[] absSum, double[] sum, long tokens) {
        LayerStats s = new LayerStats(gram.rows());
        if (gram.cols() != gram.rows() || absSum.length != gram.rows() || sum.length != gram.rows()) {
            throw new IllegalArgumentException("saved statistics disagree: Gram " + gram.shape() + ", " + absSum.length + " and " + sum.length
                    + " channel sums");
        }
        s.gram.assign(gram);
        System.arraycopy(absSum, 0, s.absSum, 0, absSum.length);
        System.arraycopy(sum, 0, s.sum, 0, sum.length);
        s.tokens = tokens;
        s.absMax = null;
        return s;
    }

    /**
     * Restores the per-channel absolute maxima saved beside the other statistics (see {@link #absMax()}); returns this.
     *
     * @throws IllegalArgumentException when there is not one finite, non-negative value per feature
     */
    public LayerStats withAbsMax(double[] maxima) {
        if (maxima != null) {
            if (maxima.length != features) {
                throw new IllegalArgumentException("saved statistics disagree: " + features + " features, " + maxima.length + " channel maxima");
            }
            for (double v : maxima) {
                if (!(v >= 0) || !Double.isFinite(v)) {
                    throw new IllegalArgumentException("a saved channel maximum is " + v + "; it must be finite and non-negative");
                }
            }
        }
        absMax = maxima == null ? null : maxima.clone();
        return this;
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
            if (absMax != null && Math.abs(v) > absMax[i % features]) {
                absMax[i % features] = Math.abs(v);
            }
            if (sum != null) {
                sum[i % features] += v;
            }
        }
        Linalg.backend().addGram(DoubleMatrix.wrap(batch, count, features), gram);
        tokens += count;
    }

    /**
     * Adds {@code count} aligned token rows of the original-model input ({@code original}) and the compressed-prefix
     * input ({@code compressed}) to the cross moment {@code H += X_fᵀ X_c}. Both arrays hold rows of
     * {@link #features()} values from {@code offset}; the rows must be the same tokens in the same order.
     */
    public void accumulateCross(float[] original, float[] compressed, int offset, int count) {
        if (count == 0) {
            return;
        }
        long end = (long) offset + (long) count * features;
        if (offset < 0 || end > original.length || end > compressed.length) {
            throw new IllegalArgumentException(count + " aligned rows of " + features + " features do not fit arrays of "
                    + original.length + " and " + compressed.length + " from " + offset);
        }
        DoubleMatrix xf = widen(original, offset, count, "original-model");
        DoubleMatrix xc = widen(compressed, offset, count, "compressed-prefix");
        if (cross == null) {
            cross = DoubleMatrix.zeros(features, features);
        }
        Linalg.backend().gemm(1, xf.transpose(), xc, 1, cross);
        crossTokens += count;
    }

    /**
     * Adds the elementwise square of one sample's gradient of the loss with respect to this site's weight
     * ({@code rows × features}, row-major, PyTorch layout out × in) to the Fisher sum.
     */
    public void accumulateFisher(float[] gradient, int rows) {
        if (rows < 1 || gradient.length != (long) rows * features) {
            throw new IllegalArgumentException("a weight gradient of " + gradient.length + " values is not " + rows + "x" + features);
        }
        if (fisher == null) {
            fisher = DoubleMatrix.zeros(rows, features);
        } else if (fisher.rows() != rows) {
            throw new IllegalArgumentException("Fisher sum has " + fisher.rows() + " rows, gradient has " + rows);
        }
        double[] f = fisher.data();
        for (int i = 0; i < gradient.length; i++) {
            float g = gradient[i];
            if (!Float.isFinite(g)) {
                throw new IllegalArgumentException("weight gradient " + g + " at (" + (i / features) + ", " + (i % features)
                        + ") is not finite; the loss is not finite on this calibration text");
            }
            f[i] += (double) g * g;
        }
        fisherSamples++;
    }

    /** Statistics of this site's input in the partly compressed model (sequential pass), or null. */
    public LayerStats compressedPrefix() {
        return compressedPrefix;
    }

    /** Attaches the compressed-prefix statistics of the same site (same features). */
    public void setCompressedPrefix(LayerStats prefix) {
        if (prefix != null && prefix.features != features) {
            throw new IllegalArgumentException("compressed-prefix statistics have " + prefix.features + " features, the site's input " + features);
        }
        this.compressedPrefix = prefix;
    }

    /** Σ x_f x_cᵀ (live view), or null when not collected. */
    public DoubleMatrix cross() {
        return cross;
    }

    /** Tokens added to the cross moment (equal to {@link #tokens()} when collected alongside the Gram). */
    public long crossTokens() {
        return crossTokens;
    }

    /** Σ_d (∂L_d/∂W)² (out × in, live view), or null when not collected. */
    public DoubleMatrix fisher() {
        return fisher;
    }

    /** Samples (gradients) added to the Fisher sum. */
    public long fisherSamples() {
        return fisherSamples;
    }

    private DoubleMatrix widen(float[] rows, int offset, int count, String what) {
        double[] out = new double[count * features];
        for (int i = 0; i < out.length; i++) {
            float v = rows[offset + i];
            if (!Float.isFinite(v)) {
                throw new IllegalArgumentException(what + " calibration activation " + v + " at token " + (i / features) + ", channel "
                        + (i % features) + " is not finite; the model produces NaN/Inf on this text");
            }
            out[i] = v;
        }
        return DoubleMatrix.wrap(out, count, features);
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
        if (sum != null && other.sum != null) {
            for (int j = 0; j < features; j++) {
                sum[j] += other.sum[j];
            }
        } else {
            sum = null;
        }
        if (absMax != null && other.absMax != null) {
            for (int j = 0; j < features; j++) {
                absMax[j] = Math.max(absMax[j], other.absMax[j]);
            }
        } else {
            absMax = null;
        }
        tokens += other.tokens;
        if (other.cross != null) {
            if (cross == null) {
                cross = DoubleMatrix.zeros(features, features);
            }
            addInto(cross, other.cross);
            crossTokens += other.crossTokens;
        }
        if (other.fisher != null) {
            if (fisher == null) {
                fisher = DoubleMatrix.zeros(other.fisher.rows(), features);
            } else if (fisher.rows() != other.fisher.rows()) {
                throw new IllegalArgumentException("cannot merge a Fisher sum of " + other.fisher.rows() + " rows into " + fisher.rows());
            }
            addInto(fisher, other.fisher);
            fisherSamples += other.fisherSamples;
        }
    }

    private static void addInto(DoubleMatrix target, DoubleMatrix source) {
        for (int i = 0; i < target.rows(); i++) {
            for (int j = 0; j < target.cols(); j++) {
                target.set(i, j, target.get(i, j) + source.get(i, j));
            }
        }
    }

    public int features() {
        return features;
    }

    /** The Gram sum Σ x xᵀ (live view; do not modify). */
    public DoubleMatrix gram() {
        return gram;
    }

    /** Σ |x_j| per channel (live view; do not modify). */
    /**
     * max_t |x_tj| per input channel (the activation span SVDQuant's smoothing reads), or null for statistics restored
     * without it.
     */
    public double[] absMax() {
        return absMax;
    }

    public double[] absSum() {
        return absSum;
    }

    /** Σ x_j per channel (live view; do not modify), or null when these statistics were saved without it. */
    public double[] sum() {
        return sum;
    }

    /**
     * The mean input {@code μ_j = Σ x_j / N}.
     *
     * @throws IllegalStateException when the statistics hold no tokens or were restored without channel sums
     */
    public double[] mean() {
        if (sum == null || tokens == 0) {
            throw new IllegalStateException(tokens == 0 ? "no calibration tokens were seen"
                    : "these calibration statistics were saved without channel sums; collect them again");
        }
        double[] mean = new double[features];
        for (int j = 0; j < features; j++) {
            mean[j] = sum[j] / tokens;
        }
        return mean;
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
