package org.lowrank4j.compress.harness;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.lowrank4j.compress.Listener;
import org.lowrank4j.compress.RankRules;
import org.lowrank4j.compress.allocation.Allocators;
import org.lowrank4j.compress.allocation.SensitivityAllocator;
import org.lowrank4j.compress.allocation.SizeTarget;
import org.lowrank4j.compress.check.ModelPairs;
import org.lowrank4j.compress.eval.EvalOptions;
import org.lowrank4j.compress.eval.Evaluation;
import org.lowrank4j.compress.methods.Methods;
import org.lowrank4j.compress.model.DecoderFolder;
import org.lowrank4j.compress.onnx.OnnxCompression;
import org.lowrank4j.compress.onnx.StatsCache;
import org.lowrank4j.compress.runtime.DecoderRuntime;
import org.lowrank4j.nn.train.LabelledTexts;
import org.lowrank4j.compress.text.TextCorpus;
import org.lowrank4j.compress.tokenize.HfTokenizer;
import org.lowrank4j.formats.hf.HfConfig;
import org.lowrank4j.nn.generate.CausalLanguageModel;
import org.lowrank4j.nn.generate.Tokenizer;
import org.lowrank4j.nn.train.TextFolder;

/**
 * The one entry point of {@code compare}: an {@code .onnx} encoder takes the encoder protocol ({@link EncoderComparison}:
 * embedding fidelity and a probe, through ONNX Runtime), a decoder model folder the decoder protocol ({@link
 * DecoderComparison}: held-out perplexity, bits per byte and the matrix nuclear norm). Every finished row goes to the
 * folder's journal first ({@link ComparisonJournal}), so an interrupted run resumes; the reports are built from the
 * journal's rows in grid order.
 */
public final class Comparisons {
    private static final Path DEFAULT_DATA = Path.of("..", "shared", "data", "sotu");

    private Comparisons() {
    }

    /** What a finished comparison wrote: its table as Markdown and the notes (skipped rows, where work ran). */
    public record ComparisonRun(String markdown, List<String> notes, Path folder) {
    }

    /**
     * @throws IllegalArgumentException for a user mistake, before long work where it can be seen early
     */
    public static ComparisonRun run(ComparisonRequest r, Listener listener) throws IOException {
        r.methods().forEach(Methods::label); // a bad name or option fails before any work
        r.allocations().stream().filter(a -> !SensitivityAllocator.isSensitivity(a)).forEach(Allocators::byName);
        if ((r.ratios() == null) == (r.targetSizes() == null)) {
            throw new IllegalArgumentException("give either --ratios or --target-sizes");
        }
        if (r.ratios() != null) {
            r.ratios().forEach(ratio -> RankRules.requireRatio(ratio, "--ratios"));
            if (new java.util.HashSet<>(r.ratios()).size() < r.ratios().size()) {
                throw new IllegalArgumentException("--ratios " + r.ratios() + " names a ratio twice; give each ratio once");
            }
        }
        if (r.model() == null || !Files.exists(r.model())) {
            throw new IllegalArgumentException("--model " + r.model() + " does not exist; give an .onnx encoder or a decoder model folder");
        }
        return Files.isDirectory(r.model()) ? decoder(r, listener) : encoder(r, listener);
    }

