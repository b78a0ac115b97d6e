package org.lowrank4j.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.stream.Stream;
import org.lowrank4j.compress.Compressor;
import org.lowrank4j.compress.LinearWeight;
import org.lowrank4j.compress.allocation.Allocators;
import org.lowrank4j.compress.allocation.RankAllocator;
import org.lowrank4j.compress.allocation.SizeTarget;
import org.lowrank4j.compress.methods.CompressionMethod;
import org.lowrank4j.compress.methods.Methods;
import org.lowrank4j.compress.methods.basis.BasisSharing;
import org.lowrank4j.compress.onnx.OnnxCompression;
import org.lowrank4j.compress.report.CompressionRecord;
import org.lowrank4j.compress.runtime.DecoderRuntime;
import org.lowrank4j.compress.runtime.RuntimeCompression;
import org.lowrank4j.nn.arch.llama.LlamaModel;
import org.lowrank4j.nn.arch.llama.LowRankFolder;
import org.lowrank4j.nn.generate.Tokenizer;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.weight.LowRankWeight;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code lowrank compress} on a decoder model folder ({@code config.json}, {@code model.safetensors}, {@code tokenizer.json}):
 * the decoder runs in the JVM runtime, calibration statistics come from fixed-length windows of the model's context spread
 * over the {@code --calib} text (as {@code lowrank compare} cuts them), the method and allocation are any of
 * {@link Methods} and {@link Allocators} (sequential methods run their pass), and the result is written as a low-rank
 * model folder ({@link LowRankFolder}) that {@code generate}, {@code perplexity} and {@code recover} load. Beside it,
 * {@code OUT.json} and {@code OUT.html} as for an ONNX model.
 */
final class DecoderCompress {
    /** Calibration windows when {@code --calib-windows} is not given (as in {@code lowrank compare}). */
    static final int DEFAULT_WINDOWS = 64;

    /** Windows run forward at once during calibration. */
    private static final int WINDOWS_PER_BATCH = 8;

    /** The options of {@code compress} that apply to decoder folders only. */
    static final class Options {
        @Spec(Spec.Target.MIXEE)
        CommandSpec mixee;

        @Option(names = "--calib-windows", description = "Decoder folder: calibration windows of the model's context, spread evenly over --calib (default 64).")
        Integer calibWindows;

        @Option(names = "--calib-from", description = "Decoder folder, with a --calib folder: only files named YEAR_*.txt with YEAR >= this.")
        Integer calibFrom;

        @Option(names = "--calib-to", description = "Decoder folder, with a --calib folder: only files named YEAR_*.txt with YEAR <= this.")
        Integer calibTo;

        /** Whether the command line named {@code option}. */
        boolean given(String option) {
            return mixee != null && mixee.commandLine() != null && mixee.commandLine().getParseResult() != null
                    && mixee.commandLine().getParseResult().hasMatchedOption(option);
        }

        /** Refuses these options for an ONNX model. */
        void rejectFor(Path model) {
            if (calibWindows != null || calibFrom != null || calibTo != null) {
                throw new IllegalArgumentException("--calib-windows, --calib-from and --calib-to apply to decoder model folders; " + model
                        + " is an ONNX file");
            }
        }
    }

    private DecoderCompress() {
    }

