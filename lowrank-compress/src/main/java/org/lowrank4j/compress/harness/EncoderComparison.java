package org.lowrank4j.compress.harness;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.lowrank4j.compress.CompressionOutcome;
import org.lowrank4j.compress.CompressionResult;
import org.lowrank4j.compress.LinearWeight;
import org.lowrank4j.compress.Progress;
import org.lowrank4j.compress.allocation.Allocators;
import org.lowrank4j.compress.allocation.MeasuredSensitivities;
import org.lowrank4j.compress.allocation.RankAllocator;
import org.lowrank4j.compress.allocation.SensitivityAllocator;
import org.lowrank4j.compress.eval.EvalOptions;
import org.lowrank4j.compress.eval.EvalReport;
import org.lowrank4j.compress.eval.Evaluation;
import org.lowrank4j.compress.eval.Pooling;
import org.lowrank4j.compress.methods.CompressionMethod;
import org.lowrank4j.compress.methods.QuantizedMethod;
import org.lowrank4j.compress.QuantizedCompressor;
import org.lowrank4j.compress.methods.CrossLayerMethod;
import org.lowrank4j.compress.methods.Methods;
import org.lowrank4j.compress.onnx.OnnxCompression;
import org.lowrank4j.compress.onnx.StatsCache;
import org.lowrank4j.compress.runtime.EncoderTask;
import org.lowrank4j.compress.runtime.SequentialCompressor;
import org.lowrank4j.nn.train.LabelledTexts;
import org.lowrank4j.compress.tokenize.HfTokenizer;

/**
 * Every method × allocation × ratio on one ONNX encoder, with one calibration (done once) and one evaluation
 * protocol: the harness behind {@code lowrank compare} and {@code lowrank demo}.
 *
 * <p>Per-site methods run on the ONNX path ({@link OnnxCompression}, statistics from ONNX Runtime). Methods that need
 * the sequential pass through the partly compressed model (svd-llm, saes) and cross-layer a cross-layer method ({@link CrossLayerMethod})
 * run on the JVM runtime's copy of the encoder ({@link EncoderRuntimeRows}), calibrated on the same sentences, and
 * are written back into the ONNX graph the same way; every row is evaluated alike. The allocation {@code sensitivity}
 * is ASVD's end-to-end search with an {@link EncoderSensitivityProbe} (mean 1 − cosine of pooled embeddings on the
 * first {@value EncoderSensitivityProbe#DEFAULT_SENTENCES} calibration sentences), cached per method in
 * {@code sensitivity-<method>.json} in the work folder so that a rerun does not measure again.
 */
public final class EncoderComparison {

    /**
     * The fixed parts of a comparison.
     *
     * @param outOfDomain sets of other text every row is also evaluated on ({@link Evaluation#outOfDomainSets}); may be empty
     */
    public record Setup(Path model, HfTokenizer tokenizer, Pooling pooling, List<String> calibration, List<String> heldOut,
                        List<Evaluation.TextSet> outOfDomain, LabelledTexts probe, EvalOptions evalOptions, Path workFolder,
                        boolean keepModels) {

        public Setup {
            outOfDomain = outOfDomain == null ? List.of() : List.copyOf(outOfDomain);
        }

        /** A setup evaluated on the held-out sentences only. */
        public Setup(Path model, HfTokenizer tokenizer, Pooling pooling, List<String> calibration, List<String> heldOut,
                     LabelledTexts probe, EvalOptions evalOptions, Path workFolder, boolean keepModels) {
            this(model, tokenizer, pooling, calibration, heldOut, List.of(), probe, evalOptions, workFolder, keepModels);
        }
    }

    /** One compressed model and its evaluation. */
    public record Row(String method, String allocation, double ratio, CompressionOutcome outcome, EvalReport eval) {

        public String label() {
            return method + "/" + allocation;
        }
    }

    /** Calibration sentences per batch, on both paths. */
    static final int CALIBRATION_BATCH = 32;

    private final Setup setup;
    private final OnnxCompression job;
    private final Evaluation.Reference reference;
    private final List<String> notes = new ArrayList<>();
    private final Map<String, SensitivityAllocator> sensitivity = new HashMap<>();
    private final Map<String, MeasuredSensitivities> sensitivityCaches = new LinkedHashMap<>();
    private final StatsCache statsCache;
    private EncoderRuntimeRows runtime;
    private String runtimeFailure;

    public EncoderComparison(Setup setup, Progress progress) throws IOException {
        this(setup, null, progress);
    }

