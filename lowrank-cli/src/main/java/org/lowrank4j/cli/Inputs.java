package org.lowrank4j.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import org.lowrank4j.formats.io.OutputPlan;

/** Checks of command-line inputs that fail fast with one clear line, before any long work starts. */
final class Inputs {
    private Inputs() {
    }

    static Path requireFile(Path path, String option) {
        if (path == null || !Files.isRegularFile(path)) {
            throw new IllegalArgumentException(option + " " + path + " does not exist or is not a file");
        }
        return path;
    }


    /**
     * The one rule for every file a command writes ({@link OutputPlan}): not an input, not another output, replaced
     * only with {@code --force}. {@code inputs} alternate option names and paths: {@code "--model", model, …} (null
     * paths are skipped).
     */
    static void requireOutput(String option, Path out, boolean force, Object... inputs) throws java.io.IOException {
        plan(OutputPlan.of(option, out, force).file(), inputs).check();
    }

    private static OutputPlan plan(OutputPlan plan, Object... inputs) {
        for (int i = 0; i + 1 < inputs.length; i += 2) {
            plan.input((String) inputs[i], (Path) inputs[i + 1]);
        }
        return plan;
    }

    /**
     * A results folder ({@code compare}, {@code demo}): refused when it is, holds or lies inside an input, or when it holds an earlier
     * run's results and neither {@code --force} (start over) nor, where offered ({@code resumable}), {@code --resume} was given.
     * Creates nothing: the command makes the folder, with any missing parents, once every check has passed.
     */
    static void requireResultsFolder(Path out, boolean force, boolean resume, boolean resumable, Object... inputs) throws java.io.IOException {
        if (Files.exists(out) && !Files.isDirectory(out)) {
            throw new IllegalArgumentException("--out " + out + " is a file; give a folder for the results");
        }
        boolean finished = Files.isRegularFile(out.resolve("results.json")), rows = Files.isRegularFile(out.resolve("rows.jsonl"));
        if ((finished || rows) && !force && !resume) {
            throw new IllegalArgumentException("--out " + out + (rows && !finished && resumable
                    ? " holds the rows of an interrupted run; pass --resume to continue it, --force to start over"
                    : " holds the results of an earlier run; pass --force to start over") + ", or choose another --out");
        }
        plan(OutputPlan.of("--out", out, true).folderOutput(true).createsParents(), inputs).check(); // a folder, made later with its parents
    }

    /** Refuses {@code value} below {@code min}, naming the option and the value given. */
    static void atLeast(String option, long value, long min) {
        if (value < min) {
            throw new IllegalArgumentException(option + " must be at least " + min + ", got " + value);
        }
    }

    /** Refuses a value that is not a positive finite number, naming the option and the value given. */
    static void positive(String option, double value) {
        if (!(value > 0) || !Double.isFinite(value)) {
            throw new IllegalArgumentException(option + " must be a positive number, got " + value);
        }
    }
}
