package org.lowrank4j.spark.sites;

import java.io.Serializable;
import org.lowrank4j.compress.LayerStats;
import org.lowrank4j.compress.LinearWeight;
import org.lowrank4j.linalg.DoubleMatrix;

/**
 * One site as a Spark task input: the weight and its calibration statistics as flat float64 arrays, so a task carries
 * m·n + n² + 2n doubles and a few names, not the model's object graph. Restores a {@link LinearWeight} and a
 * {@link LayerStats} equal to the originals value for value.
 *
 * @param index  the site's position in the run (results come back in this order)
 * @param weight (rows, cols) row-major, rows = output features
 * @param gram   (cols, cols) Σ x xᵀ, or null when the site has no statistics
 * @param absSum (cols) Σ |x_j|, null with gram
 * @param sum    (cols) Σ x_j, or null (statistics saved without channel sums)
 */
public record SiteInput(int index, String name, String role, int block, boolean hasBias, int rows, int cols, double[] weight,
                        double[] gram, double[] absSum, double[] sum, long tokens) implements Serializable {

    /** Copies the site's weight and statistics into flat arrays. */
    public static SiteInput of(int index, LinearWeight w, LayerStats stats) {
        double[] gram = null, absSum = null, sum = null;
        long tokens = 0;
        if (stats != null) {
            gram = stats.gram().toArray();
            absSum = stats.absSum().clone();
            sum = stats.sum() == null ? null : stats.sum().clone();
            tokens = stats.tokens();
        }
        return new SiteInput(index, w.name(), w.role(), w.block(), w.hasBias(), w.outFeatures(), w.inFeatures(),
                w.weight().toArray(), gram, absSum, sum, tokens);
    }

    public LinearWeight toWeight() {
        return new LinearWeight(name, role, block, DoubleMatrix.wrap(weight, rows, cols), hasBias);
    }

    /** The statistics, or null when none were shipped. */
    public LayerStats toStats() {
        if (gram == null) {
            return null;
        }
        DoubleMatrix g = DoubleMatrix.wrap(gram, cols, cols);
        return sum == null ? LayerStats.of(g, absSum, tokens) : LayerStats.of(g, absSum, sum, tokens);
    }

    /** Doubles this input carries (weight, Gram, channel sums). */
    public long doubles() {
        return weight.length + (gram == null ? 0 : gram.length + absSum.length + (sum == null ? 0 : sum.length));
    }
}
