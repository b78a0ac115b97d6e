package org.lowrank4j.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.lowrank4j.compress.eval.EvalOptions;
import org.lowrank4j.compress.harness.ComparisonReport;
import org.lowrank4j.compress.harness.EncoderComparison;
import org.lowrank4j.compress.methods.Methods;
import org.lowrank4j.compress.text.LabelledTexts;
import org.lowrank4j.compress.text.TextCorpus;
import org.lowrank4j.compress.tokenize.HfTokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code lowrank compare}: every method × allocation × ratio on one encoder, one calibration, one evaluation. */
@Command(name = "compare", mixinStandardHelpOptions = true,
        description = "Run methods × allocations × ratios on one ONNX encoder; writes results.json, results.md and report.html.")
final class CompareCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, description = "ONNX encoder.")
    Path model;

    @Option(names = "--tokenizer", required = true, description = "Its tokenizer.json.")
    Path tokenizer;

    @Option(names = "--pooling", defaultValue = "mean", description = "mean | cls (default ${DEFAULT-VALUE}).")
    String pooling;

    @Option(names = "--calib", description = "Calibration text (default: the vendored SOTU 1790–1899 calibration set).")
    Path calib;

    @Option(names = "--calib-sequences", defaultValue = "256", description = "Calibration sequences (default ${DEFAULT-VALUE}).")
    int sequences;

    @Option(names = "--text", description = "Held-out sentences (default: the vendored SOTU 1900–1945 set).")
    Path text;

    @Option(names = "--sentences", defaultValue = "500", description = "At most this many held-out sentences (default ${DEFAULT-VALUE}).")
    int sentences;

    @Option(names = "--probe", description = "Probe: label<TAB>text file or SpamAssassin folder (default: vendored SOTU party probe).")
    Path probe;

    @Option(names = "--methods", split = ",", defaultValue = "svd,asvd,whitened", description = "Methods (default ${DEFAULT-VALUE}).")
    List<String> methods;

    @Option(names = "--allocations", split = ",", defaultValue = "uniform", description = "Allocations: uniform, global, energy, d-rank, welore (default ${DEFAULT-VALUE}).")
    List<String> allocations;

    @Option(names = "--ratios", split = ",", defaultValue = "0.1,0.2,0.3,0.4,0.5", description = "Ratios (default ${DEFAULT-VALUE}).")
    List<Double> ratios;

    @Option(names = "--out", required = true, description = "Folder for results (created if missing).")
    Path out;

    @Option(names = "--keep-models", description = "Keep every compressed model in --out (default: deleted after evaluation).")
    boolean keepModels;

    @Override
    public Integer call() throws Exception {
        methods.forEach(Methods::byName);
        allocations.forEach(org.lowrank4j.compress.allocation.Allocators::byName);
        ratios.forEach(Inputs::requireRatio);
        Inputs.requireFile(model, "--model");
        Files.createDirectories(out);
        List<String> calibration = calib == null ? TextCorpus.calibration().first(sequences) : Inputs.calibrationText(calib, sequences);
        List<String> heldOut = (text == null ? TextCorpus.heldOut() : TextCorpus.sentences(text)).first(sentences);
        LabelledTexts probeSet = probe == null ? TextCorpus.partyProbe() : LabelledTexts.load(probe);
        try (HfTokenizer tok = HfTokenizer.load(Inputs.requireFile(tokenizer, "--tokenizer"))) {
            EncoderComparison.Setup setup = new EncoderComparison.Setup(model, tok, EvalCommand.parsePooling(pooling), calibration, heldOut, probeSet,
                    EvalOptions.defaults().withThreads(Runtime.getRuntime().availableProcessors()), out, keepModels);
            Map<String, Object> context = new LinkedHashMap<>();
            context.put("model", model.toString());
            context.put("calibration", (calib == null ? "vendored SOTU 1790-1899" : calib.toString()) + ", " + calibration.size() + " sequences");
            context.put("held_out", (text == null ? "vendored SOTU 1900-1945" : text.toString()) + ", " + heldOut.size() + " sentences");
            context.put("probe", probeSet.source());
            context.put("command", "lowrank " + String.join(" ", spec.commandLine().getParseResult().originalArgs()));
            EncoderComparison comparison = new EncoderComparison(setup, ProgressBar.stderr());
            var rows = comparison.run(methods, allocations, ratios, ProgressBar.stderr(), row -> { });
            ComparisonReport.write(out, rows, context);
            System.out.print(ComparisonReport.markdown(rows));
            System.out.println("wrote " + out.resolve("results.json") + ", results.md, report.html");
        }
        return 0;
    }

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;
}