    private static ComparisonRun encoder(ComparisonRequest r, Listener listener) throws IOException {
        if (r.data() != null || r.calibrationFrom() != null || r.calibrationTo() != null || r.evalFrom() != null || r.evalTo() != null
                || r.maxBytes() != null || r.calibrationWindows() != null) {
            throw new IllegalArgumentException("--data, --calib-from/--calib-to, --eval-from/--eval-to, --max-bytes and --calib-windows apply to "
                    + "decoder model folders; " + r.model() + " is an ONNX file");
        }
        if (r.tokenizer() == null) {
            throw new IllegalArgumentException("--tokenizer is required for an ONNX encoder (its tokenizer.json)");
        }
        if (!Files.isRegularFile(r.tokenizer())) {
            throw new IllegalArgumentException("--tokenizer " + r.tokenizer() + " does not exist or is not a file");
        }
        int sequences = r.calibrationSequences() == null ? 256 : r.calibrationSequences();
        TextCorpus.requireCalibrationOptions(sequences, r.calibrationUnit());
        List<Double> ratios = r.ratios();
        if (r.targetSizes() != null) {
            OnnxCompression probe = OnnxCompression.open(r.model());
            ratios = ratiosFor(r.targetSizes(), Files.size(r.model()), probe.targetedParameters(), probe.bytesPerParameter(), listener);
        }
        Path out = r.out();
        List<String> calibration = TextCorpus.calibration(r.calibration(), sequences, r.calibrationUnit()); // null: the vendored mix
        List<String> heldOut = (r.heldOut() == null ? TextCorpus.heldOut() : TextCorpus.sentences(r.heldOut())).first(r.sentences());
        List<Evaluation.TextSet> outOfDomain = Evaluation.outOfDomainSets(r.sentences());
        LabelledTexts probeSet = r.probe() == null ? TextCorpus.partyProbe() : LabelledTexts.load(r.probe());
        try (HfTokenizer tok = HfTokenizer.load(r.tokenizer())) {
            ModelPairs.requireTokenizerFits(r.tokenizer(), tok.vocabularySize(), r.model());
            Files.createDirectories(out); // with its parents, once the texts and the tokenizer are accepted
            EncoderComparison.Setup setup = new EncoderComparison.Setup(r.model(), tok, r.pooling(), calibration, heldOut, outOfDomain, probeSet,
                    EvalOptions.defaults().withThreads(Runtime.getRuntime().availableProcessors()), out, r.keepModels());
            Map<String, Object> context = new LinkedHashMap<>();
            context.put("model", r.model().toString());
            context.put("calibration", (r.calibration() == null ? "vendored mix (Moby Dick ch. 1-67 + SOTU)" : r.calibration().toString()) + ", "
                    + calibration.size() + " sequences");
            context.put("held_out", (r.heldOut() == null ? "vendored SOTU 1900-1945" : r.heldOut().toString()) + ", " + heldOut.size() + " sentences");
            context.put("out_of_domain", String.join(", ", outOfDomain.stream().map(t -> t.source() + " (" + t.texts().size() + " sentences)").toList()));
            context.put("probe", probeSet.source());
            context.put("command", r.command());
            StatsCache.Key setupKey = new StatsCache.Key().text("encoder").file(r.model()).file(tok.path())
                    .text(r.pooling().name().toLowerCase(Locale.ROOT));
            calibration.forEach(setupKey::text);
            setupKey.text("held out");
            heldOut.forEach(setupKey::text);
            for (Evaluation.TextSet set : outOfDomain) {
                setupKey.text("out of domain " + set.name());
                set.texts().forEach(setupKey::text);
            }
            setupKey.text("probe " + probeSet.source());
            probeSet.texts().forEach(setupKey::text);
            ComparisonJournal journal = openJournal(r, setupKey.hex(), listener);
            EncoderComparison comparison = new EncoderComparison(setup, statsCache(r), listener);
            comparison.run(r.methods(), r.allocations(), ratios, listener,
                    row -> record(journal, ComparisonJournal.key(row.method(), row.allocation(), row.ratio()), ComparisonReport.run(row)), journal::has);
            if (!comparison.notes().isEmpty()) {
                context.put("notes", String.join("; ", comparison.notes()));
            }
            List<JsonNode> runs = inGridOrder(journal, r.methods(), r.allocations(), ratios);
            ComparisonReport.writeRuns(out, runs, context);
            return new ComparisonRun(ComparisonReport.markdownOf(runs), comparison.notes(), out);
        }
    }