    /**
     * @param statsCache where calibration statistics are kept between runs (both the ONNX path's and the JVM runtime
     *                   copy's, keyed by model, tokenizer and sentences), or null to always collect them
     */
    public EncoderComparison(Setup setup, StatsCache statsCache, Progress progress) throws IOException {
        this.setup = setup;
        this.statsCache = statsCache;
        this.job = OnnxCompression.open(setup.model());
        Files.createDirectories(setup.workFolder());
        job.calibrate(setup.tokenizer(), setup.calibration(), CALIBRATION_BATCH, setup.evalOptions().intraOpThreads(), statsCache, progress);
        progress.update("embed reference", 0, 1, setup.model().getFileName().toString());
        reference = Evaluation.embedReference(setup.model(), setup.tokenizer(), setup.pooling(), setup.heldOut(), setup.outOfDomain(),
                setup.probe(), setup.evalOptions());
        progress.update("embed reference", 1, 1, setup.model().getFileName().toString());
    }

    public OnnxCompression job() {
        return job;
    }

    /** Whether the method (or a cross-layer method ({@link CrossLayerMethod})) runs on the JVM runtime's copy of the encoder rather than through ONNX Runtime. */
    public static boolean runsOnRuntime(String method) {
        return Methods.isCrossLayer(method) || SequentialCompressor.isSequential(Methods.byName(method)) || needsGradients(Methods.byName(method));
    }

    /**
     * Whether the method needs gradients (FWSVD's Fisher): on an encoder they are those of the probe's task loss, a
     * logistic head fitted on the probe set's pooled embeddings ({@link EncoderTask}), computed on the JVM runtime.
     */
    static boolean needsGradients(CompressionMethod method) {
        return method.requirements().contains(CompressionMethod.Requirement.GRADIENTS);
    }

    /** The sensitivity measurements of a method (cache file in the work folder), or null when it did not use {@code sensitivity}. */
    public MeasuredSensitivities sensitivityCache(String method) {
        return sensitivityCaches.get(method.trim().toLowerCase(Locale.ROOT));
    }

    /**
     * What {@link #run} skipped and why, which methods ran on the JVM runtime, and where sensitivity measurements are
     * cached; one line each.
     */
    public List<String> notes() {
        return List.copyOf(notes);
    }

    /**
     * Runs the grid in order method, allocation, ratio; {@code listener} sees each row as it is finished. Methods that
     * need gradients take them from the probe's task ({@link #needsGradients}); the pair basis-sharing × sensitivity is
     * skipped with a line in {@link #notes()} (groups cross layers; the per-site search does not apply).
     */
    public List<Row> run(List<String> methods, List<String> allocations, List<Double> ratios, Progress progress,
                         java.util.function.Consumer<Row> listener) throws IOException {
        return run(methods, allocations, ratios, progress, listener, key -> false);
    }

