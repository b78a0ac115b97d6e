package org.lowrank4j.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import org.lowrank4j.compress.LinearWeight;
import org.lowrank4j.compress.allocation.Allocators;
import org.lowrank4j.compress.allocation.MeasuredSensitivities;
import org.lowrank4j.compress.allocation.RankAllocator;
import org.lowrank4j.compress.allocation.SensitivityAllocator;
import org.lowrank4j.compress.allocation.SizeTarget;
import org.lowrank4j.compress.eval.Pooling;
import org.lowrank4j.compress.harness.EncoderRuntimeRows;
import org.lowrank4j.compress.harness.EncoderSensitivityProbe;
import org.lowrank4j.compress.methods.CompressionMethod;
import org.lowrank4j.compress.methods.Methods;
import org.lowrank4j.compress.methods.PreparedSite;
import org.lowrank4j.compress.methods.basis.BasisSharing;
import org.lowrank4j.compress.onnx.OnnxCompression;
import org.lowrank4j.compress.report.CompressionRecord;
import org.lowrank4j.compress.runtime.SequentialCompressor;
import org.lowrank4j.compress.tokenize.HfTokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code lowrank compress}: one model in, one smaller model out, with a JSON record and an HTML report beside it. */
@Command(name = "compress", mixinStandardHelpOptions = true,
        description = "Compress the linear layers of an ONNX model, or of a decoder model folder, with a low-rank method; writes OUT"
                + " (an ONNX file, or a low-rank model folder for a decoder), OUT.json and OUT.html.")
final class CompressCommand implements Callable<Integer> {
    /** Sentences per calibration batch, on both paths (as in {@code compare}). */
    private static final int CALIBRATION_BATCH = 32;

    @Option(names = "--model", required = true, description = "Input ONNX model, or a decoder model folder (config.json, model.safetensors, tokenizer.json) (never modified).")
    Path model;

    @Option(names = "--tokenizer", description = "The model's tokenizer.json (needed by every method but svd).")
    Path tokenizer;

    @Option(names = "--calib", description = "Calibration text: a .txt file or a folder of them (needed by every method but svd).")
    Path calib;

    @Option(names = "--ratio", description = "Fraction of the targeted layers' parameters to remove, in (0, 1) (this or --target-size).")
    Double ratio;

    @Option(names = "--target-size", description = "The size to reach instead of a ratio, e.g. 70MB, 900KB (MB = 10^6 bytes): the ONNX file's"
            + " size; for a decoder folder, its parameters in float32 bytes. The ratio is worked out from it and raised if the written model is"
            + " still larger.")
    String targetSize;

    @Option(names = "--method", defaultValue = "whitened", description = "svd | asvd | whitened | svd-llm | svd-llm-v2 | saes | lord | afm | basis-sharing;"
            + " decoder folders also fwsvd (not basis-sharing). Options as NAME:KEY=VALUE[:KEY=VALUE], e.g. asvd:alpha=1,"
            + " saes:alphas=0/0.5/1, basis-sharing:group=3 (keys per method: docs/methods.md) (default ${DEFAULT-VALUE}).")
    String method;

    @Option(names = "--allocation", defaultValue = "global", description = "uniform | global | energy | d-rank | welore | svd-llm-v2 | sensitivity | sensitivity-greedy"
            + " (the sensitivity rules, ONNX encoders only, measure 1 - cosine of pooled embeddings on 64 --calib sentences, one site truncated"
            + " at a time; sensitivity is ASVD's threshold search, sensitivity-greedy spends the budget where the measured loss per removed"
            + " parameter is lowest; both need --tokenizer and --calib) (default ${DEFAULT-VALUE}).")
    String allocation;

    @Option(names = "--pooling", defaultValue = "mean", description = "ONNX encoder, --allocation sensitivity: mean | cls, the model's pooling (default ${DEFAULT-VALUE}).")
    String pooling;

    @Option(names = "--out", required = true, description = "Output ONNX path; for a decoder folder, the low-rank model folder to write (must differ from --model).")
    Path out;

    @Option(names = "--calib-sequences", defaultValue = "256", description = "Calibration sequences to use, spread over the whole --calib text (default ${DEFAULT-VALUE}).")
    int sequences;

    @Option(names = "--calib-unit", defaultValue = "sentences", description = "ONNX encoders: sentences (one sentence per sequence, as a sentence"
            + " encoder is used) | chunks (~90 words) (default ${DEFAULT-VALUE}).")
    String calibUnit;

