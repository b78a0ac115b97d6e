package org.lowrank4j.compress.methods.afm;

import java.util.EnumSet;
import java.util.Set;
import org.lowrank4j.compress.LayerStats;
import org.lowrank4j.compress.LinearWeight;
import org.lowrank4j.compress.methods.CompressionMethod;
import org.lowrank4j.compress.methods.GramRoot;
import org.lowrank4j.compress.methods.OutputPcaSite;
import org.lowrank4j.compress.methods.PreparedSite;

/**
 * Atomic Feature Mimicking for one linear layer (spec {@code shared/methods/c17-afm-ctr.md}): principal directions
 * U_r (m×r) of the layer's outputs {@code Y = X Wᵀ}, folded into the weight as {@code A = U_r} (layer 2, r→m) and
 * {@code B = U_rᵀ W} (layer 1, n→r) — see {@link OutputPcaSite}. The output moment comes from the input Gram,
 * {@code YᵀY = W G Wᵀ}, never from stored outputs.
 *
 * <p>This is the <em>uncentred</em> variant (second moment, not covariance). The paper's centred AFM uses
 * {@code Σ_y = W (G/N − μ_x μ_xᵀ) Wᵀ} and adds {@code (I − U_r U_rᵀ) W μ_x} to the bias; that needs the input mean
 * μ_x = Σ x / N, which {@link LayerStats} does not collect (it keeps Σ|x| only), and a bias correction, which a
 * {@link org.lowrank4j.compress.LowRank} factor pair cannot carry. Both are needed for centring; without them the
 * first direction may be spent on the output mean (spec test 3). Uncentred AFM reaches the SVD-LLM optimum on the
 * calibration text. Embedding-table AFM is outside the per-linear-site interface. Numerically the same as LoRD's
 * default variant.
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
        return new OutputPcaSite(weight.weight(), GramRoot.of(stats.gram(), 0, options.relativeFloor()));
    }
}
