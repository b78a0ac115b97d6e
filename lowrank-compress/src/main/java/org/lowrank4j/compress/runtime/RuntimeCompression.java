package org.lowrank4j.compress.runtime;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.lowrank4j.compress.CompressionResult;
import org.lowrank4j.compress.Compressor;
import org.lowrank4j.compress.LayerStats;
import org.lowrank4j.compress.LinearWeight;
import org.lowrank4j.compress.Progress;
import org.lowrank4j.compress.allocation.RankAllocator;
import org.lowrank4j.compress.methods.CompressionMethod.Requirement;
import org.lowrank4j.compress.methods.CompressionMethod;
import org.lowrank4j.compress.methods.PreparedSite;
import org.lowrank4j.compress.onnx.StatsCache;

/**
 * {@code compress} on a runtime model, the JVM counterpart of {@link org.lowrank4j.compress.onnx.OnnxCompression}:
 * the original weights are read once; statistics are collected on first need (the input Grams for any method that
 * reads data, the Fisher for methods that need gradients: next-token loss on decoders, a labelled task's loss on
 * encoders given {@link #withTask}); each method prepares its sites once, and
 * every {@link #compress} installs its result in the model, sequentially for methods that need the compressed prefix.
 * {@link #restore} gives back the original model.
 *
 * <pre>
 *   RuntimeCompression job = new RuntimeCompression(new DecoderRuntime(model, windows, 8));
 *   CompressionResult r = job.compress(Methods.byName("whitened"), Allocators.byName("uniform"), 0.2, progress);
 *   ... evaluate the model, which now holds r ...
 *   job.restore();
 * </pre>
 */
public final class RuntimeCompression {
    private final RuntimeModel model;
    private final List<LinearWeight> weights = new ArrayList<>();
    private final WeightInstaller installer;
    private final long modelParameters;
    private final Map<String, List<PreparedSite>> preparedByMethod = new HashMap<>();
    private Map<String, LayerStats> stats;
    private boolean fisher;
    private EncoderTask task;
    private EncoderFisherStatistics.Summary fisherSummary;
    private Map<String, LayerStats> prefixes; // the uncompressed model's prefix statistics, per site (shared by group)
    private boolean prefixesWithCross;
    private double calibrationSeconds;
    private StatsCache statsCache;
    private String statsKey;

    /** Reads the sites' current weights as the originals (the model must not hold a compression result). */
    public RuntimeCompression(RuntimeModel model) {
        if (model.sites().isEmpty()) {
            throw new IllegalArgumentException("the model has no linear sites to compress");
        }
        this.model = model;
        for (RuntimeSite s : model.sites()) {
            weights.add(s.weight());
        }
        this.installer = new WeightInstaller(model.sites());
        this.modelParameters = model.parameterCount();
    }

    public RuntimeModel model() {
        return model;
    }

    /** The original weights, in site order. */
    public List<LinearWeight> weights() {
        return weights;
    }

    /** Whole-model parameters of the original. */
    public long modelParameters() {
        return modelParameters;
    }

    /** Whole-model parameters with {@code result} installed. */
    public long modelParametersWith(CompressionResult result) {
        return modelParameters - result.targetedParametersBefore() + result.targetedParametersAfter();
    }

    /** Seconds spent collecting statistics so far (Gram and Fisher). */
    public double calibrationSeconds() {
        return calibrationSeconds;
    }

    /** The statistics collected so far (empty before the first method that reads data). */
    public Map<String, LayerStats> stats() {
        return stats == null ? Map.of() : stats;
    }

    /** Collects what {@code method} reads and has not been collected yet, on the original model. */
    public void ensureStatistics(CompressionMethod method, Progress progress) {
        if (!method.requirements().isEmpty()) {
            calibrate(progress);
        }
        if (method.requirements().contains(Requirement.GRADIENTS)) {
            collectFisher(progress);
        }
    }

    /**
     * Keeps the input statistics in {@code cache} under {@code key} (which must cover the model's weights and the
     * calibration windows): {@link #calibrate} then loads them instead of running the model, and saves them after a
     * run. Compressed-prefix and Fisher statistics are not cached.
     */
    public RuntimeCompression cacheStatistics(StatsCache cache, String key) {
        this.statsCache = cache;
        this.statsKey = key;
        return this;
    }

