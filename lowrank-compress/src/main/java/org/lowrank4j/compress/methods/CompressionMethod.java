package org.lowrank4j.compress.methods;

import java.util.Set;
import org.lowrank4j.compress.LayerStats;
import org.lowrank4j.compress.LinearWeight;

/**
 * A post-training low-rank compression method. {@link #prepare} does the expensive work once per site (the SVD
 * of the method's weighted matrix); the returned {@link PreparedSite} then gives the spectrum that rank
 * allocators read and the factors at any rank.
 *
 * <p>Methods live in one package each under {@code org.lowrank4j.compress.methods} and are listed in
 * {@link Methods}.
 */
public interface CompressionMethod {

    /** The name used on the command line and in reports, e.g. "whitened". */
    String name();

    /** The calibration statistics this method reads. */
    Set<Requirement> requirements();

    /**
     * @param stats the site's input statistics, or null when {@link #requirements()} is empty
     * @throws IllegalArgumentException when a required statistic is missing or does not match the weight
     */
    PreparedSite prepare(LinearWeight weight, LayerStats stats);

    /** What a method needs beyond the weight. */
    enum Requirement {
        /** Σ x xᵀ of the layer input. */
        GRAM,
        /** mean |x_j| per input channel. */
        MEAN_ABS,
        /** Gradients (Fisher information, {@link LayerStats#fisher()}): needs the JVM runtime, not available on the ONNX path. */
        GRADIENTS,
        /**
         * The statistics must come from the site's inputs in the model whose earlier blocks are already compressed
         * (sites are then prepared block by block, each block's inputs recomputed through the compressed prefix).
         */
        COMPRESSED_PREFIX,
        /** {@link LayerStats#cross()}: the cross moment of original-model and compressed-prefix inputs (implies COMPRESSED_PREFIX). */
        CROSS_MOMENT
    }

    /** Shared check for implementations. */
    static void requireStats(String method, LinearWeight weight, LayerStats stats) {
        if (stats == null || stats.tokens() == 0) {
            throw new IllegalArgumentException(method + " needs calibration statistics for " + weight.name() + ", but none were collected");
        }
        if (stats.features() != weight.inFeatures()) {
            throw new IllegalArgumentException(method + ": statistics of " + weight.name() + " have " + stats.features()
                    + " features but the weight takes " + weight.inFeatures() + " inputs");
        }
    }
}
