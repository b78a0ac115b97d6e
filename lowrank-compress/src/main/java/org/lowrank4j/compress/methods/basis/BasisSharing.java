package org.lowrank4j.compress.methods.basis;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.lowrank4j.compress.CompressionResult;
import org.lowrank4j.compress.Dense;
import org.lowrank4j.compress.Factorization;
import org.lowrank4j.compress.LayerStats;
import org.lowrank4j.compress.LinearWeight;
import org.lowrank4j.compress.LowRank;
import org.lowrank4j.compress.Progress;
import org.lowrank4j.compress.RankRules;
import org.lowrank4j.compress.SiteResult;
import org.lowrank4j.compress.allocation.RankAllocator;
import org.lowrank4j.compress.allocation.SiteSpectrum;
import org.lowrank4j.compress.allocation.UniformAllocator;
import org.lowrank4j.compress.methods.CompressionMethod;
import org.lowrank4j.compress.methods.CrossLayerMethod;
import org.lowrank4j.compress.methods.MethodSpec;
import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.linalg.Linalg;

/**
 * Basis Sharing: sites of one role in neighbouring layers share one input-side factor (Wang et al., ICLR 2025,
 * arXiv:2410.03765; spec {@code shared/methods/c13-basis-sharing-concat-svd.md}). Groups are g consecutive blocks
 * of one role and shape (the paper), or clusters found by Shamrai's error-constrained clustering of the whitened
 * weights (arXiv:2601.11626, spec c13 part B). Each group is whitened with the sum of its members' input Grams
 * and decomposed once (see {@link SharedGroup}); every site then gets {@code LowRank(A_l, B)} where all members
 * of a group hold the <em>same</em> B object (k×n), so an installer can store it once by identity.
 *
 * <p>A {@link CrossLayerMethod}, not a per-site {@link CompressionMethod}: sharing crosses sites. Ranks come from any {@link RankAllocator}
 * applied to one {@link SiteSpectrum} per group with shape (g·m)×n, whose rank-k cost k(n + g·m) is exactly "the
 * shared factor once plus g private factors"; the default {@link UniformAllocator} gives the paper's
 * {@code k = floor(g·n·m·(1−CR)/(n + g·m))}. A group whose factors would not save parameters stays dense.
 * {@link CompressionResult#targetedParametersAfter()} counts each shared factor once; summing the sites'
 * {@code parameterCount()} would count it g times. With g = 1 this is whitened SVD (SVD-LLM, c04) per site.
 *
 * <pre>
 *   CompressionResult r = BasisSharing.compress(sites, stats, 0.3, BasisSharingOptions.defaults(), progress);
 *   // or, several ratios from one decomposition:
 *   BasisSharing.Prepared p = new BasisSharing(options).prepare(sites, stats, 0.3, progress);
 *   p.build(0.2, new UniformAllocator()); p.build(0.4, new UniformAllocator());
 * </pre>
 */
public final class BasisSharing implements CrossLayerMethod {
    public static final String NAME = "basis-sharing";

    private final BasisSharingOptions options;
    private final String label;

    public BasisSharing(BasisSharingOptions options) {
        this(options, NAME);
    }

    private BasisSharing(BasisSharingOptions options, String label) {
        if (options == null) {
            throw new IllegalArgumentException("basis-sharing options must be given (BasisSharingOptions.defaults())");
        }
        this.options = options;
        this.label = label;
    }

    /**
     * Basis sharing configured by {@code basis-sharing[:KEY=VALUE…]} ({@link BasisSharingOptions#from}); its
     * {@link #name()} is the spec as written.
     */
    public static BasisSharing fromSpec(String spec) {
        return from(MethodSpec.parse(spec));
    }

    /** As {@link #fromSpec}, from a parsed spec (the registry's factory). */
    public static BasisSharing from(MethodSpec parsed) {
        if (!parsed.name().equals(NAME)) {
            throw new IllegalArgumentException("'" + parsed.label() + "' is not a " + NAME + " spec");
        }
        return new BasisSharing(BasisSharingOptions.from(parsed), parsed.label());
    }

    /** {@value #NAME}, or the spec it was configured with. */
    @Override
    public String name() {
        return label;
    }

    /** Whitening reads each site's input Gram. */
    @Override
    public Set<CompressionMethod.Requirement> requirements() {
        return Set.of(CompressionMethod.Requirement.GRAM);
    }

    public BasisSharingOptions options() {
        return options;
    }

    /** Groups, decomposes and builds at {@code ratio} with the paper's uniform per-group rank. */
    public static CompressionResult compress(List<LinearWeight> sites, Map<String, LayerStats> stats, double ratio,
                                             BasisSharingOptions options, Progress progress) {
        return new BasisSharing(options).prepare(sites, stats, ratio, progress).build(ratio, new UniformAllocator());
    }

