package org.lowrank4j.compress.route;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import org.lowrank4j.compress.CompressionOutcome;
import org.lowrank4j.compress.Listener;
import org.lowrank4j.compress.RankRules;
import org.lowrank4j.compress.methods.MethodSpec;
import org.lowrank4j.compress.methods.Methods;
import org.lowrank4j.compress.prune.PruneOptions;
import org.lowrank4j.compress.report.CompressionRecord;
import org.lowrank4j.formats.io.AtomicFiles;
import org.lowrank4j.formats.io.OutputPlan;
import org.lowrank4j.formats.io.Sha256;
import org.lowrank4j.linalg.Linalg;

/**
 * The one entry point of {@code compress}: a {@link CompressionRequest} in, the written model and its record out. It
 * checks the budget and the outputs before any work (no output may be an input or another output; existing outputs
 * are replaced only with {@code force}), picks the first route of {@link #ROUTES} that takes the request, and writes
 * the model and its record as one unit: an earlier record is removed before the new model is renamed into place, and
 * the new record names the model's SHA-256, so a record never describes another model than the one beside it.
 */
public final class Compression {

    /** The routes, asked in order. */
    static final List<CompressionRoute> ROUTES = List.of(new BlockwiseDecoderRoute(), new HierarchicalPruneRoute(), new DlrMambaRoute(), new DecoderModegptRoute(), new DecoderQuantizedRoute(), new DecoderFolderRoute(), new OnnxQuantizedRoute(), new OnnxRuntimeRoute(),
            new OnnxSiteRoute());

    private Compression() {
    }

    /**
     * Compresses as the request says and writes OUT, OUT.json and OUT.html.
     *
     * @throws IllegalArgumentException for a user mistake (one line naming the option or file)
     */
    public static CompressionRun run(CompressionRequest request, Listener listener) throws IOException {
        long start = System.nanoTime();
        requireBudget(request);
        if (request.model() == null || !Files.exists(request.model())) {
            throw new IllegalArgumentException("--model " + request.model() + " does not exist; give an ONNX file or a decoder model folder");
        }
        if (request.threads() != null && request.threads() < 1) {
            throw new IllegalArgumentException("--threads must be at least 1, got " + request.threads());
        }
        if ((request.calibrationFrom() != null || request.calibrationTo() != null) && request.calibration() == null) {
            throw new IllegalArgumentException("--calib-from and --calib-to select the YEAR_*.txt files of a --calib folder; give --calib FOLDER");
        }
        boolean folder = Files.isDirectory(request.model());
        Path json = recordPath(request.out(), folder, ".json"), html = recordPath(request.out(), folder, ".html");
        List<Path> replaced = OutputPlan.of("--out", request.out(), request.force()).folderOutput(folder).sidecar(json).sidecar(html)
                .input("--model", request.model()).input("--tokenizer", request.tokenizer()).input("--calib", request.calibration()).input("--labels", request.labels()).check();
        CompressionRoute route = ROUTES.stream().filter(r -> r.handles(request)).findFirst().orElseThrow(() -> new IllegalArgumentException(
                "--model " + request.model() + " is neither an ONNX file nor a decoder model folder"));
        if (folder && !(route instanceof DlrMambaRoute) && org.lowrank4j.nn.arch.mamba.MambaConfig.isMambaFolder(request.model())) {
            throw new IllegalArgumentException("--model " + request.model() + " is a Mamba folder: compress it with --method dlrmamba "
                    + "(the other methods take transformer encoders and decoders)");
        }
        if (Methods.isQuantized(request.method()) && !(route instanceof OnnxQuantizedRoute || route instanceof DecoderQuantizedRoute)) {
            throw new IllegalArgumentException("--method " + request.method() + " quantizes ONNX encoders and LLaMA-family decoder folders, not "
                    + request.model());
        }
        if (request.labels() != null && !route.readsLabels(request)) {
            throw new IllegalArgumentException("--labels gives the task loss of a method that needs gradients (fwsvd) on an ONNX encoder; --method "
                    + request.method() + " on " + request.model() + " does not read it");
        }
        int before = Linalg.threads();
        Linalg.setThreads(request.threadCount());
        CompressionOutcome outcome;
        // the old record goes out of sight first: a run killed before the new record is written leaves no record that lies
        // (the next run deletes it); one refused or failed before OUT changed puts it back
        List<Object> earlierOut = identity(request.out());
        AtomicFiles.SetAside earlierRecord = replaced.isEmpty() ? AtomicFiles.SetAside.of() : AtomicFiles.SetAside.of(json, html);
        try {
            outcome = route.compress(request, listener);
        } catch (Exception | Error e) {
            settleAfterFailure(earlierRecord, request.out(), earlierOut, e);
            throw e;
        } finally {
            Linalg.setThreads(before);
        }
        earlierRecord.discard();
        double wall = (System.nanoTime() - start) / 1e9;
        CompressionRecord.write(outcome, wall, Sha256.ofFile(weightsFile(outcome.output())), json, html);
        return new CompressionRun(outcome, json, html, wall);
    }

