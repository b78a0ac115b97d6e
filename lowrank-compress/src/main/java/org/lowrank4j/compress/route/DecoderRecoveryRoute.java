package org.lowrank4j.compress.route;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.lowrank4j.compress.Listener;
import org.lowrank4j.compress.check.ModelPairs;
import org.lowrank4j.compress.model.DecoderFolder;
import org.lowrank4j.compress.recover.DecoderRecoveryRecord;
import org.lowrank4j.compress.recover.DistillOptions;
import org.lowrank4j.compress.recover.Distiller;
import org.lowrank4j.compress.recover.WeightDistance;
import org.lowrank4j.compress.recover.RecoveryResult;
import org.lowrank4j.compress.recover.WindowBatches;
import org.lowrank4j.nn.arch.llama.LlamaModel;
import org.lowrank4j.nn.arch.llama.LowRankFolder;
import org.lowrank4j.nn.arch.llama.QuantizedFolder;
import org.lowrank4j.nn.generate.Perplexity;
import org.lowrank4j.nn.generate.PerplexityResult;
import org.lowrank4j.nn.generate.Tokenizer;
import org.lowrank4j.nn.train.TextFiles;
import org.lowrank4j.nn.train.TextFolder;

/**
 * Recovery of a decoder folder: the dense original (teacher) and the low-rank folder {@code compress} wrote (student)
 * are distilled ({@link Distiller#decoder}: block outputs and next-token KL) on fixed-length windows of the training
 * text ({@link WindowBatches}); with held-out text, perplexity of the original and of the student before and after.
 * The trained student is written as a low-rank model folder whose manifest records the recovery; a quantized student
 * (a folder {@code compress --method eora|lq-lora} wrote) trains only the float branch beside each frozen quantized base
 * and is written back as a quantized folder, its codes unchanged.
 */
final class DecoderRecoveryRoute {
    static final int DEFAULT_STEPS = 300;

    private DecoderRecoveryRoute() {
    }