    @Option(names = "--threads", description = "Threads for ONNX Runtime and BLAS (default: all cores).")
    Integer threads;

    @Mixin
    DecoderCompress.Options decoder = new DecoderCompress.Options();

    @Override
    public Integer call() throws Exception {
        if (model != null && Files.isDirectory(model)) {
            return DecoderCompress.run(this, decoder); // a decoder model folder: the JVM runtime path
        }
        decoder.rejectFor(model);
        long start = System.nanoTime();
        Long target = budget();
        Inputs.requireWritableTarget(out, model);
        org.lowrank4j.compress.check.EncoderInputs.check(model, tokenizer, calib, method, allocation); // before anything is printed
        boolean shared = BasisSharing.isSpec(method);
        BasisSharing sharing = shared ? BasisSharing.fromSpec(method) : null;
        CompressionMethod m = shared ? null : Methods.byName(method);
        String label = shared ? sharing.name() : m.name();
        boolean onRuntime = shared || SequentialCompressor.isSequential(m);
        int cores = threads == null ? Runtime.getRuntime().availableProcessors() : threads;
        OnnxCompression job = OnnxCompression.open(Inputs.requireFile(model, "--model"));
        long targeted = job.targetedParameters();
        int bytesPerParameter = job.bytesPerParameter();
        double firstRatio = target == null ? ratio : SizeTarget.ratioFor(target, Files.size(model), targeted, bytesPerParameter);
        boolean bySensitivity = SensitivityAllocator.isSensitivity(allocation);
        Pooling pool = EvalCommand.parsePooling(pooling);
        if (!bySensitivity) {
            Allocators.byName(allocation); // an unknown name fails before calibration
        } else if (shared) {
            throw new IllegalArgumentException("--method " + label + " shares one basis across layers; the per-site --allocation "
                    + allocation + " does not apply to it (use uniform, global, energy, d-rank, welore or svd-llm-v2)");
        }
        System.err.printf(Locale.ROOT, "%s: %d linear sites, method %s, allocation %s, ratio %.3f%s%n", model.getFileName(), job.sites().size(),
                label, allocation, firstRatio, target == null ? "" : " (for a target of " + SizeTarget.format(target) + ")");
        OnnxCompression.Outcome o;
        if (!onRuntime && m.requirements().isEmpty() && !bySensitivity) {
            o = reach(target, firstRatio, targeted, bytesPerParameter, r -> job.compress(m.name(), allocation, r, out, ProgressBar.stderr()));
        } else {
            if (tokenizer == null || calib == null) {
                throw new IllegalArgumentException(!onRuntime && m.requirements().isEmpty()
                        ? "--allocation sensitivity needs --tokenizer and --calib: it measures the embeddings of calibration sentences"
                        : "--method " + label + " needs --tokenizer and --calib (or use --method svd)");
            }
            List<String> texts = Inputs.calibrationText(calib, sequences, calibUnit);
            if (threads != null) {
                System.setProperty("lowrank.threads", Integer.toString(cores));
            }
            try (HfTokenizer tok = HfTokenizer.load(Inputs.requireFile(tokenizer, "--tokenizer"))) {
                EncoderRuntimeRows rows = onRuntime || bySensitivity ? new EncoderRuntimeRows(model, tok, texts, CALIBRATION_BATCH, job) : null;
                if (onRuntime) {
                    // sequential methods and basis sharing run on the JVM runtime's copy of the encoder and are written back to ONNX
                    System.err.println(label + ": compressed on the JVM runtime's float32 copy of the encoder, written back into the ONNX graph");
                    RankAllocator allocator = bySensitivity
                            ? sensitivity(rows, m, tok, texts, pool, "runtime statistics", () -> rows.job().prepare(m, ProgressBar.stderr()),
                                    rows.job().weights()).forName(allocation)
                            : Allocators.byName(allocation);
                    o = reach(target, firstRatio, targeted, bytesPerParameter, r -> {
                        long rowStart = System.nanoTime();
                        var result = shared ? rows.compressShared(sharing, allocator, r, ProgressBar.stderr())
                                : rows.compress(m, allocator, r, ProgressBar.stderr());
                        try {
                            return rows.write(result, out, rowStart, 0, ProgressBar.stderr());
                        } finally {
                            rows.restore();
                        }
                    });
                } else {
                    if (!m.requirements().isEmpty()) {
                        job.calibrate(tok, texts, CALIBRATION_BATCH, cores, ProgressBar.stderr());
                    }
                    RankAllocator allocator = bySensitivity
                            ? sensitivity(rows, m, tok, texts, pool, "onnx statistics", () -> job.prepare(m, ProgressBar.stderr()), job.weights())
                                    .forName(allocation)
                            : Allocators.byName(allocation);
                    o = reach(target, firstRatio, targeted, bytesPerParameter, r -> job.compress(m.name(), allocator, r, out, ProgressBar.stderr()));
                }
            }
        }
        double wall = (System.nanoTime() - start) / 1e9;
        Path json = Inputs.sibling(out, ".json"), html = Inputs.sibling(out, ".html");
        CompressionRecord.write(o, wall, json, html);
        System.out.printf(Locale.ROOT, "wrote %s: targeted layers %d → %d parameters (ratio %.4f), whole model %.4f, %.1f MB → %.1f MB, %.1f s%n",
                out, o.result().targetedParametersBefore(), o.result().targetedParametersAfter(), o.result().achievedRatio(), o.modelRatio(),
                o.bytesIn() / 1e6, o.bytesOut() / 1e6, wall);
        System.out.println("record: " + json + ", report: " + html);
        return 0;
    }