    /** The input Gram (and mean |x|) of every site on the original model; once (loaded from the cache when it has them). */
    public void calibrate(Progress progress) {
        if (stats != null) {
            return;
        }
        long start = System.nanoTime();
        List<String> names = weights.stream().map(LinearWeight::name).toList();
        try {
            Map<String, LayerStats> cached = statsCache == null ? null : statsCache.load(statsKey, names);
            if (cached != null) {
                stats = cached;
                progress.update("calibrate (cached)", 1, 1, statsCache.fileFor(statsKey).getFileName().toString());
            } else {
                installer.restore();
                stats = RuntimeCalibration.collect(model, progress);
                if (statsCache != null) {
                    statsCache.save(statsKey, stats);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("calibration statistics cache " + statsCache.fileFor(statsKey) + ": " + e.getMessage(), e);
        }
        calibrationSeconds += (System.nanoTime() - start) / 1e9;
    }

    /**
     * The labelled task whose loss gives an encoder's Fisher ({@link EncoderFisherStatistics}); must be set before the
     * Fisher is collected.
     *
     * @throws IllegalArgumentException when the model is not an encoder, or the Fisher was already collected
     */
    public RuntimeCompression withTask(EncoderTask task) {
        if (!(model instanceof EncoderRuntime)) {
            throw new IllegalArgumentException("a labelled task applies to encoders; decoders take their next-token loss");
        }
        if (fisher) {
            throw new IllegalArgumentException("the Fisher was already collected; set the task before the first method that needs gradients");
        }
        this.task = task;
        return this;
    }

    /** What an encoder's Fisher was taken from, or null (a decoder, or none collected yet). */
    public EncoderFisherStatistics.Summary fisherSummary() {
        return fisherSummary;
    }

    /**
     * The Fisher of every site's weight on the original model, once: a decoder's next-token loss, or the loss of the
     * encoder's labelled task ({@link #withTask}).
     *
     * @throws IllegalArgumentException for an encoder without a task
     */
    public void collectFisher(Progress progress) {
        if (fisher) {
            return;
        }
        if (model instanceof EncoderRuntime && task == null) {
            throw new IllegalArgumentException("gradient (Fisher) statistics of an encoder need a labelled task to differentiate (two-class texts);"
                    + " none was given");
        }
        if (!(model instanceof DecoderRuntime) && !(model instanceof EncoderRuntime)) {
            throw new IllegalArgumentException("gradient (Fisher) statistics are computed for decoders and encoders only");
        }
        calibrate(progress);
        long start = System.nanoTime();
        installer.restore();
        if (model instanceof DecoderRuntime decoder) {
            FisherStatistics.accumulate(decoder, stats, progress);
        } else {
            fisherSummary = EncoderFisherStatistics.accumulate((EncoderRuntime) model, task, stats, progress);
        }
        fisher = true;
        calibrationSeconds += (System.nanoTime() - start) / 1e9;
    }

    /**
     * The sites prepared by {@code method} on the original statistics (cached per method name). Sequential methods
     * see the uncompressed model's prefix statistics (x_c = x_f) attached, collected once on first need.
     */
    public List<PreparedSite> prepare(CompressionMethod method, Progress progress) {
        ensureStatistics(method, progress);
        List<PreparedSite> cached = preparedByMethod.get(method.name());
        if (cached != null) {
            return cached;
        }
        List<PreparedSite> prepared;
        if (SequentialCompressor.isSequential(method)) {
            boolean cross = method.requirements().contains(Requirement.CROSS_MOMENT);
            if (prefixes == null || cross && !prefixesWithCross) {
                long start = System.nanoTime();
                installer.restore();
                prefixes = SequentialCompressor.uncompressedPrefixes(model, cross, progress);
                prefixesWithCross = cross;
                calibrationSeconds += (System.nanoTime() - start) / 1e9;
            }
            prefixes.forEach((site, prefix) -> stats.get(site).setCompressedPrefix(prefix));
            try {
                prepared = Compressor.prepareForBuild(method, weights, stats(), progress);
            } finally {
                stats.values().forEach(s -> s.setCompressedPrefix(null));
            }
        } else {
            prepared = Compressor.prepareForBuild(method, weights, stats(), progress);
        }
        preparedByMethod.put(method.name(), prepared);
        return prepared;
    }

    /** Compresses with one method, allocator and ratio and leaves the result installed in the model. */
    public CompressionResult compress(CompressionMethod method, RankAllocator allocator, double ratio, Progress progress) {
        List<PreparedSite> prepared = prepare(method, progress);
        if (SequentialCompressor.isSequential(method)) {
            return SequentialCompressor.compress(model, installer, weights, stats(), method, allocator, prepared, ratio, progress);
        }
        CompressionResult result = new Compressor(method, allocator).build(weights, prepared, ratio);
        installer.install(result);
        return result;
    }

    /**
     * Installs a result made elsewhere over {@link #weights()} and {@link #stats()} (for example cross-layer basis
     * sharing, whose sites share factor objects and so share parameters in the model).
     */
    public void install(CompressionResult result) {
        installer.install(result);
    }

    /** Installs one site's factorization, leaving every other site as it is (sensitivity probes). */
    public void installSite(String site, org.lowrank4j.compress.Factorization factorization) {
        installer.install(site, factorization);
    }

    /** Puts the original weights back. */
    public void restore() {
        installer.restore();
    }
}
