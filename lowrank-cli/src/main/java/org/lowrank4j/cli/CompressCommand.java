package org.lowrank4j.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.lowrank4j.compress.LinearWeight;
import org.lowrank4j.compress.allocation.Allocators;
import org.lowrank4j.compress.allocation.MeasuredSensitivities;
import org.lowrank4j.compress.allocation.RankAllocator;
import org.lowrank4j.compress.allocation.SensitivityAllocator;
import org.lowrank4j.compress.eval.Pooling;
import org.lowrank4j.compress.harness.EncoderRuntimeRows;
import org.lowrank4j.compress.harness.EncoderSensitivityProbe;
import org.lowrank4j.compress.methods.CompressionMethod;
import org.lowrank4j.compress.methods.Methods;
import org.lowrank4j.compress.onnx.OnnxCompression;
import org.lowrank4j.compress.report.CompressionRecord;
import org.lowrank4j.compress.tokenize.HfTokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code lowrank compress}: one model in, one smaller model out, with a JSON record and an HTML report beside it. */
@Command(name = "compress", mixinStandardHelpOptions = true,
        description = "Compress the linear layers of an ONNX model, or of a decoder model folder, with a low-rank method; writes OUT"
                + " (an ONNX file, or a low-rank model folder for a decoder), OUT.json and OUT.html.")
final class CompressCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, description = "Input ONNX model, or a decoder model folder (config.json, model.safetensors, tokenizer.json) (never modified).")
    Path model;

    @Option(names = "--tokenizer", description = "The model's tokenizer.json (needed by asvd and whitened).")
    Path tokenizer;

    @Option(names = "--calib", description = "Calibration text: a .txt file or a folder of them (needed by asvd and whitened).")
    Path calib;

    @Option(names = "--ratio", required = true, description = "Fraction of the targeted layers' parameters to remove, in (0, 1).")
    double ratio;

    @Option(names = "--method", defaultValue = "whitened", description = "svd | asvd | whitened | svd-llm-v2 | lord | afm; decoder folders also fwsvd | svd-llm | saes (default ${DEFAULT-VALUE}).")
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
        Inputs.requireRatio(ratio);
        Inputs.requireWritableTarget(out, model);
        CompressionMethod m = Methods.byName(method);
        int cores = threads == null ? Runtime.getRuntime().availableProcessors() : threads;
        OnnxCompression job = OnnxCompression.open(Inputs.requireFile(model, "--model"));
        System.err.printf(Locale.ROOT, "%s: %d linear sites, method %s, allocation %s, ratio %.3f%n", model.getFileName(), job.sites().size(),
                m.name(), allocation, ratio);
        boolean bySensitivity = SensitivityAllocator.isSensitivity(allocation);
        Pooling pool = EvalCommand.parsePooling(pooling);
        if (!bySensitivity) {
            Allocators.byName(allocation); // an unknown name fails before calibration
        }
        OnnxCompression.Outcome o;
        if (m.requirements().isEmpty() && !bySensitivity) {
            o = job.compress(m.name(), allocation, ratio, out, ProgressBar.stderr());
        } else {
            if (tokenizer == null || calib == null) {
                throw new IllegalArgumentException(m.requirements().isEmpty()
                        ? "--allocation sensitivity needs --tokenizer and --calib: it measures the embeddings of calibration sentences"
                        : "--method " + m.name() + " needs --tokenizer and --calib (or use --method svd)");
            }
            List<String> texts = Inputs.calibrationText(calib, sequences, calibUnit);
            try (HfTokenizer tok = HfTokenizer.load(Inputs.requireFile(tokenizer, "--tokenizer"))) {
                if (!m.requirements().isEmpty()) {
                    job.calibrate(tok, texts, 32, cores, ProgressBar.stderr());
                }
                RankAllocator allocator = bySensitivity ? sensitivity(job, m, tok, texts, pool).forName(allocation) : Allocators.byName(allocation);
                o = job.compress(m.name(), allocator, ratio, out, ProgressBar.stderr());
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

    /**
     * ASVD's sensitivity search on an ONNX encoder: the file is loaded into the JVM runtime's BERT, and each site's
     * factors (prepared on the ONNX path's statistics) are installed alone while the first 64 calibration sentences
     * are embedded; measurements are kept in OUT.sensitivity.json, so a rerun with the same inputs measures nothing.
     */
    private SensitivityAllocator sensitivity(OnnxCompression job, CompressionMethod m, HfTokenizer tok, List<String> texts, Pooling pool)
            throws java.io.IOException {
        List<String> probeTexts = texts.subList(0, Math.min(EncoderSensitivityProbe.DEFAULT_SENTENCES, texts.size()));
        EncoderRuntimeRows rows = new EncoderRuntimeRows(model, tok, probeTexts, 32, job);
        List<String> names = job.weights().stream().map(LinearWeight::name).toList();
        EncoderSensitivityProbe probe = rows.probe(probeTexts, probeTexts.size(), pool, names, () -> job.prepare(m, ProgressBar.stderr()));
        String key = EncoderSensitivityProbe.cacheKey(model, tok.path(), m.name(), pool, "onnx statistics, batches of 32", texts, probeTexts);
        Path file = Inputs.sibling(out, ".sensitivity.json");
        MeasuredSensitivities cache;
        try {
            cache = MeasuredSensitivities.open(file, key, probe);
        } catch (IllegalArgumentException stale) {
            System.err.println("ignoring " + file + ": " + stale.getMessage());
            java.nio.file.Files.deleteIfExists(file);
            cache = MeasuredSensitivities.open(file, key, probe);
        }
        if (cache.size() > 0) {
            System.err.printf(Locale.ROOT, "sensitivity: %d measurements reused from %s%n", cache.size(), file);
        }
        return new SensitivityAllocator(cache, SensitivityAllocator.ASVD_CANDIDATES, ProgressBar.stderr());
    }

}