    /**
     * As above, skipping the rows whose {@link ComparisonJournal#key} {@code done} accepts (rows a resumed run already
     * has); method specs are keyed by {@link Methods#label}.
     */
    public List<Row> run(List<String> methods, List<String> allocations, List<Double> ratios, Progress progress,
                         java.util.function.Consumer<Row> listener, java.util.function.Predicate<String> done) throws IOException {
        List<Row> rows = new ArrayList<>();
        for (String spec : methods) {
            if (Methods.isQuantized(spec)) {
                quantizedRow(Methods.quantizedByName(spec), quantizedLabel(spec), allocations.get(0), ratios.get(0), progress, done).ifPresent(row -> {
                    rows.add(row);
                    listener.accept(row);
                });
                continue;
            }
            boolean shared = Methods.isCrossLayer(spec);
            String method = Methods.label(spec);
            if (!shared && needsGradients(Methods.byName(spec))) {
                notes.add(method + ": Fisher from the task loss of a logistic head on the probe set (" + setup.probe().source() + ", "
                        + Math.min(setup.probe().size(), EncoderTask.DEFAULT_LIMIT) + " texts, gradients per text) — the texts the probe"
                        + " accuracy is then measured on");
            }
            for (String allocation : allocations) {
                boolean bySensitivity = SensitivityAllocator.isSensitivity(allocation);
                if (shared && bySensitivity) {
                    notes.add("skipped " + method + "/" + allocation + ": basis sharing ranks groups of sites across layers; the per-site"
                            + " sensitivity allocation does not apply to it");
                    continue;
                }
                if ((runsOnRuntime(method) || bySensitivity) && !runtimeAvailable()) {
                    notes.add("skipped " + method + "/" + allocation + ": it runs on the JVM runtime's copy of the encoder, which cannot load this"
                            + " model: " + runtimeFailure);
                    continue;
                }
                String onRuntime = method + ": compressed on the JVM runtime's float32 copy of the encoder (calibrated on the same sentences)"
                        + " and written back into the ONNX graph";
                if (runsOnRuntime(method) && !notes.contains(onRuntime)) {
                    notes.add(onRuntime);
                }
                for (double ratio : ratios) {
                    if (done.test(ComparisonJournal.key(method, allocation, ratio))) {
                        continue;
                    }
                    Path candidate = setup.workFolder().resolve(String.format(Locale.ROOT, "%s-%s-r%.2f.onnx", fileSafe(method), allocation, ratio));
                    CompressionOutcome outcome;
                    if (runsOnRuntime(method)) {
                        outcome = runtimeRow(method, allocation, ratio, candidate, progress);
                    } else if (bySensitivity) {
                        outcome = job.compress(method, sensitivityAllocator(Methods.byName(method), progress).forName(allocation), ratio, candidate, progress);
                    } else {
                        outcome = job.compress(method, allocation, ratio, candidate, progress);
                    }
                    progress.update("evaluate", 0, 1, candidate.getFileName().toString());
                    EvalReport eval = Evaluation.compare(reference, candidate, setup.evalOptions());
                    progress.update("evaluate", 1, 1, candidate.getFileName().toString());
                    if (!setup.keepModels()) {
                        Files.deleteIfExists(candidate);
                    }
                    Row row = new Row(method, allocation, ratio, outcome, eval);
                    rows.add(row);
                    listener.accept(row);
                }
            }
        }
        sensitivityCaches.forEach((m, cache) -> notes.add(String.format(Locale.ROOT,
                "sensitivity (%s): %d probe measurements, %d new, cached in %s", m, cache.size(), cache.newMeasurements(),
                setup.workFolder().resolve(cacheFile(m)))));
        return rows;
    }

    /**
     * One row for a quantizing method, whatever the allocations and ratios: its bits (and its rank option) set the size.
     * It is keyed under the grid's first allocation and ratio, so the journal and {@code --resume} treat it as any row.
     */
    private java.util.Optional<Row> quantizedRow(QuantizedMethod method, String label, String allocation, double ratio, Progress progress,
                                                 java.util.function.Predicate<String> done) throws IOException {
        if (done.test(ComparisonJournal.key(label, allocation, ratio))) {
            return java.util.Optional.empty();
        }
        Path candidate = setup.workFolder().resolve(fileSafe(label) + ".onnx");
        int[] ranks = QuantizedCompressor.uniformRanks(job.prepareQuantized(method, progress), method.rankWithoutBudget(), method.storage());
        CompressionOutcome outcome = job.writeQuantized(method, ranks, method.hasBranch() ? "rank " + method.rankWithoutBudget() : "none", candidate,
                progress);
        String note = "quantizing methods are one row each (their bits set the size), recorded under allocation " + allocation + ", ratio " + ratio;
        if (!notes.contains(note)) {
            notes.add(note);
        }
        progress.update("evaluate", 0, 1, candidate.getFileName().toString());
        EvalReport eval = Evaluation.compare(reference, candidate, setup.evalOptions());
        progress.update("evaluate", 1, 1, candidate.getFileName().toString());
        if (!setup.keepModels()) {
            Files.deleteIfExists(candidate);
        }
        return java.util.Optional.of(new Row(label, allocation, ratio, outcome, eval));
    }

    /**
     * A quantizing method's row label: the spec with its options (spaces removed, lower case), so that two settings of
     * one method ({@code rtn:bits=4}, {@code rtn:bits=8}) are two rows and two journal keys.
     */
    static String quantizedLabel(String spec) {
        return spec.replace(" ", "").trim().toLowerCase(Locale.ROOT);
    }

    /** The JVM runtime's copy of the encoder, calibrated on the comparison's sentences; made on first need. */
    public EncoderRuntimeRows runtime() throws IOException {
        if (runtime == null) {
            runtime = new EncoderRuntimeRows(setup.model(), setup.tokenizer(), setup.calibration(), CALIBRATION_BATCH, job);
            runtime.job().withTask(EncoderTask.of(setup.probe(), setup.tokenizer(), setup.pooling(), setup.evalOptions().normalize(),
                    EncoderTask.DEFAULT_LIMIT));
            if (statsCache != null) {
                StatsCache.Key key = new StatsCache.Key().text("runtime statistics, batches of " + CALIBRATION_BATCH).file(setup.model())
                        .file(setup.tokenizer().path());
                setup.calibration().forEach(key::text);
                runtime.job().cacheStatistics(statsCache, key.hex());
            }
        }
        return runtime;
    }