    static RecoveryRun run(RecoveryRequest r, Path checkpoint, Path json, Listener listener) throws IOException {
        long start = System.nanoTime();
        if (r.original() == null) {
            throw new IllegalArgumentException("--original is required with a decoder folder: the dense model folder " + r.compressed()
                    + " was compressed from (there is no bundled decoder)");
        }
        if (!Files.isDirectory(r.compressed()) || !Files.isDirectory(r.original())) {
            throw new IllegalArgumentException("--original " + r.original() + " and --compressed " + r.compressed()
                    + " must both be decoder model folders (or both ONNX files)");
        }
        String onnxOnly = r.tokenizer() != null ? "--tokenizer" : r.pooling() != null ? "--pooling" : r.maxTokens() != null ? "--max-tokens"
                : r.evalSentences() != null ? "--eval-sentences" : null;
        if (onnxOnly != null) {
            throw new IllegalArgumentException(onnxOnly + " applies to ONNX encoders; decoder folders bring their own tokenizer.json"
                    + " (use --window and --eval-text)");
        }
        DecoderFolder.requireModelFolder(r.original());
        DecoderFolder.requireModelFolder(r.compressed());
        if (Files.isSameFile(r.original(), r.compressed())) {
            throw new IllegalArgumentException("--original and --compressed are the same folder " + r.compressed());
        }
        ModelPairs.requireRecoverable(r.original(), r.compressed());
        QuantizedFolder.Manifest quantized = QuantizedFolder.readManifest(r.compressed()).orElse(null);
        if (quantized == null && !LowRankFolder.hasFactors(r.compressed())) {
            throw new IllegalArgumentException(r.compressed() + " was not compressed by lowrank4j: it has no " + LowRankFolder.A_SUFFIX + "/"
                    + LowRankFolder.B_SUFFIX + " factors to recover (compress it first with lowrank compress)");
        }
        LowRankFolder.requireOutput(r.out(), r.original(), r.compressed());
        if (r.text() == null) {
            throw new IllegalArgumentException("--text is required with decoder folders: the training text, a .txt file or a folder of them");
        }
        if ((r.textFrom() != null || r.textTo() != null) && !Files.isDirectory(r.text())) {
            throw new IllegalArgumentException("--text-from and --text-to select the YEAR_*.txt files of a --text folder, but --text " + r.text()
                    + " is not a folder");
        }
        if (r.evalMaxBytes() != null && r.evalMaxBytes() < 2) {
            throw new IllegalArgumentException("--eval-max-bytes must be at least 2, got " + r.evalMaxBytes());
        }
        int steps = r.steps() == null ? DEFAULT_STEPS : r.steps();
        DistillOptions options = Recovery.options(r, steps, r.outputWeight() != null ? r.outputWeight() : 1);

        LlamaModel teacher = DecoderFolder.loadModel(r.original());
        LlamaModel student = DecoderFolder.loadModel(r.compressed());
        Tokenizer tok = DecoderFolder.loadTokenizer(r.compressed(), student.vocabSize());
        int window = r.window() == null ? teacher.defaultWindow() : r.window();
        if (window < 2 || window > teacher.maxPositions()) {
            throw new IllegalArgumentException("--window must be in [2, " + teacher.maxPositions() + "] (the model's context), got " + window);
        }
        int[] tokens = tokens(r.text(), r.textFrom(), r.textTo(), tok);
        WindowBatches batches = new WindowBatches(tokens, student.vocabSize(), window, r.batch(), r.seed());
        Distiller distiller = Distiller.decoder(teacher, student, options).checkpointTo(checkpoint, r.resume());
        if (r.stopAfter() != null) {
            distiller.stopAfter(r.stopAfter());
        }
        HeldOut eval = r.evalText() == null ? null : HeldOut.of(r.evalText(), r.evalMaxBytes(), tok, window);
        listener.note(String.format(Locale.ROOT, "%s: %d factor pairs; %,d tokens of %s in %d windows of %d, %d a step, %d steps%s",
                r.compressed().getFileName(), distiller.factorPairs().size(), tokens.length, r.text(), batches.windowCount(), window, r.batch(),
                steps, r.resume() ? ", resuming from " + checkpoint : ""));
        Recovery.notePasses(listener, steps, (double) steps / batches.stepsPerPass(), batches.windowCount(), "windows");
        PerplexityResult reference = eval == null ? null : eval.on(teacher);
        PerplexityResult before = eval == null ? null : eval.on(student);
        List<WeightDistance> distanceBefore = distiller.weightDistances();
        RecoveryResult result = distiller.run(batches, listener);
        if (!result.finished()) {
            return new RecoveryRun(result, distiller.factorPairs().size(), r.out(), null, null, null, reference, before, null, List.of());
        }
        Map<String, Object> recovery = new LinkedHashMap<>();
        recovery.put("compressed", r.compressed().toString());
        recovery.put("text", r.text().toString() + (r.textFrom() != null || r.textTo() != null
                ? " (years " + (r.textFrom() == null ? "any" : r.textFrom()) + "-" + (r.textTo() == null ? "any" : r.textTo()) + ")" : ""));
        recovery.put("window", window);
        recovery.put("steps", steps);
        recovery.put("batch", r.batch());
        recovery.put("learning_rate", r.learningRate());
        recovery.put("train_norms", r.trainNorms());
        recovery.put("initial_loss", result.initialLoss());
        recovery.put("final_loss", result.finalLoss());
        Path tokenizer = r.compressed().resolve(DecoderFolder.TOKENIZER);
        if (quantized != null) {
            // the codes are as they were; the trained branches go back in the same quantized format
            QuantizedFolder.Manifest manifest = QuantizedFolder.describe(student, quantized.source(), quantized.method(), quantized.allocation(),
                    quantized.targetBytes());
            QuantizedFolder.write(student, r.out(), tokenizer, manifest, recovery, r.original(), r.compressed());
        } else {
            LowRankFolder.Manifest compressedManifest = LowRankFolder.readManifest(r.compressed()).orElse(null);
            LowRankFolder.Manifest manifest = LowRankFolder.describe(student, r.original().toString(),
                    compressedManifest == null ? "unknown" : compressedManifest.method(),
                    compressedManifest == null ? "unknown" : compressedManifest.allocation(),
                    compressedManifest == null ? Double.NaN : compressedManifest.ratioRequested()).withRecovery(recovery);
            LowRankFolder.write(student, r.out(), tokenizer, manifest, r.original(), r.compressed());
        }
        PerplexityResult after = eval == null ? null : eval.on(DecoderFolder.loadModel(r.out())); // the folder as written
        new DecoderRecoveryRecord(r.original().toString(), r.compressed().toString(), r.out().toString(), r.text().toString(), tokens.length, window,
                options, result.firstStep(), result.endStep(), result.initialLoss(), result.finalLoss(), result.seconds(),
                (System.nanoTime() - start) / 1e9, r.evalText() == null ? null : r.evalText().toString(), reference, before, after, distanceBefore, distiller.weightDistances())
                .writeJson(json);
        return new RecoveryRun(result, distiller.factorPairs().size(), r.out(), json, null, null, reference, before, after, List.of());
    }

