package org.lowrank4j.cli;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.lowrank4j.compress.CompressionOutcome;
import org.lowrank4j.compress.route.Compression;
import org.lowrank4j.compress.route.CompressionRequest;
import org.lowrank4j.compress.route.CompressionRun;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code lowrank compress}: one model in, one smaller model out, with a JSON record and an HTML report beside it. */
@Command(name = "compress", mixinStandardHelpOptions = true,
        description = "Compress the linear layers of an ONNX model, or of a decoder model folder, with a low-rank method; writes OUT"
                + " (an ONNX file, or a low-rank model folder for a decoder), OUT.json and OUT.html.")
final class CompressCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, description = "Input ONNX model, or a decoder model folder (config.json, model.safetensors, tokenizer.json) (never modified).")
    Path model;

    @Option(names = "--tokenizer", description = "ONNX models: the model's tokenizer.json (needed by every method but svd).")
    Path tokenizer;

    @Option(names = "--calib", description = "Calibration text: a .txt file or a folder of them; ONNX encoders default to the vendored mix of registers (Moby Dick ch. 1-67 + SOTU), decoder folders need it for every method but svd.")
    Path calib;

    @Option(names = "--ratio", description = "Fraction of the targeted layers' parameters to remove, in (0, 1) (this or --target-size).")
    Double ratio;

    @Option(names = "--target-size", description = "The size to reach instead of a ratio, e.g. 70MB, 900KB (MB = 10^6 bytes): the ONNX file's"
            + " size; for a decoder folder, its parameters in float32 bytes. The ratio is worked out from it and raised if the written model is"
            + " still larger.")
    String targetSize;

    @Option(names = "--method", defaultValue = "whitened", description = "svd | asvd | whitened | svd-llm | svd-llm-v2 | saes | lord | afm | basis-sharing;"
            + " fwsvd (Fisher-weighted: a decoder folder's next-token loss, an ONNX encoder's --labels task loss); decoder folders not basis-sharing. Options as NAME:KEY=VALUE[:KEY=VALUE], e.g. asvd:alpha=1,"
            + " saes:alphas=0/0.5/1, basis-sharing:group=3 (keys per method: docs/methods.md); hierarchical-prune:blocks=K|keep=N"
            + "[:protect=P][:order=sensitivity|position][:probe=S] removes whole blocks (docs/specs/hierarchical-prune.md);"
            + " modegpt[:allocation=block-influence|uniform] narrows a LLaMA decoder folder's MLPs and heads (results/modegpt);"
            + " cospadi (a dictionary times sparse codes, per layer or shared by blocks); rtn | gptq | eora | lq-lora | svdquant quantize (with a low-rank branch:"
            + " eora, lq-lora, svdquant); dlrmamba for a Mamba folder (default ${DEFAULT-VALUE}).")
    String method;

    @Option(names = "--allocation", defaultValue = "global", description = "uniform | global | energy | d-rank | welore | svd-llm-v2 | sensitivity | sensitivity-greedy"
            + " (the sensitivity rules, ONNX encoders only, measure 1 - cosine of pooled embeddings on 64 --calib sentences, one site truncated"
            + " at a time; sensitivity is ASVD's threshold search, sensitivity-greedy spends the budget where the measured loss per removed"
            + " parameter is lowest; both need --tokenizer) (default ${DEFAULT-VALUE}).")
    String allocation;

    @Option(names = "--pooling", defaultValue = "mean", description = "ONNX encoder, --allocation sensitivity: mean | cls, the model's pooling (default ${DEFAULT-VALUE}).")
    String pooling;

    @Option(names = "--out", required = true, description = "Output ONNX path; for a decoder folder, the low-rank model folder to write (must differ from every input).")
    Path out;

    @Option(names = "--force", description = "Replace OUT, OUT.json and OUT.html if they exist (never an input).")
    boolean force;

    @Option(names = "--calib-sequences", description = "ONNX models: calibration sequences to use, spread over the whole --calib text or the vendored mix (default 256).")
    Integer sequences;

    @Option(names = "--calib-unit", description = "ONNX encoders: sentences (one sentence per sequence, as a sentence encoder is used) | chunks"
            + " (~90 words) (default sentences).")
    String calibUnit;

    @Option(names = "--calib-windows", description = "Decoder folder: calibration windows of the model's context, spread evenly over --calib (default 64).")
    Integer calibWindows;

    @Option(names = "--calib-from", description = "Decoder folder, with a --calib folder: only files named YEAR_*.txt with YEAR >= this.")
    Integer calibFrom;

    @Option(names = "--calib-to", description = "Decoder folder, with a --calib folder: only files named YEAR_*.txt with YEAR <= this.")
    Integer calibTo;

    @Option(names = "--embeddings", description = "ONNX encoders: write the word-embedding table at rank R as a narrow table and a MatMul:"
            + " afm:rank=R (AFM, fitted to the rows --calib looks up; needs --tokenizer and --calib) | svd:rank=R (truncated SVD of the table)."
            + " Combines with --method/--ratio; alone (no --ratio or --target-size) only the table changes. Counted in the whole-model ratio and bytes.")
    String embeddings;

    @Option(names = "--labels", description = "ONNX encoders, --method fwsvd: the two-class texts whose task loss gives the Fisher (a logistic"
            + " head is fitted on the frozen encoder's pooled embeddings; gradients per text): a label<TAB>text file or a SpamAssassin folder"
            + " (default: the vendored SOTU party probe, the one eval probes by default).")
    Path labels;

    @Option(names = "--blockwise", description = "LLaMA- or GPT-2-family (GPT-2, OPT) decoder folder: compress one block at a time in bounded memory (weights read per block,"
            + " calibration activations spilled beside OUT, the output written as one shard per block), for models larger than the heap;"
            + " same factors as without it; takes --allocation uniform and --ratio.")
    boolean blockwise;

    @Option(names = "--threads", description = "Threads for ONNX Runtime, BLAS and the JVM runtime's kernels (default: all cores).")
    Integer threads;

    @Override
    public Integer call() throws Exception {
        CompressionRequest request = CompressionRequest.builder().model(model).tokenizer(tokenizer).calibration(calib).method(method)
                .allocation(allocation).ratio(ratio).targetSize(targetSize).pooling(EvalCommand.parsePooling(pooling))
                .calibrationSequences(sequences).calibrationUnit(calibUnit).calibrationWindows(calibWindows).calibrationYears(calibFrom, calibTo)
                .threads(threads).out(out).force(force).embeddings(embeddings).labels(labels).blockwise(blockwise).build();
        CompressionRun run = Compression.run(request, ProgressBar.stderrListener());
        CompressionOutcome o = run.outcome();
        // quantizing methods keep every parameter and remove bytes, so the parameter figures are shown only when they moved
        String parameters = o.result().achievedRatio() > 0 || o.embeddings() != null ? String.format(Locale.ROOT, "targeted layers %d → %d parameters (ratio %.4f), whole model %.4f, ",
                o.result().targetedParametersBefore(), o.result().targetedParametersAfter(), o.result().achievedRatio(), o.modelRatio()) : "";
        System.out.printf(Locale.ROOT, "wrote %s: %s%.1f MB → %.1f MB (%.3f× the bytes), %.1f s%n", out, parameters, o.bytesIn() / 1e6,
                o.bytesOut() / 1e6, (double) o.bytesOut() / o.bytesIn(), run.wallSeconds());
        System.out.println("record: " + run.record() + ", report: " + run.report());
        return 0;
    }
}