    /**
     * After a failed run: the records set aside go back when {@code out} is still the output they describe (the run failed
     * before replacing it, its {@link #identity} unchanged), and are deleted otherwise. A failure to do so is added to
     * {@code failure}, which the caller throws.
     */
    static void settleAfterFailure(AtomicFiles.SetAside records, Path out, List<Object> earlierOut, Throwable failure) {
        try {
            if (identity(out).equals(earlierOut)) {
                records.restore();
            } else {
                records.discard();
            }
        } catch (IOException e) {
            failure.addSuppressed(e);
        }
    }

    /** What tells one file or folder at {@code path} from another put there later (its file key and time), or empty when there is none. */
    static List<Object> identity(Path path) throws IOException {
        if (!Files.exists(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return List.of();
        }
        BasicFileAttributes a = Files.readAttributes(path, BasicFileAttributes.class, java.nio.file.LinkOption.NOFOLLOW_LINKS);
        return java.util.Arrays.asList(a.fileKey(), a.lastModifiedTime(), a.creationTime());
    }

    /**
     * Exactly one of ratio and target size, each in range — or neither with {@code --embeddings} (then only the
     * word-embedding table changes); quantizing methods take a target size or no budget (their bits set the size).
     */
    static void requireBudget(CompressionRequest request) {
        if (request.method() != null && Methods.isQuantized(request.method())) {
            if (request.ratio() != null) {
                throw new IllegalArgumentException("--ratio is the fraction of parameters a low-rank method removes; " + MethodSpec.parse(request.method()).name()
                        + " stores every weight in fewer bits: give --target-size (e.g. 18MB) or no budget");
            }
        } else if (PruneOptions.names(request.method())) {
            PruneOptions.from(request.method()).requireOneBudget(request.ratio() != null, request.targetBytes() != null);
        } else if (request.ratio() != null && request.targetBytes() != null
                || request.ratio() == null && request.targetBytes() == null && request.embeddings() == null) {
            throw new IllegalArgumentException("give either --ratio (the fraction of the targeted layers' parameters to remove) or --target-size"
                    + " (e.g. 70MB), or neither to change only the embedding table with --embeddings");
        }
        if (request.ratio() != null) {
            RankRules.requireRatio(request.ratio(), "--ratio");
        }
        if (request.targetBytes() != null && request.targetBytes() <= 0) {
            throw new IllegalArgumentException("--target-size must be positive, got " + request.targetBytes() + " bytes");
        }
    }

    /**
     * The record beside an output: a file {@code dir/m.onnx} gives {@code dir/m.json}; a folder {@code dir/name} (a
     * decoder output) gives {@code dir/name.json}, its name kept whole.
     */
    public static Path recordPath(Path out, boolean folder, String extension) {
        if (out == null) {
            throw new IllegalArgumentException("--out must be given");
        }
        Path path = out.toAbsolutePath().normalize();
        if (path.getFileName() == null) {
            throw new IllegalArgumentException("--out " + out + " names no file; give a file or folder name");
        }
        String name = path.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String stem = folder || dot <= 0 ? name : name.substring(0, dot);
        return path.resolveSibling(stem + extension);
    }

    /** The file whose bytes identify an output: the ONNX file itself, or a model folder's {@code model.safetensors}. */
    static Path weightsFile(Path output) {
        if (!Files.isDirectory(output)) {
            return output;
        }
        Path index = output.resolve(org.lowrank4j.formats.safetensors.SafetensorsModel.INDEX_FILE); // a sharded folder: its index names every shard
        return Files.isRegularFile(index) ? index : output.resolve("model.safetensors");
    }
}
