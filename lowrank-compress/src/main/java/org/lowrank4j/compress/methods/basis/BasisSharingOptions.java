package org.lowrank4j.compress.methods.basis;

import java.util.List;
import java.util.Set;
import org.lowrank4j.compress.methods.MethodSpec;
import org.lowrank4j.compress.methods.whitened.WhitenedOptions;

/**
 * Options of Basis Sharing (Wang, Chen, Lin, Li, Zhang, <i>Basis Sharing: Cross-Layer Parameter Sharing for Large
 * Language Model Compression</i>, ICLR 2025, arXiv:2410.03765; spec {@code shared/methods/c13-basis-sharing-concat-svd.md}).
 *
 * @param groupSize      g: sites of one role in g consecutive blocks share one basis (paper: 2); 1 is whitened SVD
 *                       (SVD-LLM, c04) per site. Used by {@link Grouping#CONSECUTIVE}.
 * @param grouping       CONSECUTIVE (the paper) or CLUSTERED (Shamrai's error-constrained clustering, c13 part B)
 * @param clustering     the clustering's options (read only with {@link Grouping#CLUSTERED})
 * @param privateRoles   roles that are never shared (each site alone); the paper's LLaMA config keeps
 *                       attention.output and ffn.down private, its GPT-2 config only ffn.down
 * @param whitening      route of the group Gram's square root (AUTO: Cholesky, then jittered Cholesky, then eigen)
 *                       and the eigen route's relative floor
 * @param relativeJitter first jitter of the Cholesky retry, relative to the mean diagonal (0: no retry, which is
 *                       exactly {@code WhitenedSvdMethod}'s route)
 * @param split          where Σ goes: BASIS (the paper: shared factor {@code Σ_k U_kᵀ R⁻¹}, private factors hold
 *                       the right singular vectors) or BALANCED (Σ^{1/2} on each side, the project's per-site convention)
 */
public record BasisSharingOptions(int groupSize, Grouping grouping, ClusteringOptions clustering, Set<String> privateRoles,
                                  WhitenedOptions whitening, double relativeJitter, SigmaSplit split) {

    public BasisSharingOptions {
        if (groupSize < 1) {
            throw new IllegalArgumentException("basis-sharing group size must be at least 1, got " + groupSize);
        }
        if (grouping == null || clustering == null || whitening == null || split == null) {
            throw new IllegalArgumentException("basis-sharing options need grouping, clustering, whitening and split (use defaults())");
        }
        if (!(relativeJitter >= 0 && relativeJitter < 1e-2)) {
            throw new IllegalArgumentException("relative Cholesky jitter must be in [0, 0.01), got " + relativeJitter);
        }
        privateRoles = privateRoles == null ? Set.of() : Set.copyOf(privateRoles);
    }

    /** The paper's LLaMA configuration: g = 2 consecutive layers, attention.output and ffn.down private, Σ in the basis. */
    public static BasisSharingOptions defaults() {
        return new BasisSharingOptions(2, Grouping.CONSECUTIVE, ClusteringOptions.defaults(), Set.of("attention.output", "ffn.down"),
                WhitenedOptions.defaults(), 1e-10, SigmaSplit.BASIS);
    }

    /**
     * From {@code basis-sharing[:group=G][:grouping=consecutive|clustered][:private=ROLE/ROLE|none][:split=basis|balanced]
     * [:route=auto|cholesky|eigen]}; with {@code grouping=clustered} also {@code [:eps=E][:cluster=max-norm|residuals|approximate]
     * [:rank-target=R][:ordering=norm|residual]}.
     */
    public static BasisSharingOptions from(MethodSpec spec) {
        BasisSharingOptions d = defaults();
        int group = spec.integer("group", -1);
        Grouping grouping = spec.choice("grouping", Grouping.class, d.grouping());
        List<String> roles = spec.words("private", List.copyOf(d.privateRoles()));
        SigmaSplit split = spec.choice("split", SigmaSplit.class, d.split());
        WhitenedOptions.Route route = spec.choice("route", WhitenedOptions.Route.class, d.whitening().route());
        ClusteringOptions c = d.clustering();
        double eps = spec.number("eps", Double.NaN);
        ClusteringOptions.Algorithm algorithm = spec.choice("cluster", ClusteringOptions.Algorithm.class, null);
        int rankTarget = spec.integer("rank-target", -1);
        ClusteringOptions.Ordering ordering = spec.choice("ordering", ClusteringOptions.Ordering.class, null);
        spec.requireAllRead();
        boolean clusterKeys = !Double.isNaN(eps) || algorithm != null || rankTarget != -1 || ordering != null;
        if (clusterKeys && grouping != Grouping.CLUSTERED) {
            throw new IllegalArgumentException("basis-sharing: eps, cluster, rank-target and ordering apply to grouping=clustered; add :grouping=clustered");
        }
        if (grouping == Grouping.CLUSTERED && group != -1) {
            throw new IllegalArgumentException("basis-sharing: group sets the size of consecutive groups; clustered groups are formed by eps");
        }
        c = new ClusteringOptions(algorithm == null ? c.algorithm() : algorithm, Double.isNaN(eps) ? c.eps() : eps,
                rankTarget == -1 ? c.rankTarget() : rankTarget, c.patience(), c.oversampling(), c.tolerance(), ordering == null ? c.ordering() : ordering);
        return new BasisSharingOptions(group == -1 ? d.groupSize() : group, grouping, c, Set.copyOf(roles),
                new WhitenedOptions(route, d.whitening().relativeFloor()), d.relativeJitter(), split);
    }

    public BasisSharingOptions withGroupSize(int g) {
        return new BasisSharingOptions(g, grouping, clustering, privateRoles, whitening, relativeJitter, split);
    }

    /** Clustered grouping with these clustering options. */
    public BasisSharingOptions withClustering(ClusteringOptions c) {
        return new BasisSharingOptions(groupSize, Grouping.CLUSTERED, c, privateRoles, whitening, relativeJitter, split);
    }

    public BasisSharingOptions withPrivateRoles(Set<String> roles) {
        return new BasisSharingOptions(groupSize, grouping, clustering, roles, whitening, relativeJitter, split);
    }

    public BasisSharingOptions withSplit(SigmaSplit s) {
        return new BasisSharingOptions(groupSize, grouping, clustering, privateRoles, whitening, relativeJitter, s);
    }

    public enum Grouping { CONSECUTIVE, CLUSTERED }

    public enum SigmaSplit { BASIS, BALANCED }
}
