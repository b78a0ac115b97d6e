package org.lowrank4j.compress.methods.svdllm;

import java.util.EnumSet;
import java.util.Set;
import org.lowrank4j.compress.LayerStats;
import org.lowrank4j.compress.LinearWeight;
import org.lowrank4j.compress.methods.CompressionMethod;
import org.lowrank4j.compress.methods.GramRoot;
import org.lowrank4j.compress.methods.PreparedSite;
import org.lowrank4j.compress.methods.RightWeightedSvd;

/**
 * SVD-LLM V2 truncation (spec c04): {@code G = U_s S_s U_sᵀ}, {@code R = U_s S_s^{1/2}}, SVD {@code W R = U Σ Vᵀ},
 * {@code A = U_r Σ_r^{1/2}}, {@code B = Σ_r^{1/2} V_rᵀ S_s^{+1/2} U_sᵀ} with the pseudo-inverse dropping
 * eigenvalues at or below τ·λ_max. Same optimum as V1 ({@code ‖X(W − AB)ᵀ‖_F² = Σ_{i>r} σ_i²(W R)}) without
 * needing G positive definite. The heterogeneous ratio allocation of V2 is the allocator {@link org.lowrank4j.compress.allocation.SvdLlmV2Allocator}
 * (named "svd-llm-v2" as well).
 */
public final class SvdLlmV2Method implements CompressionMethod {
    private final SvdLlmV2Options options;

    public SvdLlmV2Method(SvdLlmV2Options options) {
        if (options == null) {
            throw new IllegalArgumentException("svd-llm-v2: options must be given");
        }
        this.options = options;
    }

    @Override
    public String name() {
        return "svd-llm-v2";
    }

    @Override
    public Set<Requirement> requirements() {
        return EnumSet.of(Requirement.GRAM);
    }

    @Override
    public PreparedSite prepare(LinearWeight weight, LayerStats stats) {
        CompressionMethod.requireStats(name(), weight, stats);
        GramRoot root = GramRoot.eigen(stats.gram(), options.relativeFloor());
        return new RightWeightedSvd(root.timesRoot(weight.weight()), root::divideByRoot);
    }
}
