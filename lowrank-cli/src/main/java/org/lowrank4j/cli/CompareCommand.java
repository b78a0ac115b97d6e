package org.lowrank4j.cli;

import org.lowrank4j.compress.model.DecoderFolder;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.lowrank4j.compress.allocation.Allocators;
import org.lowrank4j.compress.allocation.SensitivityAllocator;
import org.lowrank4j.compress.allocation.SizeTarget;
import org.lowrank4j.compress.eval.EvalOptions;
import org.lowrank4j.compress.harness.ComparisonJournal;
import org.lowrank4j.compress.harness.ComparisonReport;
import org.lowrank4j.compress.harness.DecoderComparison;
import org.lowrank4j.compress.harness.DecoderReport;
import org.lowrank4j.compress.harness.EncoderComparison;
import org.lowrank4j.compress.methods.Methods;
import org.lowrank4j.compress.onnx.StatsCache;
import org.lowrank4j.compress.runtime.DecoderRuntime;
import org.lowrank4j.compress.text.LabelledTexts;
import org.lowrank4j.compress.text.TextCorpus;
import org.lowrank4j.compress.tokenize.HfTokenizer;
import org.lowrank4j.nn.arch.llama.LlamaModel;
import org.lowrank4j.nn.generate.Tokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code lowrank compare}: every method × allocation × ratio on one model, one calibration, one evaluation. An
 * {@code .onnx} encoder takes the encoder protocol (embedding fidelity and a probe, through ONNX Runtime); a decoder
 * model folder ({@code config.json} + {@code model.safetensors}) takes the decoder protocol on the JVM runtime
 * (held-out perplexity, bits per byte and the matrix nuclear norm).
 */
@Command(name = "compare", mixinStandardHelpOptions = true,
        description = "Run methods × allocations × ratios on one ONNX encoder or one decoder model folder; writes results.json, results.md and report.html.")
final class CompareCommand implements Callable<Integer> {
    private static final Path DEFAULT_DATA = Path.of("..", "shared", "data", "sotu");

    @Option(names = "--model", required = true, description = "ONNX encoder (.onnx), or a decoder model folder (config.json, model.safetensors, tokenizer.json).")
    Path model;

    @Option(names = "--tokenizer", description = "Encoder: its tokenizer.json (required for .onnx).")
    Path tokenizer;

    @Option(names = "--pooling", defaultValue = "mean", description = "Encoder: mean | cls (default ${DEFAULT-VALUE}).")
    String pooling;

    @Option(names = "--calib", description = "Encoder: calibration text (default: the vendored SOTU 1790–1899 calibration set).")
    Path calib;

    @Option(names = "--calib-sequences", defaultValue = "256", description = "Encoder: calibration sequences (default ${DEFAULT-VALUE}).")
    int sequences;

    @Option(names = "--calib-unit", defaultValue = "sentences", description = "Encoder with --calib: sentences (one per sequence) | chunks (~90 words) (default ${DEFAULT-VALUE}).")
    String calibUnit;

    @Option(names = "--text", description = "Encoder: held-out sentences (default: the vendored SOTU 1900–1945 set).")
    Path text;

    @Option(names = "--sentences", defaultValue = "500", description = "Encoder: at most this many held-out sentences (default ${DEFAULT-VALUE}).")
    int sentences;

    @Option(names = "--probe", description = "Encoder: label<TAB>text file or SpamAssassin folder (default: vendored SOTU party probe).")
    Path probe;

    @Option(names = "--data", description = "Decoder: folder of YEAR_*.txt files (default ../shared/data/sotu).")
    Path data;

    @Option(names = "--calib-from", description = "Decoder: first calibration year (default 1790).")
    Integer calibFrom;

    @Option(names = "--calib-to", description = "Decoder: last calibration year (default 1945).")
    Integer calibTo;

    @Option(names = "--eval-from", description = "Decoder: first held-out year (default 1981).")
    Integer evalFrom;

    @Option(names = "--eval-to", description = "Decoder: last held-out year (default 2021).")
    Integer evalTo;

    @Option(names = "--max-bytes", description = "Decoder: evaluate the first N bytes of the held-out text (default 150000).")
    Long maxBytes;

    @Option(names = "--calib-windows", description = "Decoder: calibration windows of the model's context, spread over the text (default 64).")
    Integer calibWindows;

