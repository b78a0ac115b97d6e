package org.lowrank4j.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.lowrank4j.compress.text.TextCorpus;

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

    /** With {@code --threads} given, checks it and sets the JVM runtime's BLAS and kernel thread count to it. */
    static void applyThreads(Integer threads) {
        if (threads != null) {
            if (threads < 1) {
                throw new IllegalArgumentException("--threads must be at least 1, got " + threads);
            }
            System.setProperty("lowrank.threads", Integer.toString(threads));
        }
    }

    /** The output must differ from the input and its folder must exist and be writable. */
    static void requireWritableTarget(Path out, Path input) throws java.io.IOException {
        Path outAbs = out.toAbsolutePath().normalize();
        if (input != null && Files.exists(input) && (outAbs.equals(input.toAbsolutePath().normalize())
                || Files.exists(outAbs) && Files.isSameFile(outAbs, input))) {
            throw new IllegalArgumentException("--out " + out + " is the input model; choose another path (the input is never overwritten)");
        }
        Path folder = outAbs.getParent();
        if (folder == null || !Files.isDirectory(folder)) {
            throw new IllegalArgumentException("--out folder " + folder + " does not exist; create it first");
        }
        if (!Files.isWritable(folder)) {
            throw new IllegalArgumentException("--out folder " + folder + " is not writable; choose another folder");
        }
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
}