    /**
     * The token stream of a .txt file or of a folder's .txt files (natural name order, each ending with a newline; with years,
     * only YEAR_*.txt files in [from, to]), one file in memory at a time.
     */
    static int[] tokens(Path text, Integer from, Integer to, Tokenizer tok) throws IOException {
        if (text == null || !Files.exists(text)) {
            throw new IllegalArgumentException("--text " + text + " does not exist");
        }
        List<Path> files = Files.isDirectory(text) ? TextFolder.textFiles(text) : List.of(text);
        if (from != null || to != null) {
            files = files.stream().filter(f -> TextFolder.inYears(f, from, to)).toList();
            if (files.isEmpty()) {
                throw new IllegalArgumentException("--text " + text + " holds no .txt file named YEAR_*.txt with a year in ["
                        + (from == null ? "any" : from) + ", " + (to == null ? "any" : to) + "]");
            }
        }
        int[] out = new int[1 << 16];
        int n = 0;
        TextFiles.Budget budget = TextFiles.budget();
        for (Path file : files) {
            String s = budget.read(file);
            if (!s.isEmpty() && !s.endsWith("\n")) {
                s += "\n";
            }
            int[] part = tok.encode(s);
            if (n + part.length > out.length) {
                out = Arrays.copyOf(out, Math.max(n + part.length, out.length * 2));
            }
            System.arraycopy(part, 0, out, n, part.length);
            n += part.length;
        }
        if (n == 0) {
            throw new IllegalArgumentException("--text " + text + " holds no text");
        }
        return Arrays.copyOf(out, n);
    }

    /** Held-out perplexity as {@code lowrank perplexity} measures it: non-overlapping windows, bits per UTF-8 byte. */
    private record HeldOut(int[] tokens, long bytes, int window) {
        static HeldOut of(Path path, Long maxBytes, Tokenizer tok, int window) {
            String content = TextFolder.readText(path, null, null, "--eval-text");
            if (maxBytes != null) {
                content = TextFolder.firstBytes(content, maxBytes);
            }
            int[] tokens = tok.encode(content);
            if (tokens.length < 2) {
                throw new IllegalArgumentException("--eval-text " + path + " holds " + tokens.length + " token(s); perplexity needs at least 2");
            }
            return new HeldOut(tokens, content.getBytes(StandardCharsets.UTF_8).length, window);
        }

        PerplexityResult on(LlamaModel model) {
            return Perplexity.evaluate(model, tokens, window, bytes).requireFinite("under evaluation");
        }
    }
}