    @Option(names = "--methods", split = ",", defaultValue = "svd,asvd,whitened", description = "Methods: svd, asvd, whitened, svd-llm, svd-llm-v2, saes, lord, afm, basis-sharing; fwsvd on decoder folders only"
            + " (on an ONNX encoder svd-llm, saes and basis-sharing run on the JVM runtime's copy and are written back to ONNX). Options as"
            + " NAME:KEY=VALUE[:KEY=VALUE], lists with /, e.g. asvd:alpha=0.25,asvd:alpha=1 compares two settings (keys: docs/methods.md)"
            + " (default ${DEFAULT-VALUE}).")
    List<String> methods;

    @Option(names = "--allocations", split = ",", defaultValue = "uniform", description = "Allocations: uniform, global, energy, d-rank, welore, svd-llm-v2, sensitivity, sensitivity-greedy (default ${DEFAULT-VALUE}).")
    List<String> allocations;

    @Option(names = "--ratios", split = ",", defaultValue = "0.1,0.2,0.3,0.4,0.5", description = "Ratios (default ${DEFAULT-VALUE}).")
    List<Double> ratios;

    @Option(names = "--target-sizes", split = ",", description = "Sizes instead of ratios, e.g. 80MB,70MB: each becomes the ratio that removes the bytes"
            + " above it (ONNX: the file; decoder: float32 parameters); rows report the size reached.")
    List<String> targetSizes;

    @Option(names = "--out", required = true, description = "Folder for results (created if missing).")
    Path out;

    @Option(names = "--resume", description = "Keep the rows an interrupted run of the same setup left in --out (rows.jsonl) and compute only"
            + " the missing ones; calibration statistics are reused from the statistics cache either way.")
    boolean resume;

    @Option(names = "--stats-cache", description = "Folder where calibration statistics are kept between runs, keyed by a hash of the model"
            + " and the calibration text (default: $LOWRANK_CACHE/stats or ~/.cache/lowrank4j/stats).")
    Path statsCache;

    @Option(names = "--no-stats-cache", description = "Collect calibration statistics afresh and keep none.")
    boolean noStatsCache;

    @Option(names = "--force", description = "Start over in an --out folder that holds an earlier comparison (without --resume its rows are replaced).")
    boolean force;