    /** The size target in bytes, or null with --ratio (exactly one of the two must be given). */
    Long budget() {
        if ((ratio == null) == (targetSize == null)) {
            throw new IllegalArgumentException("give either --ratio (the fraction of the targeted layers' parameters to remove) or --target-size"
                    + " (e.g. 70MB)");
        }
        if (ratio != null) {
            Inputs.requireRatio(ratio);
            return null;
        }
        return SizeTarget.parse(targetSize, "--target-size");
    }

    /**
     * Compresses at {@code ratio}; with a size target, raises the ratio while the written file is still larger than the
     * target ({@link SizeTarget#reach}), and fails, removing the file, if it cannot get there.
     */
    private OnnxCompression.Outcome reach(Long target, double ratio, long targeted, int bytesPerParameter,
                                          SizeTarget.Attempt<OnnxCompression.Outcome> run) throws java.io.IOException {
        if (target == null) {
            return run.at(ratio);
        }
        OnnxCompression.Outcome o = SizeTarget.reach(target, ratio, targeted, bytesPerParameter, run, OnnxCompression.Outcome::bytesOut,
                line -> System.err.println(out.getFileName() + ": " + line));
        if (o.bytesOut() > target) {
            Files.deleteIfExists(out);
            throw new IllegalArgumentException("could not reach --target-size " + SizeTarget.format(target) + ": the smallest model written was "
                    + SizeTarget.format(o.bytesOut()) + " at ratio " + String.format(Locale.ROOT, "%.4f", o.result().requestedRatio())
                    + "; choose a larger target");
        }
        return o;
    }

    /**
     * ASVD's sensitivity search on an ONNX encoder: the file is loaded into the JVM runtime's BERT, and each site's
     * factors ({@code prepared}: on the ONNX path's statistics for per-site methods, on the runtime's for sequential
     * ones) are installed alone while the first 64 calibration sentences are embedded; measurements are kept in
     * OUT.sensitivity.json, so a rerun with the same inputs measures nothing.
     */
    private SensitivityAllocator sensitivity(EncoderRuntimeRows rows, CompressionMethod m, HfTokenizer tok, List<String> texts, Pooling pool,
                                             String statistics, Supplier<List<PreparedSite>> prepared, List<LinearWeight> weights)
            throws java.io.IOException {
        List<String> probeTexts = texts.subList(0, Math.min(EncoderSensitivityProbe.DEFAULT_SENTENCES, texts.size()));
        List<String> names = weights.stream().map(LinearWeight::name).toList();
        EncoderSensitivityProbe probe = rows.probe(probeTexts, probeTexts.size(), pool, names, prepared);
        String key = EncoderSensitivityProbe.cacheKey(model, tok.path(), m.name(), pool, statistics + ", batches of " + CALIBRATION_BATCH,
                texts, probeTexts);
        Path file = Inputs.sibling(out, ".sensitivity.json");
        MeasuredSensitivities cache = MeasuredSensitivities.openReplacing(file, key, probe, why -> System.err.println("ignoring " + file + ": " + why));
        if (cache.size() > 0) {
            System.err.printf(Locale.ROOT, "sensitivity: %d measurements reused from %s%n", cache.size(), file);
        }
        return new SensitivityAllocator(cache, SensitivityAllocator.ASVD_CANDIDATES, ProgressBar.stderr());
    }

}
