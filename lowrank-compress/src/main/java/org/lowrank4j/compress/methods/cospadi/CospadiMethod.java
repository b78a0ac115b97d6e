package org.lowrank4j.compress.methods.cospadi;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.lowrank4j.compress.CompressionResult;
import org.lowrank4j.compress.Dense;
import org.lowrank4j.compress.Dictionary;
import org.lowrank4j.compress.LayerStats;
import org.lowrank4j.compress.LinearWeight;
import org.lowrank4j.compress.Progress;
import org.lowrank4j.compress.RankRules;
import org.lowrank4j.compress.SiteResult;
import org.lowrank4j.compress.allocation.RankAllocator;
import org.lowrank4j.compress.methods.CompressionMethod;
import org.lowrank4j.compress.methods.CrossLayerMethod;
import org.lowrank4j.compress.methods.MethodSpec;

/**
 * CoSpaDi: every targeted weight becomes a dense dictionary times column-sparse codes fitted to the layer's outputs on
 * calibration data (Makhov et al., "CoSpaDi: Compressing LLMs via Calibration-Guided Sparse Dictionary Learning",
 * arXiv:2509.22075; spec {@code shared/methods/c11-cospadi.md}). Per group of g consecutive blocks of one role and
 * shape (g = 1: per layer), the summed input Gram whitens the stacked weight ({@link CospadiGroup}), K-SVD with Batch-OMP
 * (lowrank-linalg {@code dictionary/}) learns k atoms with s non-zeros per output neuron, and D is mapped back through
 * the Gram's root. Each site gets a {@link Dictionary}; the sites of a group hold the same D, counted once.
 *
 * <p>The budget: each group keeps (1 − ratio) of its float32 bytes with the index storage of the codes counted
 * ({@link DictionaryBudget}); k follows from ρ = k/s. The ratio is the same for every group (the paper's uniform
 * compression); the {@link RankAllocator} handed to {@link Prepared#build} is not consulted. A group for which not even
 * k = s = 1 fits stays dense.
 *
 * <p>A {@link CrossLayerMethod} (it sees every site at once, which the group variant needs), listed in the registry
 * beside Basis Sharing. Whitening and the SVD start are computed once in {@link #prepare}; K-SVD runs in
 * {@link Prepared#build} per ratio (the shape depends on it) and its result is kept per ratio.
 */
public final class CospadiMethod implements CrossLayerMethod {
    public static final String NAME = "cospadi";

    private final CospadiOptions options;
    private final String label;

    public CospadiMethod(CospadiOptions options) {
        this(options, NAME);
    }

    private CospadiMethod(CospadiOptions options, String label) {
        if (options == null) {
            throw new IllegalArgumentException("cospadi options must be given (CospadiOptions.defaults())");
        }
        this.options = options;
        this.label = label;
    }

    /** From a parsed {@code cospadi[:KEY=VALUE…]} spec (the registry's factory). */
    public static CospadiMethod from(MethodSpec spec) {
        return new CospadiMethod(CospadiOptions.from(spec), spec.label());
    }

    @Override
    public String name() {
        return label;
    }

    public CospadiOptions options() {
        return options;
    }

    /** Per-layer dictionaries (group = 1) are stored in decoder folders; shared ones are not (the folder keeps sites apart). */
    @Override
    public boolean writesDecoderFolders() {
        return options.groupSize() == 1;
    }

    @Override
    public Set<CompressionMethod.Requirement> requirements() {
        return Set.of(CompressionMethod.Requirement.GRAM);
    }

    @Override
    public Prepared prepare(List<LinearWeight> weights, Map<String, LayerStats> stats, double ratio, Progress progress) {
        RankRules.requireRatio(ratio);
        if (weights.isEmpty()) {
            throw new IllegalArgumentException("there are no linear sites to compress");
        }
        Set<String> names = new HashSet<>();
        for (LinearWeight w : weights) {
            if (!names.add(w.name())) {
                throw new IllegalArgumentException("site name '" + w.name() + "' appears twice; cospadi needs unique site names");
            }
            CompressionMethod.requireStats(label, w, stats.get(w.name()));
        }
        List<List<LinearWeight>> groups = groups(weights, options.groupSize());
        String phase = "whiten (" + label + ")";
        List<CospadiGroup> prepared = new ArrayList<>();
        progress.update(phase, 0, groups.size(), "");
        for (List<LinearWeight> g : groups) {
            CospadiGroup.requireEqualInputs(g);
            prepared.add(CospadiGroup.whiten(g, stats, options.relativeJitter()));
            progress.update(phase, prepared.size(), groups.size(), g.get(0).name());
        }
        return new Prepared(label, options, List.copyOf(weights), prepared, progress);
    }