    /**
     * Forms the groups and decomposes each once. The ratio only sets the automatic rank target of the clustering
     * ({@link ClusteringOptions#rankTarget()} = 0); {@link Prepared#build} may then be called at any ratio.
     */
    @Override
    public Prepared prepare(List<LinearWeight> sites, Map<String, LayerStats> stats, double ratio, Progress progress) {
        return decompose(sites, groups(sites, stats, ratio), stats, progress);
    }

    /**
     * Decomposes caller-given groups (each site in at most one group, names unique; sites of one group must have
     * equal shapes).
     * Sites appear in the result in the order of the flattened groups.
     */
    public Prepared prepareGroups(List<List<LinearWeight>> groups, Map<String, LayerStats> stats, Progress progress) {
        List<LinearWeight> flat = new ArrayList<>();
        groups.forEach(flat::addAll);
        requireSites(flat, stats);
        return decompose(flat, groups, stats, progress);
    }

    /** The groups {@link #prepare} would form, in role order; members ordered by block. */
    public List<List<LinearWeight>> groups(List<LinearWeight> sites, Map<String, LayerStats> stats, double ratio) {
        RankRules.requireRatio(ratio);
        requireSites(sites, stats);
        Map<String, List<LinearWeight>> byRole = new LinkedHashMap<>();
        for (LinearWeight w : sites) {
            byRole.computeIfAbsent(String.valueOf(w.role()), r -> new ArrayList<>()).add(w);
        }
        List<List<LinearWeight>> groups = new ArrayList<>();
        for (Map.Entry<String, List<LinearWeight>> role : byRole.entrySet()) {
            List<LinearWeight> members = role.getValue();
            if (options.privateRoles().contains(role.getKey())) {
                members.forEach(w -> groups.add(List.of(w)));
            } else if (options.grouping() == BasisSharingOptions.Grouping.CONSECUTIVE) {
                groups.addAll(consecutive(members, options.groupSize()));
            } else {
                for (List<LinearWeight> sameShape : byShape(members)) {
                    groups.addAll(clustered(sameShape, stats, ratio));
                }
            }
        }
        return groups;
    }

    /** Runs of g sites in consecutive blocks with equal shapes; a break or a full group starts the next one. */
    static List<List<LinearWeight>> consecutive(List<LinearWeight> role, int g) {
        List<LinearWeight> sorted = new ArrayList<>(role);
        sorted.sort(Comparator.comparingInt(LinearWeight::block)); // stable
        List<List<LinearWeight>> out = new ArrayList<>();
        List<LinearWeight> current = new ArrayList<>();
        for (LinearWeight w : sorted) {
            LinearWeight last = current.isEmpty() ? null : current.get(current.size() - 1);
            boolean joins = last != null && current.size() < g && w.block() >= 0 && w.block() == last.block() + 1
                    && w.outFeatures() == last.outFeatures() && w.inFeatures() == last.inFeatures();
            if (!joins && !current.isEmpty()) {
                out.add(List.copyOf(current));
                current.clear();
            }
            current.add(w);
        }
        if (!current.isEmpty()) {
            out.add(List.copyOf(current));
        }
        return out;
    }

    private static List<List<LinearWeight>> byShape(List<LinearWeight> role) {
        Map<String, List<LinearWeight>> shapes = new LinkedHashMap<>();
        for (LinearWeight w : role) {
            shapes.computeIfAbsent(w.outFeatures() + "x" + w.inFeatures(), s -> new ArrayList<>()).add(w);
        }
        return new ArrayList<>(shapes.values());
    }

    /**
     * Clusters sites of one role and shape on their whitened weights. All blocks are whitened with the same R
     * (R Rᵀ = the role's summed Gram) so they share coordinates; block l = (W_l R)ᵀ (n×m), whose concatenation
     * is the group's stacked matrix transposed.
     */
    private List<List<LinearWeight>> clustered(List<LinearWeight> sites, Map<String, LayerStats> stats, double ratio) {
        if (sites.size() == 1) {
            return List.of(List.copyOf(sites));
        }
        int m = sites.get(0).outFeatures(), n = sites.get(0).inFeatures();
        List<DoubleMatrix> grams = sites.stream().map(w -> stats.get(w.name()).gram()).toList();
        GroupWhitening whitening = GroupWhitening.of(GroupWhitening.sum(grams), options.whitening(), options.relativeJitter(),
                "role " + sites.get(0).role());
        List<DoubleMatrix> blocks = new ArrayList<>();
        for (LinearWeight w : sites) {
            blocks.add(Linalg.multiply(w.weight(), whitening.root()).transpose().copy());
        }
        ClusteringOptions c = options.clustering();
        int rank = c.rankTarget() > 0 ? c.rankTarget() : RankRules.rankForRatio(m, n, ratio);
        List<List<LinearWeight>> out = new ArrayList<>();
        for (int[] cluster : new ErrorConstrainedClustering(c, rank).cluster(blocks)) {
            List<LinearWeight> members = new ArrayList<>();
            for (int i : cluster) {
                members.add(sites.get(i));
            }
            members.sort(Comparator.comparingInt(LinearWeight::block));
            out.add(List.copyOf(members));
        }
        return out;
    }

