package org.lowrank4j.compress.harness;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.lowrank4j.compress.Progress;
import org.lowrank4j.compress.eval.EvalOptions;
import org.lowrank4j.compress.eval.EvalReport;
import org.lowrank4j.compress.eval.Evaluation;
import org.lowrank4j.compress.eval.Pooling;
import org.lowrank4j.compress.methods.CompressionMethod;
import org.lowrank4j.compress.methods.Methods;
import org.lowrank4j.compress.onnx.OnnxCompression;
import org.lowrank4j.compress.text.LabelledTexts;
import org.lowrank4j.compress.tokenize.HfTokenizer;

/**
 * Every method × allocation × ratio on one ONNX encoder, with one calibration (done once) and one evaluation
 * protocol: the harness behind {@code lowrank compare} and {@code lowrank demo}.
 */
public final class EncoderComparison {

    /** The fixed parts of a comparison. */
    public record Setup(Path model, HfTokenizer tokenizer, Pooling pooling, List<String> calibration, List<String> heldOut,
                        LabelledTexts probe, EvalOptions evalOptions, Path workFolder, boolean keepModels) {
    }

    /** One compressed model and its evaluation. */
    public record Row(String method, String allocation, double ratio, OnnxCompression.Outcome outcome, EvalReport eval) {

        public String label() {
            return method + "/" + allocation;
        }
    }

    private final Setup setup;
    private final OnnxCompression job;
    private final Evaluation.Reference reference;
    private final List<String> notes = new ArrayList<>();

    public EncoderComparison(Setup setup, Progress progress) throws IOException {
        this.setup = setup;
        this.job = OnnxCompression.open(setup.model());
        Files.createDirectories(setup.workFolder());
        job.calibrate(setup.tokenizer(), setup.calibration(), 32, setup.evalOptions().intraOpThreads(), progress);
        progress.update("embed reference", 0, 1, setup.model().getFileName().toString());
        reference = Evaluation.embedReference(setup.model(), setup.tokenizer(), setup.pooling(), setup.heldOut(), setup.probe(), setup.evalOptions());
        progress.update("embed reference", 1, 1, setup.model().getFileName().toString());
    }

    public OnnxCompression job() {
        return job;
    }

    /**
     * Why {@code method} cannot run on the ONNX path, or null when it can: ONNX Runtime gives activations but no
     * gradients, so methods that need the Fisher are skipped, and so are methods that need the sequential pass through
     * the partly compressed model; both run on the JVM runtime (a decoder model folder).
     */
    public static String skipReason(CompressionMethod method) {
        var needs = method.requirements();
        if (needs.contains(CompressionMethod.Requirement.GRADIENTS)) {
            return "skipped " + method.name() + ": needs gradients (Fisher), which the ONNX path cannot compute; run it on a model of the JVM runtime";
        }
        if (needs.contains(CompressionMethod.Requirement.COMPRESSED_PREFIX) || needs.contains(CompressionMethod.Requirement.CROSS_MOMENT)) {
            return "skipped " + method.name() + ": needs the sequential pass through the partly compressed model, which the ONNX path does not run;"
                    + " run it on a model of the JVM runtime";
        }
        return null;
    }

    /** What {@link #run} skipped and why, one line each. */
    public List<String> notes() {
        return List.copyOf(notes);
    }

    /**
     * Runs the grid in order method, allocation, ratio; {@code listener} sees each row as it is finished. Methods that
     * need gradients or the sequential pass are skipped with a line in {@link #notes()} ({@link #skipReason}).
     */
    public List<Row> run(List<String> methods, List<String> allocations, List<Double> ratios, Progress progress,
                         java.util.function.Consumer<Row> listener) throws IOException {
        List<Row> rows = new ArrayList<>();
        for (String method : methods) {
            String skip = skipReason(Methods.byName(method));
            if (skip != null) {
                notes.add(skip);
                continue;
            }
            for (String allocation : allocations) {
                for (double ratio : ratios) {
                    Path candidate = setup.workFolder().resolve(String.format(Locale.ROOT, "%s-%s-r%.2f.onnx", method, allocation, ratio));
                    OnnxCompression.Outcome outcome = job.compress(method, allocation, ratio, candidate, progress);
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
        return rows;
    }
}
