package org.lowrank4j.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.lowrank4j.compress.methods.CompressionMethod;
import org.lowrank4j.compress.methods.Methods;
import org.lowrank4j.compress.onnx.OnnxCompression;
import org.lowrank4j.compress.report.CompressionRecord;
import org.lowrank4j.compress.tokenize.HfTokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code lowrank compress}: one model in, one smaller model out, with a JSON record and an HTML report beside it. */
@Command(name = "compress", mixinStandardHelpOptions = true,
        description = "Compress the linear layers of an ONNX model with a low-rank method; writes OUT, OUT.json and OUT.html.")
final class CompressCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, description = "Input ONNX model (never modified).")
    Path model;

    @Option(names = "--tokenizer", description = "The model's tokenizer.json (needed by asvd and whitened).")
    Path tokenizer;

    @Option(names = "--calib", description = "Calibration text: a .txt file or a folder of them (needed by asvd and whitened).")
    Path calib;

    @Option(names = "--ratio", required = true, description = "Fraction of the targeted layers' parameters to remove, in (0, 1).")
    double ratio;

    @Option(names = "--method", defaultValue = "whitened", description = "svd | asvd | whitened (default ${DEFAULT-VALUE}).")
    String method;

    @Option(names = "--allocation", defaultValue = "global", description = "uniform | global | energy | d-rank | welore (default ${DEFAULT-VALUE}).")
    String allocation;

    @Option(names = "--out", required = true, description = "Output ONNX path (must differ from --model).")
    Path out;

    @Option(names = "--calib-sequences", defaultValue = "256", description = "Calibration sequences to use (default ${DEFAULT-VALUE}).")
    int sequences;

    @Option(names = "--threads", description = "Threads for ONNX Runtime and BLAS (default: all cores).")
    Integer threads;

    @Override
    public Integer call() throws Exception {
        long start = System.nanoTime();
        Inputs.requireRatio(ratio);
        Inputs.requireWritableTarget(out, model);
        CompressionMethod m = Methods.byName(method);
        int cores = threads == null ? Runtime.getRuntime().availableProcessors() : threads;
        OnnxCompression job = OnnxCompression.open(Inputs.requireFile(model, "--model"));
        System.err.printf(Locale.ROOT, "%s: %d linear sites, method %s, allocation %s, ratio %.3f%n", model.getFileName(), job.sites().size(),
                m.name(), allocation, ratio);
        if (!m.requirements().isEmpty()) {
            if (tokenizer == null || calib == null) {
                throw new IllegalArgumentException("--method " + m.name() + " needs --tokenizer and --calib (or use --method svd)");
            }
            List<String> texts = Inputs.calibrationText(calib, sequences);
            try (HfTokenizer tok = HfTokenizer.load(Inputs.requireFile(tokenizer, "--tokenizer"))) {
                job.calibrate(tok, texts, 32, cores, ProgressBar.stderr());
            }
        }
        OnnxCompression.Outcome o = job.compress(m.name(), allocation, ratio, out, ProgressBar.stderr());
        double wall = (System.nanoTime() - start) / 1e9;
        Path json = Inputs.sibling(out, ".json"), html = Inputs.sibling(out, ".html");
        CompressionRecord.write(o, wall, json, html);
        System.out.printf(Locale.ROOT, "wrote %s: targeted layers %d → %d parameters (ratio %.4f), whole model %.4f, %.1f MB → %.1f MB, %.1f s%n",
                out, o.result().targetedParametersBefore(), o.result().targetedParametersAfter(), o.result().achievedRatio(), o.modelRatio(),
                o.bytesIn() / 1e6, o.bytesOut() / 1e6, wall);
        System.out.println("record: " + json + ", report: " + html);
        return 0;
    }

}