    /** Whether the runtime's copy loads (once; the reason is kept otherwise). */
    private boolean runtimeAvailable() throws IOException {
        if (runtime == null && runtimeFailure == null) {
            try {
                runtime();
            } catch (IllegalArgumentException e) {
                runtimeFailure = e.getMessage();
            }
        }
        return runtime != null;
    }

    /** A sequential method or basis sharing, compressed on the runtime and written into the ONNX graph. */
    private CompressionOutcome runtimeRow(String method, String allocation, double ratio, Path candidate, Progress progress) throws IOException {
        EncoderRuntimeRows rows = runtime();
        long start = System.nanoTime();
        double calibrationBefore = rows.job().calibrationSeconds();
        try {
            CompressionResult result;
            if (Methods.isCrossLayer(method)) {
                CrossLayerMethod sharing = Methods.crossLayerByName(method);
                result = rows.compressShared(sharing, Allocators.byName(allocation), ratio, progress);
                String groups = method + " groups (which blocks share a basis, formed at ratio " + String.format(Locale.ROOT, "%.2f", ratio)
                        + " and kept for the other ratios): " + rows.describeGroups(sharing);
                if (notes.stream().noneMatch(n -> n.startsWith(method + " groups ("))) {
                    notes.add(groups);
                }
            } else {
                CompressionMethod m = Methods.byName(method);
                RankAllocator allocator = SensitivityAllocator.isSensitivity(allocation) ? sensitivityAllocator(m, progress).forName(allocation)
                        : Allocators.byName(allocation);
                result = rows.compress(m, allocator, ratio, progress);
            }
            return rows.write(result, candidate, start, calibrationBefore, progress);
        } finally {
            rows.restore();
        }
    }

    /**
     * ASVD's sensitivity search for {@code method}, one per method and reused across ratios. The probe measures the
     * factors the row will use: those prepared on the ONNX path's statistics for per-site methods, on the runtime's
     * for sequential ones and those that need gradients. Measurements are kept in {@code sensitivity-<method>.json} in the work folder.
     */
    private SensitivityAllocator sensitivityAllocator(CompressionMethod method, Progress progress) throws IOException {
        String name = method.name().toLowerCase(Locale.ROOT);
        SensitivityAllocator known = sensitivity.get(name);
        if (known != null) {
            return known;
        }
        EncoderRuntimeRows rows = runtime();
        boolean onRuntime = SequentialCompressor.isSequential(method) || needsGradients(method);
        List<String> siteNames = (onRuntime ? rows.job().weights() : job.weights()).stream().map(LinearWeight::name).toList();
        EncoderSensitivityProbe probe = rows.probe(setup.calibration(), EncoderSensitivityProbe.DEFAULT_SENTENCES, setup.pooling(), siteNames,
                onRuntime ? () -> rows.job().prepare(method, progress) : () -> job.prepare(method, progress));
        List<String> probeSentences = setup.calibration().subList(0, Math.min(EncoderSensitivityProbe.DEFAULT_SENTENCES, setup.calibration().size()));
        String key = EncoderSensitivityProbe.cacheKey(setup.model(), setup.tokenizer().path(), method.name(), setup.pooling(),
                onRuntime ? "runtime statistics, batches of " + CALIBRATION_BATCH : "onnx statistics, batches of " + CALIBRATION_BATCH,
                setup.calibration(), probeSentences);
        Path file = setup.workFolder().resolve(cacheFile(name));
        MeasuredSensitivities cache = MeasuredSensitivities.openReplacing(file, key, probe, // another model, text or method: measure again
                why -> notes.add("sensitivity (" + name + "): replaced " + file + ", which held measurements of other inputs (" + why + ")"));
        sensitivityCaches.put(name, cache);
        SensitivityAllocator allocator = new SensitivityAllocator(cache, SensitivityAllocator.ASVD_CANDIDATES, progress);
        sensitivity.put(name, allocator);
        return allocator;
    }

    private static String cacheFile(String method) {
        return "sensitivity-" + fileSafe(method) + ".json";
    }

    /** A method label ({@code asvd:alpha=1}, {@code saes:alphas=0/1}) as part of a file name. */
    static String fileSafe(String label) {
        return label.replaceAll("[^A-Za-z0-9._-]", "_");
    }
}
