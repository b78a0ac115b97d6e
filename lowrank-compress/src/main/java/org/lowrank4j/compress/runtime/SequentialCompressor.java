package org.lowrank4j.compress.runtime;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.lowrank4j.compress.CompressionResult;
import org.lowrank4j.compress.Compressor;
import org.lowrank4j.compress.Dense;
import org.lowrank4j.compress.LayerStats;
import org.lowrank4j.compress.LinearWeight;
import org.lowrank4j.compress.LowRank;
import org.lowrank4j.compress.Progress;
import org.lowrank4j.compress.SiteResult;
import org.lowrank4j.compress.allocation.RankAllocator;
import org.lowrank4j.compress.methods.CompressionMethod.Requirement;
import org.lowrank4j.compress.methods.CompressionMethod;
import org.lowrank4j.compress.methods.PreparedSite;
import org.lowrank4j.nn.tensor.Tensor;

/**
 * The sequential pass of methods that fit each layer on the inputs of the partly compressed model (SVD-LLM's
 * update, spec c04; SAES-SVD, spec c05).
 *
 * <ol>
 *   <li>Ranks come first, from the method's spectra on the original statistics and the allocator, exactly as
 *       {@link Compressor#build} picks them. On the original model the compressed prefix is the model itself
 *       (x_c = x_f), so the sites are prepared with {@link #uncompressedPrefixes} attached.</li>
 *   <li>Then the groups of sites that read one tensor are taken in forward order (per block: q/k/v → o → gate/up →
 *       down). For each group with a factorised site, the calibration batches run through the current model (earlier
 *       groups already compressed) to build the compressed-prefix statistics of the group's input; with
 *       {@link Requirement#CROSS_MOMENT} each batch also runs with the original weights, rows aligned, for
 *       {@code H = Σ x_f x_cᵀ}. The prefix is attached to each site's original statistics, the site is prepared again
 *       and factorised at its rank, and the factors are installed before the next group.</li>
 * </ol>
 * The model is left holding the result; {@link WeightInstaller#restore} undoes it.
 */
public final class SequentialCompressor {
    private SequentialCompressor() {
    }

    /** Whether a method needs this pass rather than one preparation on the original statistics. */
    public static boolean isSequential(CompressionMethod method) {
        return method.requirements().contains(Requirement.COMPRESSED_PREFIX) || method.requirements().contains(Requirement.CROSS_MOMENT);
    }

    /**
     * @param weights  the original weights, in the order of {@code model.sites()}
     * @param stats    original-model statistics per site name, one object per site (every site needs one)
     * @param prepared the sites prepared on the original statistics (with {@link #uncompressedPrefixes} attached),
     *                 in the same order: they price the ranks
     * @return the same shape and parameter accounting as {@link Compressor#build} with these ranks
     */
    public static CompressionResult compress(RuntimeModel model, WeightInstaller installer, List<LinearWeight> weights,
            Map<String, LayerStats> stats, CompressionMethod method, RankAllocator allocator, List<PreparedSite> prepared, double ratio,
            Progress progress) {
        List<RuntimeSite> sites = model.sites();
        if (weights.size() != sites.size() || prepared.size() != sites.size()) {
            throw new IllegalArgumentException(sites.size() + " sites but " + weights.size() + " weights and " + prepared.size() + " prepared sites");
        }
        for (RuntimeSite s : sites) {
            if (stats.get(s.name()) == null) {
                throw new IllegalArgumentException("the sequential pass needs calibration statistics for every site; " + s.name() + " has none");
            }
        }
        CompressionResult planned = new Compressor(method, allocator).build(weights, prepared, ratio);
        Map<String, Integer> index = new HashMap<>();
        for (int i = 0; i < sites.size(); i++) {
            index.put(sites.get(i).name(), i);
        }
        List<SiteResult> results = new ArrayList<>(planned.sites());
        boolean cross = method.requirements().contains(Requirement.CROSS_MOMENT);
        List<List<RuntimeSite>> groups = RuntimeSite.groups(sites);
        String phase = "sequential (" + method.name() + ")";
        installer.restore();
        // the cross moment pairs each compressed-prefix input with the original model's input of the same tokens; those
        // do not change during the pass, so one forward per batch keeps them all (when they fit the memory bound)
        float[][][] originals = cross ? originalInputs(model, groups, progress) : null;
        try {
            for (int g = 0; g < groups.size(); g++) {
                progress.update(phase, g, groups.size(), groups.get(g).get(0).name());
                List<RuntimeSite> factorised = groups.get(g).stream()
                        .filter(s -> !(planned.sites().get(index.get(s.name())).factorization() instanceof Dense)).toList();
                if (factorised.isEmpty()) {
                    continue;
                }
                LayerStats prefix = prefixStatistics(model, installer, groups.get(g), cross, originals == null ? null : originals[g]);
                List<LinearWeight> groupWeights = new ArrayList<>();
                for (RuntimeSite s : factorised) {
                    stats.get(s.name()).setCompressedPrefix(prefix);
                    groupWeights.add(weights.get(index.get(s.name())));
                }
                List<PreparedSite> again = Compressor.prepare(method, groupWeights, stats, Progress.NONE);
                for (int k = 0; k < factorised.size(); k++) {
                    int i = index.get(factorised.get(k).name());
                    SiteResult plan = planned.sites().get(i);
                    LowRank f = again.get(k).factorAt(plan.rank());
                    installer.install(plan.weight().name(), f);
                    double[] spectrum = again.get(k).spectrum();
                    results.set(i, new SiteResult(plan.weight(), plan.rank(), f, spectrum, org.lowrank4j.compress.Spectra.tailFraction(spectrum, plan.rank())));
                }
            }
            progress.update(phase, groups.size(), groups.size(), "");
        } finally {
            for (RuntimeSite s : sites) {
                stats.get(s.name()).setCompressedPrefix(null);
            }
        }
        return new CompressionResult(planned.method(), planned.allocation(), ratio, results, planned.targetedParametersBefore(),
                planned.targetedParametersAfter());
    }

