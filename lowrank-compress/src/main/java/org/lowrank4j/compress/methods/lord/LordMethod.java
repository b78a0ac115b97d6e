package org.lowrank4j.compress.methods.lord;

import java.util.EnumSet;
import java.util.Set;
import org.lowrank4j.compress.LayerStats;
import org.lowrank4j.compress.LinearWeight;
import org.lowrank4j.compress.methods.CompressionMethod;
import org.lowrank4j.compress.methods.GramRoot;
import org.lowrank4j.compress.methods.OutputPcaSite;
import org.lowrank4j.compress.methods.PreparedSite;
import org.lowrank4j.compress.methods.RightWeightedSvd;

/**
 * LoRD, one-shot low-rank decomposition of code LLMs (spec {@code shared/methods/c09-lord.md}). The spec pins two
 * variants; the default is variant F, output-feature PCA without centring ({@link OutputPcaSite}: {@code A = U_r},
 * {@code B = U_rᵀ W}, U_r the principal directions of the layer's outputs on the calibration text, which should be
 * code in the target language). It reaches the SVD-LLM optimum {@code Σ_{i>r} σ_i²(W L)} with different factors, and
 * is numerically the same as the "afm" method. Variant D is plain truncated SVD ({@code A = U_r Σ_r^{1/2}},
 * {@code B = Σ_r^{1/2} V_rᵀ}) and needs no statistics.
 *
 * <p>The paper speaks of rank <em>reduction</em> (fraction of min(m, n) removed); this method takes ranks from the
 * toolkit's allocators, which use the parameter ratio, and reports show both (spec c01).
 */
public final class LordMethod implements CompressionMethod {
    private final LordOptions options;

    public LordMethod(LordOptions options) {
        if (options == null) {
            throw new IllegalArgumentException("lord: options must be given");
        }
        this.options = options;
    }

    @Override
    public String name() {
        return "lord";
    }

    @Override
    public Set<Requirement> requirements() {
        return options.variant() == LordOptions.Variant.FEATURE ? EnumSet.of(Requirement.GRAM) : EnumSet.noneOf(Requirement.class);
    }

    public LordOptions options() {
        return options;
    }

    @Override
    public PreparedSite prepare(LinearWeight weight, LayerStats stats) {
        if (options.variant() == LordOptions.Variant.DATA_FREE) {
            return new RightWeightedSvd(weight.weight(), c -> c);
        }
        CompressionMethod.requireStats(name(), weight, stats);
        return new OutputPcaSite(weight.weight(), GramRoot.of(stats.gram(), 0, options.relativeFloor()));
    }
}