    private static ComparisonRun decoder(ComparisonRequest r, Listener listener) throws IOException {
        Path model = r.model();
        if (r.tokenizer() != null || r.calibration() != null || r.heldOut() != null || r.probe() != null) {
            throw new IllegalArgumentException("--tokenizer, --calib, --text and --probe apply to ONNX encoders; for the decoder folder " + model
                    + " use --data with --calib-from/--calib-to and --eval-from/--eval-to");
        }
        int windows = r.calibrationWindows() == null ? 64 : r.calibrationWindows();
        long limit = r.maxBytes() == null ? 150_000 : r.maxBytes();
        if (windows < 1 || limit < 2) {
            throw new IllegalArgumentException("--calib-windows must be >= 1 and --max-bytes >= 2, got " + windows + " and " + limit);
        }
        Path folder = r.data() == null ? DEFAULT_DATA : r.data();
        if (Files.exists(folder) && !Files.isDirectory(folder)) {
            throw new IllegalArgumentException("--data " + folder + " is a file; compare splits a folder of YEAR_*.txt files by year"
                    + " (--calib-from/--calib-to, --eval-from/--eval-to): give that folder");
        }
        int cFrom = r.calibrationFrom() == null ? 1790 : r.calibrationFrom(), cTo = r.calibrationTo() == null ? 1945 : r.calibrationTo();
        int eFrom = r.evalFrom() == null ? 1981 : r.evalFrom(), eTo = r.evalTo() == null ? 2021 : r.evalTo();
        if (Math.max(cFrom, eFrom) <= Math.min(cTo, eTo)) {
            throw new IllegalArgumentException("calibration years " + cFrom + "-" + cTo + " overlap held-out years " + eFrom + "-" + eTo
                    + "; the evaluation must be on text the calibration did not see");
        }
        DecoderFolder.requireModelFolder(model);
        if (org.lowrank4j.nn.arch.mamba.MambaConfig.isMambaFolder(model) || org.lowrank4j.nn.cskv.CskvFolder.isCskv(model)) {
            throw new IllegalArgumentException("compare takes LLaMA- and GPT-2-family decoder folders; " + model + " is a "
                    + (org.lowrank4j.nn.cskv.CskvFolder.isCskv(model) ? "CSKV folder (shrunk KV caches)" : "Mamba folder (compress --method dlrmamba)"));
        }
        String calibrationText = TextFolder.readText(folder, cFrom, cTo, "--data");
        String heldOutText = TextFolder.firstBytes(TextFolder.readText(folder, eFrom, eTo, "--data"), limit);
        CausalLanguageModel decoder = DecoderFolder.loadCompressible(model); // LLaMA or GPT-2 family
        Tokenizer tok = DecoderFolder.loadTokenizer(model, decoder.vocabSize());
        int context = decoder.defaultWindow();
        int[] calibrationTokens = tok.encode(calibrationText), evalTokens = tok.encode(heldOutText);
        if (calibrationTokens.length < context + 1 || evalTokens.length < context + 1) {
            throw new IllegalArgumentException("--data " + folder + " holds too little text for windows of " + context + " tokens ("
                    + calibrationTokens.length + " calibration tokens, " + evalTokens.length + " held-out tokens)");
        }
        int[][] calibrationWindows = DecoderRuntime.calibrationWindows(calibrationTokens, "--data " + folder + " (calibration years " + cFrom
                + "-" + cTo + ")", context, windows, "--calib-windows");
        long evalBytes = heldOutText.getBytes(StandardCharsets.UTF_8).length;
        List<Double> ratios = r.ratios();
        if (r.targetSizes() != null) {
            long targeted = decoder.linearSites().values().stream().mapToLong(l -> (long) l.outFeatures() * l.inFeatures()).sum();
            ratios = ratiosFor(r.targetSizes(), decoder.parameterCount() * 4, targeted, 4, listener);
        }
        Path out = r.out();
        Files.createDirectories(out);
        DecoderComparison.Setup setup = new DecoderComparison.Setup(decoder, calibrationWindows,
                DecoderRuntime.windowsPerBatch(context), evalTokens, context, evalBytes);
        Map<String, Object> ctx = new LinkedHashMap<>();
        ctx.put("model", model + " (decoder, " + decoder.parameterCount() + " parameters, context " + context + ")");
        ctx.put("calibration", String.format(Locale.ROOT, "%s %d-%d, %d windows of %d tokens spread over %,d tokens", folder, cFrom, cTo, windows,
                context, calibrationTokens.length));
        ctx.put("held_out", String.format(Locale.ROOT, "%s %d-%d, first %,d bytes (%,d tokens), non-overlapping windows of %d", folder, eFrom, eTo,
                evalBytes, evalTokens.length, context));
        ctx.put("model_type", HfConfig.read(model).modelType());
        ctx.put("command", r.command());
        StatsCache.Key statsKey = new StatsCache.Key().text("decoder").file(model.resolve(HfConfig.FILE_NAME));
        for (Path file : DecoderFolder.weightFiles(model)) { // every shard, or pytorch_model.bin: the cache and journal follow the weights
            statsKey.file(file);
        }
        String stats = statsKey.tokens(setup.calibrationWindows()).text("batch " + setup.windowsPerBatch()).hex();
        ComparisonJournal journal = openJournal(r, new StatsCache.Key().text(stats).tokens(new int[][] {evalTokens})
                .text(context + " " + evalBytes).hex(), listener);
        DecoderComparison comparison = new DecoderComparison(setup, listener).persistTo(out, statsCache(r), stats);
        comparison.run(r.methods(), r.allocations(), ratios, listener,
                row -> record(journal, ComparisonJournal.key(row.method(), row.allocation(), row.ratio()), DecoderReport.run(row)), journal::has);
        ctx.put("calibration_seconds", comparison.job().calibrationSeconds());
        if (!comparison.groupNotes().isEmpty()) {
            ctx.put("notes", String.join("; ", comparison.groupNotes()));
        }
        List<JsonNode> runs = inGridOrder(journal, r.methods(), r.allocations(), ratios);
        DecoderReport.writeRuns(out, comparison.reference(), comparison.job().modelParameters(), runs, ctx);
        return new ComparisonRun(DecoderReport.markdownOf(comparison.reference(), comparison.job().modelParameters(), runs), List.of(), out);
    }

