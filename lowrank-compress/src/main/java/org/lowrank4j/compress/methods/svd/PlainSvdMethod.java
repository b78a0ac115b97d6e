package org.lowrank4j.compress.methods.svd;

import java.util.EnumSet;
import java.util.Set;
import org.lowrank4j.compress.LayerStats;
import org.lowrank4j.compress.LinearWeight;
import org.lowrank4j.compress.methods.CompressionMethod;
import org.lowrank4j.compress.methods.PreparedSite;
import org.lowrank4j.compress.methods.RightWeightedSvd;

/**
 * Plain truncated SVD of the weight (spec c01): minimises ‖W − Ŵ‖_F and ignores the data. The baseline every
 * data-aware method must beat. Factors split Σ evenly ("balanced": A = U Σ^{1/2}, B = Σ^{1/2} Vᵀ).
 */
public final class PlainSvdMethod implements CompressionMethod {

    @Override
    public String name() {
        return "svd";
    }

    @Override
    public Set<Requirement> requirements() {
        return EnumSet.noneOf(Requirement.class);
    }

    @Override
    public PreparedSite prepare(LinearWeight weight, LayerStats stats) {
        return new RightWeightedSvd(weight.weight(), c -> c);
    }
}
