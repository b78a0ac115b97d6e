package org.lowrank4j.compress.methods.asvd;

import java.util.EnumSet;
import java.util.Set;
import org.lowrank4j.compress.LayerStats;
import org.lowrank4j.compress.LinearWeight;
import org.lowrank4j.compress.methods.CompressionMethod;
import org.lowrank4j.compress.methods.PreparedSite;
import org.lowrank4j.compress.methods.RightWeightedSvd;
import org.lowrank4j.linalg.DoubleMatrix;

/**
 * Activation-aware SVD (spec c03): scale input channel j of W by d_j = mean|x_j|^α + 1e-6, take the SVD of
 * W·D, and divide the scaling back out of B. Approximates the output error with a diagonal whitening, so
 * channels carrying large activations keep their directions. The rank search (STRS) is a rank allocator.
 */
public final class AsvdMethod implements CompressionMethod {
    private final AsvdOptions options;

    public AsvdMethod(AsvdOptions options) {
        this.options = options;
    }

    @Override
    public String name() {
        return "asvd";
    }

    @Override
    public Set<Requirement> requirements() {
        return EnumSet.of(Requirement.MEAN_ABS);
    }

    @Override
    public PreparedSite prepare(LinearWeight weight, LayerStats stats) {
        CompressionMethod.requireStats(name(), weight, stats);
        double[] meanAbs = stats.meanAbs();
        int n = weight.inFeatures();
        double[] d = new double[n];
        for (int j = 0; j < n; j++) {
            d[j] = Math.pow(meanAbs[j], options.alpha()) + 1e-6;
        }
        DoubleMatrix scaled = weight.weight().copy();
        for (int i = 0; i < scaled.rows(); i++) {
            for (int j = 0; j < n; j++) {
                scaled.set(i, j, scaled.get(i, j) * d[j]);
            }
        }
        return new RightWeightedSvd(scaled, c -> {
            DoubleMatrix b = c.copy();
            for (int i = 0; i < b.rows(); i++) {
                for (int j = 0; j < n; j++) {
                    b.set(i, j, b.get(i, j) / d[j]);
                }
            }
            return b;
        });
    }
}