    /** Runs of g sites of one role in consecutive blocks with equal shapes, in role order. */
    static List<List<LinearWeight>> groups(List<LinearWeight> sites, int g) {
        Map<String, List<LinearWeight>> byRole = new LinkedHashMap<>();
        for (LinearWeight w : sites) {
            byRole.computeIfAbsent(String.valueOf(w.role()), r -> new ArrayList<>()).add(w);
        }
        List<List<LinearWeight>> out = new ArrayList<>();
        for (List<LinearWeight> role : byRole.values()) {
            List<LinearWeight> sorted = new ArrayList<>(role);
            sorted.sort(Comparator.comparingInt(LinearWeight::block));
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
        }
        return out;
    }

    /** Whitened groups; {@link #build} learns the dictionaries at a ratio (once per ratio). */
    public static final class Prepared implements CrossLayerMethod.Prepared {
        private final String label;
        private final CospadiOptions options;
        private final List<LinearWeight> order;
        private final List<CospadiGroup> groups;
        private final Progress progress;
        private final Map<Double, CompressionResult> built = new ConcurrentHashMap<>();

        private Prepared(String label, CospadiOptions options, List<LinearWeight> order, List<CospadiGroup> groups, Progress progress) {
            this.label = label;
            this.options = options;
            this.order = order;
            this.groups = groups;
            this.progress = progress;
        }

        @Override
        public List<List<String>> groupNames() {
            return groups.stream().map(g -> g.members().stream().map(LinearWeight::name).toList()).toList();
        }

        /** The whitening route of each group ("cholesky", "cholesky+jitter", "eigen"), in group order. */
        public List<String> whiteningRoutes() {
            return groups.stream().map(CospadiGroup::whiteningRoute).toList();
        }

        /**
         * Every site as a {@link Dictionary} at the shape the ratio allows (or {@link Dense} when none fits), in input
         * order; {@link SiteResult#rank()} is k, the spectrum the whitened weight's singular values, the relative loss
         * the group's whitened error ‖W̃ − D̃C‖²/‖W̃‖² (the output error on the calibration inputs).
         */
        @Override
        public CompressionResult build(double ratio, RankAllocator allocator) {
            RankRules.requireRatio(ratio);
            return built.computeIfAbsent(ratio, this::learnAt);
        }

        private CompressionResult learnAt(double ratio) {
            Map<LinearWeight, SiteResult> bySite = new IdentityHashMap<>();
            long before = 0, after = 0;
            String phase = "K-SVD (" + label + ", ratio " + ratio + ")";
            int done = 0;
            progress.update(phase, 0, groups.size(), "");
            for (CospadiGroup group : groups) {
                DictionaryBudget.Shape shape = DictionaryBudget.solve(group.inFeatures(), group.columns(), ratio, options.atomsPerNonZero());
                CospadiGroup.Learned learned = shape == null ? null : group.learn(shape.atoms(), shape.sparsity(), options);
                double loss = learned == null ? 0 : learned.relativeError() * learned.relativeError();
                for (int l = 0; l < group.members().size(); l++) {
                    LinearWeight w = group.members().get(l);
                    before += w.denseParameters();
                    if (learned == null) {
                        after += w.denseParameters();
                        bySite.put(w, new SiteResult(w, Math.min(w.outFeatures(), w.inFeatures()), new Dense(w.weight()), group.spectrum(), 0));
                    } else {
                        Dictionary d = learned.sites().get(l);
                        after += d.codeParameterCount() + (l == 0 ? (d.dictionaryBytes() + 3) / 4 : 0);
                        bySite.put(w, new SiteResult(w, shape.atoms(), d, group.spectrum(), loss));
                    }
                }
                progress.update(phase, ++done, groups.size(), group.members().get(0).name());
            }
            List<SiteResult> results = order.stream().map(bySite::get).toList();
            return new CompressionResult(label, "uniform", ratio, results, before, after);
        }
    }
}