    private Prepared decompose(List<LinearWeight> order, List<List<LinearWeight>> groups, Map<String, LayerStats> stats, Progress progress) {
        for (List<LinearWeight> g : groups) {
            if (g.isEmpty()) {
                throw new IllegalArgumentException("basis-sharing group is empty");
            }
            LinearWeight first = g.get(0);
            for (LinearWeight w : g) {
                if (w.outFeatures() != first.outFeatures() || w.inFeatures() != first.inFeatures()) {
                    throw new IllegalArgumentException("basis-sharing group [" + SharedGroup.name(g) + "]: " + w.name() + " is "
                            + w.weight().shape() + " but " + first.name() + " is " + first.weight().shape() + "; sites sharing a basis need equal shapes");
                }
            }
        }
        String phase = "decompose (" + label + ")";
        progress.update(phase, 0, groups.size(), "");
        List<SharedGroup> prepared = new ArrayList<>();
        for (List<LinearWeight> g : groups) {
            prepared.add(SharedGroup.decompose(g, stats, options));
            progress.update(phase, prepared.size(), groups.size(), SharedGroup.name(g));
        }
        return new Prepared(label, List.copyOf(order), prepared);
    }

    private static void requireSites(List<LinearWeight> sites, Map<String, LayerStats> stats) {
        if (sites.isEmpty()) {
            throw new IllegalArgumentException("there are no linear sites to compress");
        }
        Set<String> names = new HashSet<>();
        for (LinearWeight w : sites) {
            if (!names.add(w.name())) {
                throw new IllegalArgumentException("site name '" + w.name() + "' appears twice; basis sharing needs unique site names");
            }
            CompressionMethod.requireStats(NAME, w, stats.get(w.name()));
        }
    }

    /** Groups after their decompositions; builds results at any ratio without decomposing again. */
    public static final class Prepared implements CrossLayerMethod.Prepared {
        private final String label;
        private final List<LinearWeight> order;
        private final List<SharedGroup> groups;

        private Prepared(String label, List<LinearWeight> order, List<SharedGroup> groups) {
            this.label = label;
            this.order = order;
            this.groups = groups;
        }

        @Override
        public List<List<String>> groupNames() {
            return groups.stream().map(g -> g.members().stream().map(LinearWeight::name).toList()).toList();
        }

        /** The groups' members, in group order. */
        public List<List<LinearWeight>> groups() {
            return groups.stream().map(SharedGroup::members).toList();
        }

        /** One spectrum per group, shape (g·m)×n: what the allocator sees. */
        public List<SiteSpectrum> groupSpectra() {
            return groups.stream().map(g -> new SiteSpectrum(g.name(), g.role(), g.stackedRows(), g.inFeatures(), g.spectrum())).toList();
        }

        /** The whitening route each group took ("cholesky", "cholesky+jitter" or "eigen"), in group order. */
        public List<String> whiteningRoutes() {
            return groups.stream().map(SharedGroup::whiteningRoute).toList();
        }

        /**
         * Allocates one rank per group and builds every site's factors. Sites appear in input order; each site's
         * {@code spectrum} and {@code relativeLoss} are its group's.
         */
        @Override
        public CompressionResult build(double ratio, RankAllocator allocator) {
            RankRules.requireRatio(ratio);
            List<SiteSpectrum> spectra = groupSpectra();
            int[] ranks = allocator.allocate(spectra, ratio);
            Map<LinearWeight, SiteResult> bySite = new IdentityHashMap<>();
            long before = 0, after = 0;
            for (int i = 0; i < groups.size(); i++) {
                SharedGroup group = groups.get(i);
                SiteSpectrum s = spectra.get(i);
                int k = ranks[i];
                boolean factorise = RankRules.saves(s.m(), s.n(), k) && k <= s.spectrum().length;
                List<LowRank> factors = factorise ? group.factorsAt(k) : null;
                double loss = factorise && s.totalEnergy() > 0 ? s.tailEnergy(k) / s.totalEnergy() : 0;
                after += factorise ? (long) k * (s.m() + s.n()) : s.denseParameters();
                for (int l = 0; l < group.members().size(); l++) {
                    LinearWeight w = group.members().get(l);
                    Factorization f = factorise ? factors.get(l) : new Dense(w.weight());
                    bySite.put(w, new SiteResult(w, factorise ? k : Math.min(w.outFeatures(), w.inFeatures()), f, s.spectrum(), loss));
                    before += w.denseParameters();
                }
            }
            List<SiteResult> results = order.stream().map(bySite::get).toList();
            return new CompressionResult(label, allocator.name(), ratio, results, before, after);
        }
    }
}
