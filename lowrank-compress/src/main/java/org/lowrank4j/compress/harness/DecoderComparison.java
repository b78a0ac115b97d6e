package org.lowrank4j.compress.harness;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.lowrank4j.compress.CompressionResult;
import org.lowrank4j.compress.Progress;
import org.lowrank4j.compress.allocation.Allocators;
import org.lowrank4j.compress.allocation.MeasuredSensitivities;
import org.lowrank4j.compress.allocation.RankAllocator;
import org.lowrank4j.compress.allocation.SensitivityAllocator;
import org.lowrank4j.compress.allocation.SensitivityProbe;
import org.lowrank4j.compress.eval.DecoderEvaluation;
import org.lowrank4j.compress.methods.CompressionMethod;
import org.lowrank4j.compress.methods.CrossLayerMethod;
import org.lowrank4j.compress.methods.Methods;
import org.lowrank4j.compress.methods.PreparedSite;
import org.lowrank4j.compress.onnx.StatsCache;
import org.lowrank4j.compress.runtime.DecoderRuntime;
import org.lowrank4j.compress.runtime.RuntimeCompression;
import org.lowrank4j.compress.runtime.SequentialCompressor;
import org.lowrank4j.nn.generate.CausalLanguageModel;
import org.lowrank4j.nn.generate.Perplexity;

/**
 * Every method × allocation × ratio on one decoder of the JVM runtime, with one calibration set and one held-out
 * evaluation: the decoder side of {@code lowrank compare}. Statistics are collected once, on first need (Grams; the
 * Fisher only when a method needs gradients); each method prepares its sites once and reuses them across allocations
 * and ratios (methods that need the compressed prefix then run their sequential pass per row). The dense model is
 * evaluated once as the reference; after each row the original weights are restored.
 *
 * <p>Besides the per-site methods of {@link Methods}, the method name a cross-layer method ({@link CrossLayerMethod}) runs cross-layer
 * Basis Sharing (its groups are decomposed once and built at each ratio with the row's allocation), and the
 * allocation name {@code sensitivity} runs ASVD's end-to-end search with a probe that measures the next-token loss
 * on the first {@value #PROBE_WINDOWS} calibration windows with one site truncated; its measurements are reused
 * across ratios.
 */
public final class DecoderComparison {

    /**
     * @param model              the decoder (float32 for real runs)
     * @param calibrationWindows windows of T + 1 tokens (see {@link DecoderRuntime#windows})
     * @param windowsPerBatch    calibration windows run forward at once
     * @param evalTokens         held-out token stream
     * @param evalWindow         tokens per evaluation window
     * @param evalBytes          UTF-8 length of the held-out text
     */
    public record Setup(CausalLanguageModel model, int[][] calibrationWindows, int windowsPerBatch, int[] evalTokens, int evalWindow, long evalBytes) {
    }

    /** One compressed model and its evaluation. */
    public record Row(String method, String allocation, double ratio, CompressionResult result, long modelParametersBefore,
                      long modelParametersAfter, DecoderEvaluation.Scores scores, double compressSeconds, boolean sequential) {

        public String label() {
            return method + "/" + allocation;
        }

        /** Fraction of the whole model's parameters removed. */
        public double modelRatio() {
            return 1 - (double) modelParametersAfter / modelParametersBefore;
        }
    }

    /** Calibration windows the sensitivity probe scores. */
    static final int PROBE_WINDOWS = 4;

    private final Setup setup;
    private final Map<String, SensitivityAllocator> sensitivity = new HashMap<>();
    private final Map<String, CrossLayerMethod.Prepared> basis = new HashMap<>();
    private final RuntimeCompression job;
    private final DecoderEvaluation.Scores reference;
    private Path workFolder;
    private String statsKey;

    /** Evaluates the dense model (the reference row); statistics are collected later, when a method needs them. */
    public DecoderComparison(Setup setup, Progress progress) {
        this.setup = setup;
        this.job = new RuntimeCompression(new DecoderRuntime(setup.model(), setup.calibrationWindows(), setup.windowsPerBatch()));
        reference = evaluate("dense", progress);
    }

    public DecoderEvaluation.Scores reference() {
        return reference;
    }

    public RuntimeCompression job() {
        return job;
    }

    /** Runs the grid in order method, allocation, ratio; {@code listener} sees each row as it is finished. */
    public List<Row> run(List<String> methods, List<String> allocations, List<Double> ratios, Progress progress, Consumer<Row> listener) {
        return run(methods, allocations, ratios, progress, listener, key -> false);
    }

    /**
     * As above, skipping the rows whose {@link ComparisonJournal#key} {@code done} accepts (rows a resumed run already
     * has).
     */
    public List<Row> run(List<String> methods, List<String> allocations, List<Double> ratios, Progress progress, Consumer<Row> listener,
                         java.util.function.Predicate<String> done) {
        List<Row> rows = new ArrayList<>();
        for (String name : methods) {
            boolean shared = Methods.isCrossLayer(name);
            CrossLayerMethod sharing = shared ? Methods.crossLayerByName(name) : null;
            CompressionMethod method = shared ? null : Methods.byName(name);
            String label = shared ? sharing.name() : method.name();
            for (String allocation : allocations) {
                for (double ratio : ratios) {
                    if (done.test(ComparisonJournal.key(label, allocation, ratio))) {
                        continue;
                    }
                    long start = System.nanoTime();
                    double calibrationBefore = job.calibrationSeconds();
                    try {
                        CompressionResult result = shared ? compressShared(sharing, allocation, ratio, progress)
                                : job.compress(method, allocator(allocation, method, progress), ratio, progress);
                        double seconds = (System.nanoTime() - start) / 1e9 - (job.calibrationSeconds() - calibrationBefore);
                        DecoderEvaluation.Scores scores = evaluate(label + "/" + allocation + " " + ratio, progress);
                        Row row = new Row(label, allocation, ratio, result, job.modelParameters(), job.modelParametersWith(result), scores,
                                seconds, !shared && SequentialCompressor.isSequential(method));
                        rows.add(row);
                        listener.accept(row);
                    } finally {
                        job.restore();
                    }
                }
            }
        }
        return rows;
    }