    static int run(CompressCommand c, Options o) throws IOException {
        long start = System.nanoTime();
        Long target = c.budget();
        DecoderFolder.requireModelFolder(c.model);
        if (c.tokenizer != null || o.given("--calib-sequences")) {
            throw new IllegalArgumentException("--tokenizer and --calib-sequences apply to ONNX models; the decoder folder " + c.model
                    + " brings its own tokenizer.json (use --calib-windows)");
        }
        if (BasisSharing.isSpec(c.method)) {
            throw new IllegalArgumentException("--method basis-sharing shares one basis across layers, which a low-rank model folder does"
                    + " not store; compare it with lowrank compare");
        }
        CompressionMethod method = Methods.byName(c.method);
        if (org.lowrank4j.compress.allocation.SensitivityAllocator.isSensitivity(c.allocation)) {
            throw new IllegalArgumentException("--allocation sensitivity runs in lowrank compare only so far; choose one of "
                    + Allocators.all().stream().map(RankAllocator::name).toList());
        }
        RankAllocator allocator = Allocators.byName(c.allocation);
        LowRankFolder.requireOutput(c.out, c.model);
        int count = o.calibWindows == null ? DEFAULT_WINDOWS : o.calibWindows;
        if (count < 1) {
            throw new IllegalArgumentException("--calib-windows must be at least 1, got " + count);
        }
        boolean data = !method.requirements().isEmpty();
        if (data && c.calib == null) {
            throw new IllegalArgumentException("--method " + method.name() + " reads calibration text: give --calib (a .txt file or a folder"
                    + " of them), or use --method svd");
        }
        if ((o.calibFrom != null || o.calibTo != null) && (c.calib == null || !Files.isDirectory(c.calib))) {
            throw new IllegalArgumentException("--calib-from and --calib-to select the YEAR_*.txt files of a --calib folder, but --calib "
                    + c.calib + " is not a folder");
        }
        Inputs.applyThreads(c.threads);
        String text = data ? DecoderFolder.readText(c.calib, o.calibFrom, o.calibTo, "--calib") : null;

        LlamaModel decoder = DecoderFolder.loadModel(c.model);
        for (Linear linear : decoder.linearSites().values()) {
            if (linear.weight() instanceof LowRankWeight) {
                throw new IllegalArgumentException("--model " + c.model + " is already a low-rank model folder (it holds "
                        + LowRankFolder.A_SUFFIX + "/" + LowRankFolder.B_SUFFIX + " factors); compress the original dense model");
            }
        }
        Tokenizer tok = DecoderFolder.loadTokenizer(c.model, decoder.vocabSize());
        int context = decoder.maxPositions();
        int[][] windows;
        if (data) {
            int[] tokens = tok.encode(text);
            text = null;
            if (tokens.length < context + 1) {
                throw new IllegalArgumentException("--calib " + c.calib + " holds " + tokens.length + " tokens, too few for one calibration"
                        + " window of " + (context + 1) + " (the model's context + 1)");
            }
            windows = DecoderRuntime.windows(tokens, context, count);
        } else {
            windows = new int[][] {{0, 0}}; // a method that reads no data never runs the model
        }
        RuntimeCompression job = new RuntimeCompression(new DecoderRuntime(decoder, windows, WINDOWS_PER_BATCH));
        // a size target counts the parameters in float32 bytes, as the decoder comparison tables do
        long targeted = job.weights().stream().mapToLong(LinearWeight::denseParameters).sum();
        double ratio = target == null ? c.ratio : SizeTarget.ratioFor(target, job.modelParameters() * 4, targeted, 4);
        System.err.printf(Locale.ROOT, "%s: %d linear sites, method %s, allocation %s, ratio %.3f%s%s%n", c.model.getFileName(),
                job.weights().size(), method.name(), allocator.name(), ratio,
                target == null ? "" : " (for a target of " + SizeTarget.format(target) + " of float32 parameters)", data ? String.format(Locale.ROOT,
                        "; calibration: %d windows of %d tokens from %s", count, context, c.calib) : "");
        Compressor.Result result = target == null ? job.compress(method, allocator, ratio, ProgressBar.stderr())
                : SizeTarget.reach(target, ratio, targeted, 4, r -> job.compress(method, allocator, r, ProgressBar.stderr()),
                        r -> job.modelParametersWith(r) * 4, System.err::println);
        ratio = result.requestedRatio();
        if (target != null && job.modelParametersWith(result) * 4 > target) {
            throw new IllegalArgumentException("could not reach --target-size " + SizeTarget.format(target) + ": the smallest result holds "
                    + SizeTarget.format(job.modelParametersWith(result) * 4) + " of float32 parameters; choose a larger target");
        }
        double compressSeconds = (System.nanoTime() - start) / 1e9 - job.calibrationSeconds();

        LowRankFolder.Manifest manifest = LowRankFolder.describe(decoder, c.model.toString(), method.name(), allocator.name(), ratio);
        if (manifest.parametersTargetedAfter() != result.targetedParametersAfter()
                || manifest.parametersModelAfter() != job.modelParametersWith(result)) {
            throw new IllegalStateException("the model holds " + manifest.parametersTargetedAfter() + " targeted parameters but the"
                    + " compression reported " + result.targetedParametersAfter());
        }
        LowRankFolder.write(decoder, c.out, c.model.resolve(DecoderFolder.TOKENIZER), manifest, c.model);
        double wall = (System.nanoTime() - start) / 1e9;
        OnnxCompression.Outcome outcome = new OnnxCompression.Outcome(result, c.model, c.out, weightBytes(c.model), weightBytes(c.out),
                job.modelParameters(), job.modelParametersWith(result), data ? (long) windows.length * context : 0,
                job.calibrationSeconds(), compressSeconds);
        Path json = sibling(c.out, ".json"), html = sibling(c.out, ".html");
        CompressionRecord.write(outcome, wall, json, html);
        System.out.printf(Locale.ROOT, "wrote %s: targeted layers %d → %d parameters (ratio %.4f), whole model %.4f, %.1f MB → %.1f MB, %.1f s%n",
                c.out, result.targetedParametersBefore(), result.targetedParametersAfter(), result.achievedRatio(), outcome.modelRatio(),
                outcome.bytesIn() / 1e6, outcome.bytesOut() / 1e6, wall);
        System.out.println("record: " + json + ", report: " + html);
        return 0;
    }

    /** Bytes of the safetensors files of a model folder. */
    static long weightBytes(Path folder) throws IOException {
        long total = 0;
        try (Stream<Path> files = Files.list(folder)) {
            for (Path f : files.filter(p -> p.getFileName().toString().endsWith(".safetensors")).toList()) {
                total += Files.size(f);
            }
        }
        return total;
    }

    /** A file beside a model folder: {@code dir/name} → {@code dir/name.json} (the folder's name is kept whole). */
    static Path sibling(Path folder, String extension) {
        Path path = folder.normalize();
        if (path.getFileName() == null || path.getFileName().toString().isEmpty() || path.getFileName().toString().equals("..")) {
            path = folder.toAbsolutePath().normalize();
        }
        return path.resolveSibling(path.getFileName() + extension);
    }
}
