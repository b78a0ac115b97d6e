package org.lowrank4j.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.lowrank4j.compress.harness.ComparisonRequest;
import org.lowrank4j.compress.harness.Comparisons;
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
    @Option(names = "--model", required = true, description = "ONNX encoder (.onnx), or a decoder model folder (config.json, model.safetensors, tokenizer.json).")
    Path model;

    @Option(names = "--tokenizer", description = "Encoder: its tokenizer.json (required for .onnx).")
    Path tokenizer;

    @Option(names = "--pooling", defaultValue = "mean", description = "Encoder: mean | cls (default ${DEFAULT-VALUE}).")
    String pooling;

    @Option(names = "--calib", description = "Encoder: calibration text (default: the vendored mix of registers, Moby Dick ch. 1–67 + SOTU).")
    Path calib;

    @Option(names = "--calib-sequences", description = "Encoder: calibration sequences (default 256).")
    Integer sequences;

    @Option(names = "--calib-unit", description = "Encoder with --calib: sentences (one per sequence) | chunks (~90 words) (default sentences).")
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

    @Option(names = "--methods", split = ",", defaultValue = "svd,asvd,whitened", description = "Methods: svd, asvd, whitened, svd-llm, svd-llm-v2, saes, lord, afm, basis-sharing, fwsvd (on an encoder its Fisher comes from the --probe set's task loss)"
            + " (on an ONNX encoder svd-llm, saes and basis-sharing run on the JVM runtime's copy and are written back to ONNX). Options as"
            + " NAME:KEY=VALUE[:KEY=VALUE], lists with /, e.g. asvd:alpha=0.25,asvd:alpha=1 compares two settings (keys: docs/methods.md)"
            + " (default ${DEFAULT-VALUE}).")
    List<String> methods;

    @Option(names = "--allocations", split = ",", defaultValue = "uniform", description = "Allocations: uniform, global, energy, d-rank, welore, svd-llm-v2, sensitivity, sensitivity-greedy (default ${DEFAULT-VALUE}).")
    List<String> allocations;

    @Option(names = "--ratios", split = ",", description = "Ratios (default 0.1,0.2,0.3,0.4,0.5; or --target-sizes).")
    List<Double> ratios;

    @Option(names = "--target-sizes", split = ",", description = "Sizes instead of ratios, e.g. 80MB,70MB: each becomes the ratio that removes the bytes"
            + " above it (ONNX: the file; decoder: float32 parameters); rows report the size reached.")
    List<String> targetSizes;

    @Option(names = "--out", required = true, description = "Folder for results (created if missing).")
    Path out;

    @Option(names = "--resume", description = "Keep the rows an interrupted run of the same setup left in --out (rows.jsonl) and compute only"
            + " the missing ones (the uncompressed model's reference figures are measured again); calibration statistics are reused"
            + " from the statistics cache either way.")
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
        Inputs.requireResultsFolder(out, force, resume, true, "--model", model, "--tokenizer", tokenizer, "--calib", calib, "--text", text,
                "--probe", probe, "--data", data);
        ComparisonRequest request = ComparisonRequest.builder().model(model).tokenizer(tokenizer).pooling(EvalCommand.parsePooling(pooling))
                .calibration(calib).calibrationSequences(sequences).calibrationUnit(calibUnit).heldOut(text).sentences(sentences).probe(probe)
                .data(data).calibrationFrom(calibFrom).calibrationTo(calibTo).evalFrom(evalFrom).evalTo(evalTo).maxBytes(maxBytes)
                .calibrationWindows(calibWindows).methods(methods).allocations(allocations)
                .ratios(ratios == null && targetSizes == null ? DEFAULT_RATIOS : ratios).targetSizes(targetSizes).out(out).resume(resume)
                .statsCache(statsCache).noStatsCache(noStatsCache).keepModels(keepModels)
                .command("lowrank " + String.join(" ", spec.commandLine().getParseResult().originalArgs())).build();
        Comparisons.ComparisonRun run = Comparisons.run(request, ProgressBar.stderrListener());
        System.out.print(run.markdown());
        run.notes().forEach(System.out::println);
        System.out.println("wrote " + out.resolve("results.json") + ", results.md, report.html");
        return 0;
    }

    private static final List<Double> DEFAULT_RATIOS = List.of(0.1, 0.2, 0.3, 0.4, 0.5);
}
