package org.lowrank4j.compress.methods.afm;

import java.util.EnumSet;
import java.util.Set;
import org.lowrank4j.compress.LayerStats;
import org.lowrank4j.compress.LinearWeight;
import org.lowrank4j.compress.LowRank;
import org.lowrank4j.compress.methods.CompressionMethod;
import org.lowrank4j.compress.methods.GramRoot;
import org.lowrank4j.compress.methods.OutputPcaSite;
import org.lowrank4j.compress.methods.PreparedSite;
import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.linalg.Linalg;

/**
 * Atomic Feature Mimicking for one linear layer (spec {@code shared/methods/c17-afm-ctr.md}): principal directions
 * U_r (m×r) of the layer's outputs {@code y = W x + b}, folded into the weight as {@code A = U_r} (layer 2, r→m) and
 * {@code B = U_rᵀ W} (layer 1, n→r) — see {@link OutputPcaSite}. The output statistics come from the input's, never
 * from stored outputs.
 *
 * <p>Centred (the paper, on layers with a bias): the directions are those of the output covariance
 * {@code Σ_y = W (G − N μ_x μ_xᵀ) Wᵀ / N}, the reconstruction is {@code ŷ = U_r U_rᵀ (y − μ_y) + μ_y}, and its
 * constant part goes into the bias: {@code b ← b + (I − U_r U_rᵀ) W μ_x} ({@link LowRank#biasShift()}), so the
 * compressed layer is again two plain products and one bias. Uncentred (layers without a bias, or
 * {@code center=off}): the second moment {@code W G Wᵀ}, which reaches the SVD-LLM optimum and is numerically the same
 * as LoRD's default variant. Embedding-table AFM is outside the per-linear-site interface.
 */
public final class AfmMethod implements CompressionMethod {
    private final AfmOptions options;

    public AfmMethod(AfmOptions options) {
        if (options == null) {
            throw new IllegalArgumentException("afm: options must be given");
        }
        this.options = options;
    }

    @Override
    public String name() {
        return "afm";
    }

    @Override
    public Set<Requirement> requirements() {
        return EnumSet.of(Requirement.GRAM);
    }

    @Override
    public PreparedSite prepare(LinearWeight weight, LayerStats stats) {
        CompressionMethod.requireStats(name(), weight, stats);
        boolean centred = switch (options.center()) {
            case ON -> {
                if (!weight.hasBias()) {
                    throw new IllegalArgumentException("afm:center=on moves the mean correction into the bias, but " + weight.name()
                            + " has none; use center=auto or center=off");
                }
                yield true;
            }
            case AUTO -> weight.hasBias();
            case OFF -> false;
        };
        if (!centred) {
            return new OutputPcaSite(weight.weight(), GramRoot.of(stats.gram(), 0, options.relativeFloor()));
        }
        double[] mean = stats.mean();
        int n = mean.length;
        DoubleMatrix covariance = stats.gram().copy(); // G − N μ μᵀ: the centred input Gram
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                covariance.set(i, j, covariance.get(i, j) - stats.tokens() * mean[i] * mean[j]);
            }
        }
        double[] outputMean = Linalg.multiply(weight.weight(), DoubleMatrix.wrap(mean, n, 1)).data(); // W μ_x
        return new OutputPcaSite(weight.weight(), GramRoot.of(covariance, 0, options.relativeFloor()), outputMean);
    }
}