    /** The ratio for each target size, in the order given. */
    private static List<Double> ratiosFor(List<String> sizes, long currentBytes, long targetedParameters, int bytesPerParameter, Listener listener) {
        List<Double> out = new ArrayList<>();
        for (String size : sizes) {
            double ratio = SizeTarget.ratioFor(SizeTarget.parse(size, "--target-sizes"), currentBytes, targetedParameters, bytesPerParameter);
            listener.note(String.format(Locale.ROOT, "target %s: ratio %.4f", size.trim(), ratio));
            out.add(ratio);
        }
        return out;
    }

    private static StatsCache statsCache(ComparisonRequest r) {
        if (r.noStatsCache()) {
            return null;
        }
        return r.statsCache() == null ? StatsCache.defaultCache() : new StatsCache(r.statsCache());
    }

    private static ComparisonJournal openJournal(ComparisonRequest r, String setupKey, Listener listener) throws IOException {
        ComparisonJournal journal = ComparisonJournal.open(r.out(), setupKey, r.resume());
        if (r.resume()) {
            listener.note(String.format(Locale.ROOT, "resume: %d finished row(s) kept from %s", journal.resumed(), journal.file()));
        }
        return journal;
    }

    private static void record(ComparisonJournal journal, String key, JsonNode run) {
        try {
            journal.add(key, run);
        } catch (IOException e) {
            throw new UncheckedIOException("could not record a finished row in " + journal.file() + ": " + e.getMessage(), e);
        }
    }

    /** The journal's rows of this grid, in the order method, allocation, ratio. */
    private static List<JsonNode> inGridOrder(ComparisonJournal journal, List<String> methods, List<String> allocations, List<Double> ratios) {
        List<JsonNode> runs = new ArrayList<>();
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
}