    @Option(names = "--keep-models", description = "Encoder: keep every compressed model in --out (default: deleted after evaluation).")
    boolean keepModels;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        methods.forEach(Methods::label); // a bad name or option fails before any work
        allocations.stream().filter(a -> !SensitivityAllocator.isSensitivity(a)).forEach(Allocators::byName);
        if (targetSizes != null && spec.commandLine().getParseResult().hasMatchedOption("--ratios")) {
            throw new IllegalArgumentException("give either --ratios or --target-sizes");
        }
        ratios.forEach(Inputs::requireRatio);
        if (model == null || !Files.exists(model)) {
            throw new IllegalArgumentException("--model " + model + " does not exist; give an .onnx encoder or a decoder model folder");
        }
        Inputs.requireResultsFolder(out, force, resume, "--model", model, "--tokenizer", tokenizer, "--calib", calib, "--text", text,
                "--probe", probe, "--data", data);
        return Files.isDirectory(model) ? decoder() : encoder();
    }

    private int encoder() throws Exception {
        if (data != null || calibFrom != null || calibTo != null || evalFrom != null || evalTo != null || maxBytes != null || calibWindows != null) {
            throw new IllegalArgumentException("--data, --calib-from/--calib-to, --eval-from/--eval-to, --max-bytes and --calib-windows apply to "
                    + "decoder model folders; " + model + " is an ONNX file");
        }
        Inputs.requireFile(model, "--model");
        if (tokenizer == null) {
            throw new IllegalArgumentException("--tokenizer is required for an ONNX encoder (its tokenizer.json)");
        }
        if (targetSizes != null) {
            org.lowrank4j.compress.onnx.OnnxCompression probe = org.lowrank4j.compress.onnx.OnnxCompression.open(model);
            ratios = ratiosFor(Files.size(model), probe.targetedParameters(), probe.bytesPerParameter());
        }
        Files.createDirectories(out);
        List<String> calibration = calib == null ? TextCorpus.calibration().first(sequences) : Inputs.calibrationText(calib, sequences, calibUnit);
        List<String> heldOut = (text == null ? TextCorpus.heldOut() : TextCorpus.sentences(text)).first(sentences);
        LabelledTexts probeSet = probe == null ? TextCorpus.partyProbe() : LabelledTexts.load(probe);
        try (HfTokenizer tok = HfTokenizer.load(Inputs.requireFile(tokenizer, "--tokenizer"))) {
            org.lowrank4j.compress.check.ModelPairs.requireTokenizerFits(tokenizer, tok.vocabularySize(), model);
            EncoderComparison.Setup setup = new EncoderComparison.Setup(model, tok, EvalCommand.parsePooling(pooling), calibration, heldOut, probeSet,
                    EvalOptions.defaults().withThreads(Runtime.getRuntime().availableProcessors()), out, keepModels);
            Map<String, Object> context = new LinkedHashMap<>();
            context.put("model", model.toString());
            context.put("calibration", (calib == null ? "vendored SOTU 1790-1899" : calib.toString()) + ", " + calibration.size() + " sequences");
            context.put("held_out", (text == null ? "vendored SOTU 1900-1945" : text.toString()) + ", " + heldOut.size() + " sentences");
            context.put("probe", probeSet.source());
            context.put("command", command());
            StatsCache.Key setupKey = new StatsCache.Key().text("encoder").file(model).file(tok.path()).text(pooling);
            calibration.forEach(setupKey::text);
            setupKey.text("held out");
            heldOut.forEach(setupKey::text);
            setupKey.text("probe " + probeSet.source());
            probeSet.texts().forEach(setupKey::text);
            ComparisonJournal journal = openJournal(setupKey.hex());
            EncoderComparison comparison = new EncoderComparison(setup, statsCache(), ProgressBar.stderr());
            comparison.run(methods, allocations, ratios, ProgressBar.stderr(),
                    row -> record(journal, ComparisonJournal.key(row.method(), row.allocation(), row.ratio()), ComparisonReport.run(row)), journal::has);
            if (!comparison.notes().isEmpty()) {
                context.put("notes", String.join("; ", comparison.notes()));
            }
            List<JsonNode> runs = inGridOrder(journal);
            ComparisonReport.writeRuns(out, runs, context);
            System.out.print(ComparisonReport.markdownOf(runs));
            comparison.notes().forEach(System.out::println);
            System.out.println("wrote " + out.resolve("results.json") + ", results.md, report.html");
        }
        return 0;
    }

    private int decoder() throws Exception {
        if (tokenizer != null || calib != null || text != null || probe != null) {
            throw new IllegalArgumentException("--tokenizer, --calib, --text and --probe apply to ONNX encoders; for the decoder folder " + model
                    + " use --data with --calib-from/--calib-to and --eval-from/--eval-to");
        }
        int windows = calibWindows == null ? 64 : calibWindows;
        long limit = maxBytes == null ? 150_000 : maxBytes;
        if (windows < 1 || limit < 2) {
            throw new IllegalArgumentException("--calib-windows must be >= 1 and --max-bytes >= 2, got " + windows + " and " + limit);
        }
        Path folder = data == null ? DEFAULT_DATA : data;
        int cFrom = calibFrom == null ? 1790 : calibFrom, cTo = calibTo == null ? 1945 : calibTo;
        int eFrom = evalFrom == null ? 1981 : evalFrom, eTo = evalTo == null ? 2021 : evalTo;
        if (Math.max(cFrom, eFrom) <= Math.min(cTo, eTo)) {
            throw new IllegalArgumentException("calibration years " + cFrom + "-" + cTo + " overlap held-out years " + eFrom + "-" + eTo
                    + "; the evaluation must be on text the calibration did not see");
        }
        DecoderFolder.requireModelFolder(model);
        String calibrationText = DecoderFolder.readText(folder, cFrom, cTo, "--data");
        String heldOutText = DecoderFolder.firstBytes(DecoderFolder.readText(folder, eFrom, eTo, "--data"), limit);
        LlamaModel decoder = DecoderFolder.loadModel(model);
        Tokenizer tok = DecoderFolder.loadTokenizer(model, decoder.vocabSize());
        int context = decoder.maxPositions();
        int[] calibrationTokens = tok.encode(calibrationText), evalTokens = tok.encode(heldOutText);
        if (calibrationTokens.length < context + 1 || evalTokens.length < context + 1) {
            throw new IllegalArgumentException("--data " + folder + " holds too little text for windows of " + context + " tokens ("
                    + calibrationTokens.length + " calibration tokens, " + evalTokens.length + " held-out tokens)");
        }
        long evalBytes = heldOutText.getBytes(StandardCharsets.UTF_8).length;
        if (targetSizes != null) {
            long targeted = decoder.linearSites().values().stream().mapToLong(l -> (long) l.outFeatures() * l.inFeatures()).sum();
            ratios = ratiosFor(decoder.parameterCount() * 4, targeted, 4);
        }
        Files.createDirectories(out);
        DecoderComparison.Setup setup = new DecoderComparison.Setup(decoder, DecoderRuntime.windows(calibrationTokens, context, windows),
                8, evalTokens, context, evalBytes);
        Map<String, Object> ctx = new LinkedHashMap<>();
        ctx.put("model", model.toString() + " (decoder, " + decoder.parameterCount() + " parameters, context " + context + ")");
        ctx.put("calibration", String.format(Locale.ROOT, "%s %d-%d, %d windows of %d tokens spread over %,d tokens", folder, cFrom, cTo, windows,
                context, calibrationTokens.length));
        ctx.put("held_out", String.format(Locale.ROOT, "%s %d-%d, first %,d bytes (%,d tokens), non-overlapping windows of %d", folder, eFrom, eTo,
                evalBytes, evalTokens.length, context));
        ctx.put("note", "the decoder is this project's own small model trained on SOTU text (no pretrained decoder is available here)");
        ctx.put("command", command());
        StatsCache.Key statsKey = new StatsCache.Key().text("decoder");
        for (String name : List.of("config.json", "model.safetensors")) {
            if (Files.isRegularFile(model.resolve(name))) {
                statsKey.file(model.resolve(name));
            }
        }
        String stats = statsKey.tokens(setup.calibrationWindows()).text("batch " + setup.windowsPerBatch()).hex();
        ComparisonJournal journal = openJournal(new StatsCache.Key().text(stats).tokens(new int[][] {evalTokens})
                .text(context + " " + evalBytes).hex());
        DecoderComparison comparison = new DecoderComparison(setup, ProgressBar.stderr())
                .persistTo(out, statsCache(), stats);
        comparison.run(methods, allocations, ratios, ProgressBar.stderr(),
                row -> record(journal, ComparisonJournal.key(row.method(), row.allocation(), row.ratio()), DecoderReport.run(row)), journal::has);
        ctx.put("calibration_seconds", comparison.job().calibrationSeconds());
        List<JsonNode> runs = inGridOrder(journal);
        DecoderReport.writeRuns(out, comparison.reference(), comparison.job().modelParameters(), runs, ctx);
        System.out.print(DecoderReport.markdownOf(comparison.reference(), comparison.job().modelParameters(), runs));
        System.out.println("wrote " + out.resolve("results.json") + ", results.md, report.html");
        return 0;
    }


    /** The ratio for each --target-sizes entry, in the order given. */
    private List<Double> ratiosFor(long currentBytes, long targetedParameters, int bytesPerParameter) {
        List<Double> out = new java.util.ArrayList<>();
        for (String size : targetSizes) {
            double r = SizeTarget.ratioFor(SizeTarget.parse(size, "--target-sizes"), currentBytes, targetedParameters, bytesPerParameter);
            System.err.printf(Locale.ROOT, "target %s: ratio %.4f%n", size.trim(), r);
            out.add(r);
        }
        return out;
    }

    private StatsCache statsCache() {
        if (noStatsCache) {
            return null;
        }
        return statsCache == null ? StatsCache.defaultCache() : new StatsCache(statsCache);
    }

    private ComparisonJournal openJournal(String setupKey) throws java.io.IOException {
        ComparisonJournal journal = ComparisonJournal.open(out, setupKey, resume);
        if (resume) {
            System.err.printf(Locale.ROOT, "resume: %d finished row(s) kept from %s%n", journal.resumed(), journal.file());
        }
        return journal;
    }

    private static void record(ComparisonJournal journal, String key, JsonNode run) {
        try {
            journal.add(key, run);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("could not record a finished row in " + journal.file() + ": " + e.getMessage(), e);
        }
    }

    /** The journal's rows of this command's grid, in the order method, allocation, ratio. */
    private List<JsonNode> inGridOrder(ComparisonJournal journal) {
        List<JsonNode> runs = new java.util.ArrayList<>();
        for (String method : methods) {
            for (String allocation : allocations) {
                for (double ratio : ratios) {
                    JsonNode run = journal.get(ComparisonJournal.key(Methods.label(method), allocation, ratio));
                    if (run != null) {
                        runs.add(run);
                    }
                }
            }
        }
        return runs;
    }

    private String command() {
        return "lowrank " + String.join(" ", spec.commandLine().getParseResult().originalArgs());
    }
}
