package org.lowrank4j.formats.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The files one command is about to write, checked before any work starts against everything it reads: no output
 * may be an input, hold an input (an output folder), replace one of the files an input folder is read from (its
 * weights, config or tokenizer: {@code --out adapter/adapter_model.safetensors --force} would delete the adapter it
 * reads), or
 * be another of the outputs (a model named {@code m.json}
 * would be overwritten by its own record {@code m.json}), nor, when it is a folder, lie inside an input folder; an
 * output that already exists is replaced only when the user said {@code --force}; the target folder must exist and be writable. Leftover temporary files of earlier
 * killed runs beside the outputs are removed ({@link AtomicFiles#removeStale}).
 *
 * <pre>
 *   OutputPlan.of("--out", out, force).sidecar(json).sidecar(html).input("--model", model).input("--calib", calib).check();
 * </pre>
 */
public final class OutputPlan {
    private final String option;
    private final Path primary;
    private final boolean force;
    private final List<Path> sidecars = new ArrayList<>();
    private final List<Map.Entry<Path, String>> inputs = new ArrayList<>();
    private java.util.function.Function<Path, String> whatIsThere = existing -> null;
    private enum Kind { UNSAID, FILE, FOLDER }

    private Kind kind = Kind.UNSAID; // what the main output is, where the command said
    private boolean tryCreating;
    private boolean createsParents; // the command makes the folders above the main output that are missing

    private OutputPlan(String option, Path primary, boolean force) {
        if (primary == null) {
            throw new IllegalArgumentException(option + " must be given");
        }
        this.option = option;
        this.primary = primary;
        this.force = force;
    }

    /** The plan for the main output, named on the command line by {@code option}. */
    public static OutputPlan of(String option, Path primary, boolean force) {
        return new OutputPlan(option, primary, force);
    }

    /**
     * The main output is one file, not a folder: an existing folder of that name is refused even with {@code --force}
     * (a file renamed into place cannot replace a folder, and the user may not mean to lose what it holds).
     */
    public OutputPlan file() {
        this.kind = Kind.FILE;
        return this;
    }

    /**
     * The main output, a folder, is first written after long work (a fine-tuning run scores the base model before it
     * trains): {@link #check} also makes sure it can be, so that a path the file system refuses (a name too long, a
     * read-only or special file system such as /proc) is refused before that work rather than after it. A folder not
     * there yet is created and removed again; one there (to be replaced, or continued) must be writable.
     */
    public OutputPlan createdAfterLongWork() {
        this.tryCreating = true;
        return this;
    }

    /** A file written beside the main output (a record, a report); null is ignored. */
    public OutputPlan sidecar(Path file) {
        if (file != null) {
            sidecars.add(file);
        }
        return this;
    }

    /**
     * What the command knows of an existing main output, for the refusal without --force: the function returns the words
     * that follow the path ("holds an earlier run's checkpoint: --resume continues it, …"), or null for the plain
     * "already exists". Consulted only after the inputs are checked.
     */
    public OutputPlan whenPresent(java.util.function.Function<Path, String> describe) {
        this.whatIsThere = describe;
        return this;
    }

    /**
     * Whether the main output is a folder (a model, a results folder). A folder may not be made inside an input folder,
     * where it would become part of what that input holds; a single file may (a record beside a model).
     */
    public OutputPlan folderOutput(boolean isFolder) {
        if (isFolder) {
            this.kind = Kind.FOLDER;
        }
        return this;
    }

    /**
     * The command creates the folders above the main output that do not exist yet (a results folder and its parents):
     * {@link #check} then accepts a missing folder when the nearest one that exists is a writable folder. The command
     * creates them only after {@link #check} and its own checks, so a refused run leaves no folder behind.
     */
    public OutputPlan createsParents() {
        this.createsParents = true;
        return this;
    }

    /** An input of the command, named by its option; null is ignored. */
    public OutputPlan input(String option, Path file) {
        if (file != null) {
            inputs.add(Map.entry(file, option));
        }
        return this;
    }

    /**
     * Runs every check and cleans stale temporary files; returns the outputs that already exist (and will be replaced,
     * since {@code --force} was given), main output first.
     *
     * @throws IllegalArgumentException naming the option and the file, for the first rule broken
     */
    public List<Path> check() throws IOException {
        List<Path> outputs = new ArrayList<>();
        outputs.add(primary);
        outputs.addAll(sidecars);
        for (Path out : outputs) {
            for (Map.Entry<Path, String> in : inputs) {
                Path input = in.getKey();
                if (same(out, input)) {
                    throw new IllegalArgumentException(option + " " + primary + (out == primary ? " is the " : " would write " + out + ", which is the ")
                            + in.getValue() + " input; choose another path (inputs are never overwritten)");
                }
                if (input.toAbsolutePath().normalize().startsWith(out.toAbsolutePath().normalize())) {
                    throw new IllegalArgumentException(option + " " + primary + " would replace " + out + ", which holds the " + in.getValue()
                            + " input " + input + "; choose another path (inputs are never overwritten)");
                }
                if (Files.isDirectory(input) && out.toAbsolutePath().normalize().startsWith(input.toAbsolutePath().normalize())
                        && Files.exists(out, java.nio.file.LinkOption.NOFOLLOW_LINKS) && out.getFileName() != null
                        && isFolderPart(out.getFileName().toString())) { // a new file beside them (merged.onnx) replaces nothing
                    throw new IllegalArgumentException(option + " " + primary + (out == primary ? "" : " would write " + out + ", which")
                            + " is a file the " + in.getValue() + " folder " + input + " is read from; choose another path (inputs are never "
                            + "overwritten)");
                }
            }
        }
        if (kind == Kind.FOLDER) {
            Path target = primary.toAbsolutePath().normalize();
            for (Map.Entry<Path, String> in : inputs) {
                Path input = in.getKey().toAbsolutePath().normalize();
                if (Files.isDirectory(input) && target.startsWith(input)) {
                    throw new IllegalArgumentException(option + " " + primary + " is inside the " + in.getValue() + " folder " + in.getKey()
                            + "; choose a folder outside every input");
                }
            }
        }
        for (int i = 0; i < outputs.size(); i++) {
            for (int j = i + 1; j < outputs.size(); j++) {
                if (same(outputs.get(i), outputs.get(j))) {
                    throw new IllegalArgumentException(option + " " + primary + ": its " + (i == 0 ? "model" : "output " + outputs.get(i))
                            + " and its output " + outputs.get(j) + " are the same file; choose a name with the usual extension (.onnx, or a folder name)");
                }
            }
        }
        Path folder = primary.toAbsolutePath().normalize().getParent();
        if (createsParents) { // the nearest folder that exists is the one the missing ones will be made in
            while (folder != null && !Files.exists(folder)) {
                folder = folder.getParent();
            }
        }
        if (folder != null && Files.exists(folder) && !Files.isDirectory(folder)) {
            throw new IllegalArgumentException(option + " " + primary + ": " + folder + " is a file, not a folder; choose a path in a folder");
        }
        if (folder == null || !Files.isDirectory(folder)) {
            throw new IllegalArgumentException(option + " " + primary + ": the folder it goes in, " + folder + ", does not exist; create it first");
        }
        if (!Files.isWritable(folder)) {
            throw new IllegalArgumentException(option + " " + primary + ": the folder it goes in, " + folder + ", is not writable; choose another folder");
        }
        for (Path out : outputs) {
            if ((out != primary || kind == Kind.FILE) && Files.isDirectory(out, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                throw new IllegalArgumentException(option + " " + primary + (out == primary ? " is a folder" : " would write " + out + ", which is a folder")
                        + "; give a file name (a folder is not replaced by a file, even with --force)");
            }
        }
        List<Path> existing = new ArrayList<>();
        for (Path out : outputs) {
            if (Files.exists(out, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                existing.add(out);
            }
        }
        if (!existing.isEmpty() && !force) {
            String known = existing.get(0) == primary ? whatIsThere.apply(primary) : null;
            throw new IllegalArgumentException(known != null ? option + " " + primary + " " + known
                    : option + ": " + existing.get(0) + " already exists; pass --force to replace it, or choose another path");
        }
        if (tryCreating) {
            tryCreating();
        }
        for (Path out : outputs) {
            AtomicFiles.removeStale(out);
        }
        return existing;
    }

    private void tryCreating() throws IOException {
        if (Files.exists(primary, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            if (Files.isDirectory(primary) && !Files.isWritable(primary)) {
                throw new IllegalArgumentException(option + " " + primary + " is a folder that is not writable; choose another path");
            }
            return;
        }
        try {
            Files.createDirectory(primary);
        } catch (java.nio.file.FileSystemException e) {
            String reason = e.getReason() != null ? e.getReason().strip() : e instanceof java.nio.file.NoSuchFileException ? "no such folder"
                    : e instanceof java.nio.file.AccessDeniedException ? "permission denied" : e.getClass().getSimpleName();
            throw new IllegalArgumentException(option + " " + primary + " cannot be created (" + reason + "); choose another path");
        }
        Files.delete(primary);
    }

    /**
     * Whether a file of this name is part of what a model, adapter or tokenizer folder is read from (weights, configs,
     * manifests, tokenizer files). Records a command writes beside them ({@code perplexity --json}, {@code finetune.json})
     * are not, so they may still be written into an input folder.
     */
    static boolean isFolderPart(String name) {
        String n = name.toLowerCase(java.util.Locale.ROOT);
        return n.endsWith(".safetensors") || n.endsWith(".onnx") || n.endsWith(".onnx_data") || n.endsWith(".bin") || n.endsWith(".pt")
                || n.endsWith(".pth") || n.endsWith("config.json") || FOLDER_PARTS.contains(n);
    }

    /** The other files folders are read from: tokenizers, sharded-weight indices and this project's manifests. */
    private static final java.util.Set<String> FOLDER_PARTS = java.util.Set.of("tokenizer.json", "special_tokens_map.json", "vocab.txt",
            "merges.txt", "model.safetensors.index.json", "merged_adapters.json", "lowrank.json", "quantized.json", "structured.json", "cskv.json", "intrinsic.json",
            "classifier.json");

    /** Whether two paths name one file (equal once normalised, or the same existing file through links). */
    static boolean same(Path a, Path b) throws IOException {
        Path x = a.toAbsolutePath().normalize(), y = b.toAbsolutePath().normalize();
        if (x.equals(y)) {
            return true;
        }
        return Files.exists(x) && Files.exists(y) && Files.isSameFile(x, y);
    }
}