    /**
     * Per cross-layer configuration that ran, which blocks share a basis (formed at the first ratio it ran and kept for
     * the others), in the words of {@link CrossLayerMethod.Prepared#describeGroups}.
     */
    public List<String> groupNotes() {
        List<String> notes = new ArrayList<>();
        basis.forEach((name, prepared) -> notes.add(name + " groups (which blocks share a basis, formed at the first ratio and kept for the others): "
                + prepared.describeGroups()));
        notes.sort(null);
        return notes;
    }

    /** Basis Sharing: groups decomposed once per configuration, built at each ratio. */
    private CompressionResult compressShared(CrossLayerMethod sharing, String allocation, double ratio, Progress progress) {
        if (SensitivityAllocator.isSensitivity(allocation)) {
            throw new IllegalArgumentException("basis-sharing groups sites across layers; the per-site sensitivity allocation does not apply to it");
        }
        job.calibrate(progress);
        CrossLayerMethod.Prepared prepared = basis.computeIfAbsent(sharing.name(), k -> sharing.prepare(job.weights(), job.stats(), ratio, progress));
        CompressionResult result = prepared.build(ratio, Allocators.byName(allocation));
        job.install(result);
        return result;
    }

    private RankAllocator allocator(String allocation, CompressionMethod method, Progress progress) {
        if (!SensitivityAllocator.isSensitivity(allocation)) {
            return Allocators.byName(allocation);
        }
        return sensitivity.computeIfAbsent(method.name(), k -> new SensitivityAllocator(probe(method, progress),
                SensitivityAllocator.ASVD_CANDIDATES, progress)).forName(allocation);
    }

    /**
     * Keeps what is costly to recompute between runs: the calibration statistics in {@code cache} under {@code statsKey}
     * (which must cover the model's weights and the calibration windows), and each method's sensitivity measurements
     * in {@code workFolder/sensitivity-<method>.json}.
     */
    public DecoderComparison persistTo(Path workFolder, StatsCache cache, String statsKey) {
        job.cacheStatistics(cache, statsKey);
        this.workFolder = workFolder;
        this.statsKey = statsKey;
        return this;
    }

    private SensitivityProbe probe(CompressionMethod method, Progress progress) {
        LossProbe measure = new LossProbe(method, progress);
        if (workFolder == null) {
            return measure;
        }
        Path file = workFolder.resolve("sensitivity-" + EncoderComparison.fileSafe(method.name()) + ".json");
        String key = statsKey + "|" + method.name() + "|probe windows " + PROBE_WINDOWS;
        try {
            return MeasuredSensitivities.open(file, key, measure);
        } catch (IOException e) {
            throw new UncheckedIOException("sensitivity cache " + file + ": " + e.getMessage(), e);
        }
    }

    /** Next-token loss (nats per token) on the first calibration windows, with at most one site truncated. */
    private final class LossProbe implements SensitivityProbe {
        private final CompressionMethod method;
        private final Progress progress;
        private List<PreparedSite> prepared;
        private final Map<String, Integer> index = new HashMap<>();

        LossProbe(CompressionMethod method, Progress progress) {
            this.method = method;
            this.progress = progress;
            for (int i = 0; i < job.weights().size(); i++) {
                index.put(job.weights().get(i).name(), i);
            }
        }

        @Override
        public double baseline() {
            job.restore();
            return loss();
        }

        @Override
        public double evaluate(String site, int rank) {
            if (prepared == null) {
                prepared = job.prepare(method, progress);
            }
            Integer i = index.get(site);
            if (i == null) {
                throw new IllegalArgumentException("sensitivity probe: no site named " + site);
            }
            job.installSite(site, prepared.get(i).factorAt(rank));
            try {
                return loss();
            } finally {
                job.restore();
            }
        }

        private double loss() {
            int[][] windows = setup.calibrationWindows();
            int count = Math.min(PROBE_WINDOWS, windows.length);
            double total = 0;
            long tokens = 0;
            for (int w = 0; w < count; w++) {
                var r = Perplexity.evaluate(setup.model(), windows[w], windows[w].length - 1, windows[w].length);
                total += r.totalNll();
                tokens += r.tokens();
            }
            return total / tokens;
        }
    }

    private DecoderEvaluation.Scores evaluate(String what, Progress progress) {
        progress.update("evaluate", 0, 1, what);
        DecoderEvaluation.Scores s = DecoderEvaluation.evaluate(setup.model(), setup.evalTokens(), setup.evalWindow(), setup.evalBytes());
        progress.update("evaluate", 1, 1, what);
        return s;
    }
}
