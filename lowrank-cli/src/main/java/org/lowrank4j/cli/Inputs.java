package org.lowrank4j.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.lowrank4j.compress.text.TextCorpus;
import org.lowrank4j.formats.io.OutputPlan;

/** Checks of command-line inputs that fail fast with one clear line, before any long work starts. */
final class Inputs {
    /** Calibration sequences are text chunks of about this many words (≈ 128 tokens). */
    static final int WORDS_PER_SEQUENCE = 90;

    private Inputs() {
    }

    static Path requireFile(Path path, String option) {
        if (path == null || !Files.isRegularFile(path)) {
            throw new IllegalArgumentException(option + " " + path + " does not exist or is not a file");
        }
        return path;
    }

    static void requireRatio(double ratio) {
        if (!(ratio > 0 && ratio < 1)) {
            throw new IllegalArgumentException("--ratio must be in (0, 1), the fraction of parameters removed; got " + ratio);
        }
    }

    /**
     * The one rule for every file a command writes ({@link OutputPlan}): not an input, not another output, replaced
     * only with {@code --force}. {@code inputs} alternate option names and paths: {@code "--model", model, …} (null
     * paths are skipped).
     */
    static void requireOutput(String option, Path out, boolean force, Object... inputs) throws java.io.IOException {
        OutputPlan plan = OutputPlan.of(option, out, force);
        for (int i = 0; i + 1 < inputs.length; i += 2) {
            plan.input((String) inputs[i], (Path) inputs[i + 1]);
        }
        plan.check();
    }

    /** {@code count} chunks of ~128 tokens spread evenly over a file or folder of text (every file contributes, not the first few). */
    static List<String> calibrationText(Path path, int count) {
        return calibrationText(path, count, "sentences");
    }

    /**
     * {@code count} calibration pieces spread evenly over a file or folder: {@code unit} "sentences" (one sentence each,
     * like the inputs a sentence encoder embeds) or "chunks" (~90 words, up to the model's window).
     */
    static List<String> calibrationText(Path path, int count, String unit) {
        if (count < 1) {
            throw new IllegalArgumentException("--calib-sequences must be at least 1, got " + count);
        }
        switch (unit.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "sentences":
                return TextCorpus.sentences(path).spread(count);
            case "chunks":
                break;
            default:
                throw new IllegalArgumentException("--calib-unit must be sentences or chunks, got " + unit);
        }
        return TextCorpus.chunks(path, WORDS_PER_SEQUENCE).spread(count); // spread over every file, not the first few
    }

    /** out.onnx → out.json / out.html, in the same folder. */
    static Path sibling(Path out, String extension) {
        String name = out.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return out.resolveSibling((dot > 0 ? name.substring(0, dot) : name) + extension);
    }

    /**
     * A results folder ({@code compare}, {@code demo}): refused when it is or holds an input, or when it holds an earlier
     * run's results and neither {@code --force} (start over) nor, where offered, {@code --resume} was given.
     */
    static void requireResultsFolder(Path out, boolean force, boolean resume, Object... inputs) throws java.io.IOException {
        if (Files.exists(out) && !Files.isDirectory(out)) {
            throw new IllegalArgumentException("--out " + out + " is a file; give a folder for the results");
        }
        boolean earlier = Files.isRegularFile(out.resolve("results.json")) || Files.isRegularFile(out.resolve("rows.jsonl"));
        if (earlier && !force && !resume) {
            throw new IllegalArgumentException("--out " + out + " holds the results of an earlier run; pass --force to start over"
                    + ", or choose another --out");
        }
        Path parent = out.toAbsolutePath().normalize().getParent();
        if (parent != null && !Files.isDirectory(parent)) {
            Files.createDirectories(parent); // results folders are created with their parents
        }
        requireOutput("--out", out, true, inputs);
    }
}