    /**
     * The compressed-prefix statistics of the uncompressed model, where x_c = x_f: per group one object with the Gram
     * and, when asked, the cross moment (then equal to the Gram), shared by the group's sites. Sequential methods are
     * prepared on these to price the ranks. One pass over the calibration batches with the model's current weights,
     * which must be the originals.
     */
    public static Map<String, LayerStats> uncompressedPrefixes(RuntimeModel model, boolean cross, Progress progress) {
        List<List<RuntimeSite>> groups = RuntimeSite.groups(model.sites());
        List<LayerStats> prefixes = new ArrayList<>();
        for (List<RuntimeSite> g : groups) {
            prefixes.add(new LayerStats(g.get(0).inFeatures()));
        }
        for (int b = 0; b < model.batchCount(); b++) {
            progress.update("calibrate prefix", b, model.batchCount(), "");
            int[] mask = model.forward(b);
            for (int g = 0; g < groups.size(); g++) {
                Tensor x = RuntimeCalibration.sharedInput(groups.get(g));
                float[] rows = RuntimeSite.realRows(x, mask);
                int count = rows.length / x.dim(-1);
                prefixes.get(g).accumulate(rows, 0, count);
                if (cross) {
                    prefixes.get(g).accumulateCross(rows, rows, 0, count);
                }
            }
        }
        progress.update("calibrate prefix", model.batchCount(), model.batchCount(), "");
        Map<String, LayerStats> bySite = new HashMap<>();
        for (int g = 0; g < groups.size(); g++) {
            for (RuntimeSite s : groups.get(g)) {
                bySite.put(s.name(), prefixes.get(g));
            }
        }
        return bySite;
    }

    /**
     * The largest share of the heap the original inputs may take; above it they are recomputed per group (a test sets
     * it to 0 to compare both routes).
     */
    static double originalInputsHeapShare = 0.25;

    /**
     * The original model's real input rows of every group for every batch ({@code [group][batch]}), from one forward per
     * batch with the current (original) weights; null when they would take more than a share of the maximum heap
     * ({@link #originalInputsHeapShare}), in which case {@link #prefixStatistics} recomputes them
     * per group.
     */
    static float[][][] originalInputs(RuntimeModel model, List<List<RuntimeSite>> groups, Progress progress) {
        long limit = (long) (Runtime.getRuntime().maxMemory() * originalInputsHeapShare), bytes = 0;
        float[][][] rows = new float[groups.size()][model.batchCount()][];
        for (int b = 0; b < model.batchCount(); b++) {
            progress.update("original inputs", b, model.batchCount(), "");
            int[] mask = model.forward(b);
            for (int g = 0; g < groups.size(); g++) {
                rows[g][b] = RuntimeSite.ownRealRows(RuntimeCalibration.sharedInput(groups.get(g)), mask);
                bytes += 4L * rows[g][b].length;
            }
            if (bytes > limit) {
                return null;
            }
        }
        progress.update("original inputs", model.batchCount(), model.batchCount(), "");
        return rows;
    }

    /**
     * Statistics of the group's input in the current model over every calibration batch (+ cross moment if asked).
     *
     * @param originals the original model's real input rows of this group per batch ({@link #originalInputs}), or null
     *                  to compute them with a forward under the original weights
     */
    static LayerStats prefixStatistics(RuntimeModel model, WeightInstaller installer, List<RuntimeSite> group, boolean cross,
                                       float[][] originals) {
        LayerStats prefix = new LayerStats(group.get(0).inFeatures());
        int blocks = group.get(0).block() + 1; // nothing after the group's block is needed for its inputs
        for (int b = 0; b < model.batchCount(); b++) {
            final int batch = b;
            float[] xf = null;
            int[] originalMask = null;
            if (cross && originals == null) {
                originalMask = installer.withOriginalWeights(() -> model.forward(batch, blocks));
                xf = RuntimeSite.ownRealRows(RuntimeCalibration.sharedInput(group), originalMask); // kept across the next forward
            }
            int[] mask = model.forward(b, blocks);
            Tensor compressed = RuntimeCalibration.sharedInput(group);
            float[] xc = RuntimeSite.realRows(compressed, mask);
            int count = xc.length / compressed.dim(-1);
            prefix.accumulate(xc, 0, count);
            if (cross) {
                if (originals != null) {
                    xf = originals[b];
                } else if (!java.util.Arrays.equals(originalMask, mask)) {
                    throw new IllegalStateException("batch " + b + " has different real rows in the original and the compressed model");
                }
                if (xf.length != xc.length) {
                    throw new IllegalStateException("batch " + b + " has " + xf.length / compressed.dim(-1) + " real rows in the original model and "
                            + count + " in the compressed one");
                }
                prefix.accumulateCross(xf, xc, 0, count);
            }
        }
        return prefix;
    }
}
