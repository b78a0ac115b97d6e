package org.lowrank4j.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.lowrank4j.compress.recover.DecoderRecoveryRecord;
import org.lowrank4j.compress.recover.DistillOptions;
import org.lowrank4j.compress.recover.Distiller;
import org.lowrank4j.compress.recover.RecoveryResult;
import org.lowrank4j.compress.recover.WindowBatches;
import org.lowrank4j.nn.arch.llama.LlamaModel;
import org.lowrank4j.nn.arch.llama.LowRankFolder;
import org.lowrank4j.nn.generate.Perplexity;
import org.lowrank4j.nn.generate.PerplexityResult;
import org.lowrank4j.nn.generate.Tokenizer;
import org.lowrank4j.nn.train.TextFiles;
import org.lowrank4j.nn.train.TextFolder;
import org.lowrank4j.nn.train.TrainingDivergedException;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code lowrank recover} on decoder model folders: the dense original (teacher) and the low-rank folder {@code lowrank
 * compress} wrote (student) are loaded into the JVM runtime and distilled ({@link Distiller#decoder}: block outputs and
 * next-token KL) on fixed-length windows of the training text ({@link WindowBatches}); checkpoints and resume work as for
 * ONNX encoders. The trained student is written as a low-rank model folder; {@code OUT.json} records the run, with the
 * held-out perplexity of the original, and of the student before and after, when {@code --eval-text} is given.
 */
final class DecoderRecover {

    /** The options of {@code recover} that apply to decoder folders only. */
    static final class Options {
        @Spec(Spec.Target.MIXEE)
        CommandSpec mixee;

        @Option(names = "--window", description = "Decoder folders: tokens per training and evaluation window (default: the model's context).")
        Integer window;

        @Option(names = "--text-from", description = "Decoder folders, with a --text folder: only files named YEAR_*.txt with YEAR >= this.")
        Integer textFrom;

        @Option(names = "--text-to", description = "Decoder folders, with a --text folder: only files named YEAR_*.txt with YEAR <= this.")
        Integer textTo;

        @Option(names = "--eval-text", description = "Decoder folders: held-out text (a .txt file or a folder of them) for perplexity and bits per byte before and after.")
        Path evalText;

        @Option(names = "--eval-max-bytes", description = "Decoder folders: evaluate only the first N bytes of --eval-text (default: all).")
        Long evalMaxBytes;

        boolean given(String option) {
            return mixee != null && mixee.commandLine() != null && mixee.commandLine().getParseResult() != null
                    && mixee.commandLine().getParseResult().hasMatchedOption(option);
        }

        /** Refuses these options for ONNX models. */
        void rejectFor(Path compressed) {
            if (window != null || evalText != null || evalMaxBytes != null || textFrom != null || textTo != null) {
                throw new IllegalArgumentException("--window, --text-from/--text-to, --eval-text and --eval-max-bytes apply to decoder model"
                        + " folders; " + compressed
                        + " is an ONNX file");
            }
        }
    }

    private DecoderRecover() {
    }

    static int run(RecoverCommand c, Options o) throws IOException {
        long start = System.nanoTime();
        if (c.original == null) {
            throw new IllegalArgumentException("--original is required with a decoder folder: the dense model folder " + c.compressed
                    + " was compressed from (there is no bundled decoder)");
        }
        if (c.compressed == null || !Files.isDirectory(c.compressed) || !Files.isDirectory(c.original)) {
            throw new IllegalArgumentException("--original " + c.original + " and --compressed " + c.compressed
                    + " must both be decoder model folders (or both ONNX files)");
        }
        for (String option : List.of("--tokenizer", "--pooling", "--max-tokens", "--eval-sentences")) {
            if (o.given(option)) {
                throw new IllegalArgumentException(option + " applies to ONNX encoders; decoder folders bring their own tokenizer.json"
                        + " (use --window and --eval-text)");
            }
        }
        DecoderFolder.requireModelFolder(c.original);
        DecoderFolder.requireModelFolder(c.compressed);
        if (Files.isSameFile(c.original, c.compressed)) {
            throw new IllegalArgumentException("--original and --compressed are the same folder " + c.compressed);
        }
        org.lowrank4j.compress.check.ModelPairs.requireRecoverable(c.original, c.compressed);
        if (!LowRankFolder.hasFactors(c.compressed)) {
            throw new IllegalArgumentException(c.compressed + " was not compressed by lowrank4j: it has no " + LowRankFolder.A_SUFFIX + "/"
                    + LowRankFolder.B_SUFFIX + " factors to recover (compress it first with lowrank compress)");
        }
        LowRankFolder.requireOutput(c.out, c.original, c.compressed);
        if (c.text == null) {
            throw new IllegalArgumentException("--text is required with decoder folders: the training text, a .txt file or a folder of them");
        }
        if ((o.textFrom != null || o.textTo != null) && !Files.isDirectory(c.text)) {
            throw new IllegalArgumentException("--text-from and --text-to select the YEAR_*.txt files of a --text folder, but --text " + c.text
                    + " is not a folder");
        }
        if (o.evalMaxBytes != null && o.evalMaxBytes < 2) {
            throw new IllegalArgumentException("--eval-max-bytes must be at least 2, got " + o.evalMaxBytes);
        }
        Inputs.applyThreads(c.threads);
        DistillOptions options = DistillOptions.builder().steps(c.steps).batchSize(c.batch).learningRate(c.lr).outputWeight(c.outputWeight(true))
                .trainNorms(c.trainNorms).schedule(RecoverCommand.parseSchedule(c.schedule)).pela(c.pela, c.pelaEpsilon, c.pelaHinge)
                .seed(c.seed).checkpointEvery(c.checkpointEvery).teacherCacheMegabytes(c.teacherCacheMb).build();
        Path ckpt = c.checkpoint != null ? c.checkpoint : DecoderCompress.sibling(c.out, ".recover.safetensors");
        if (c.resume && !Files.isRegularFile(ckpt)) {
            throw new IllegalArgumentException("--resume: " + ckpt + " does not exist (run without --resume first)");
        }
        if (!c.resume && Files.exists(ckpt)) {
            throw new IllegalArgumentException(ckpt + " holds an earlier recovery run; use --resume to continue it, or delete it");
        }

        LlamaModel teacher = DecoderFolder.loadModel(c.original);
        LlamaModel student = DecoderFolder.loadModel(c.compressed);
        Tokenizer tok = DecoderFolder.loadTokenizer(c.compressed, student.vocabSize());
        int window = o.window == null ? teacher.maxPositions() : o.window;
        if (window < 2 || window > teacher.maxPositions()) {
            throw new IllegalArgumentException("--window must be in [2, " + teacher.maxPositions() + "] (the model's context), got " + window);
        }
        int[] tokens = tokens(c.text, o.textFrom, o.textTo, tok);
        WindowBatches batches = new WindowBatches(tokens, student.vocabSize(), window, c.batch, c.seed);
        Distiller distiller = Distiller.decoder(teacher, student, options).checkpointTo(ckpt, c.resume);
        if (c.stopAfter != null) {
            distiller.stopAfter(c.stopAfter);
        }
        Evaluation eval = o.evalText == null ? null : Evaluation.of(o.evalText, o.evalMaxBytes, tok, window);
        System.err.printf(Locale.ROOT, "%s: %d factor pairs; %,d tokens of %s in %d windows of %d, %d a step, %d steps%s%n",
                c.compressed.getFileName(), distiller.factorPairs().size(), tokens.length, c.text, batches.windowCount(), window, c.batch,
                c.steps, c.resume ? ", resuming from " + ckpt : "");
        double passes = (double) c.steps / batches.stepsPerPass();
        if (passes > 4) {
            System.err.printf(Locale.ROOT, "note: %d steps pass %.0f times over these %d windows; a larger --text (a folder of plain text)"
                    + " usually recovers more%n", c.steps, passes, batches.windowCount());
        }
        PerplexityResult reference = eval == null ? null : eval.on(teacher);
        PerplexityResult before = eval == null ? null : eval.on(student);
        if (before != null) {
            System.out.printf(Locale.ROOT, "original perplexity %.4f (%.4f bits per byte) on %,d bytes of %s%n", reference.perplexity(),
                    reference.bitsPerByte(), reference.bytes(), o.evalText);
            print("before", before);
        }
        RecoveryResult r;
        try {
            r = distiller.run(batches, ProgressBar.stderr());
        } catch (TrainingDivergedException e) {
            ProgressBar.endLine(new PrintWriter(System.err, true));
            System.err.println("lowrank recover: " + e.getMessage());
            return 2;
        }
        if (!r.finished()) {
            System.out.printf(Locale.ROOT, "stopped after step %d of %d (%.1f s); resume with --resume%n", r.endStep(), r.totalSteps(), r.seconds());
            return 0;
        }
        LowRankFolder.Manifest compressedManifest = LowRankFolder.readManifest(c.compressed).orElse(null);
        Map<String, Object> recovery = new LinkedHashMap<>();
        recovery.put("compressed", c.compressed.toString());
        recovery.put("text", c.text.toString() + (o.textFrom != null || o.textTo != null
                ? " (years " + (o.textFrom == null ? "any" : o.textFrom) + "-" + (o.textTo == null ? "any" : o.textTo) + ")" : ""));
        recovery.put("window", window);
        recovery.put("steps", c.steps);
        recovery.put("batch", c.batch);
        recovery.put("learning_rate", c.lr);
        recovery.put("train_norms", c.trainNorms);
        recovery.put("initial_loss", r.initialLoss());
        recovery.put("final_loss", r.finalLoss());
        LowRankFolder.Manifest manifest = LowRankFolder.describe(student, c.original.toString(),
                compressedManifest == null ? "unknown" : compressedManifest.method(),
                compressedManifest == null ? "unknown" : compressedManifest.allocation(),
                compressedManifest == null ? Double.NaN : compressedManifest.ratioRequested()).withRecovery(recovery);
        LowRankFolder.write(student, c.out, c.compressed.resolve(DecoderFolder.TOKENIZER), manifest, c.original, c.compressed);
        long run = r.endStep() - r.firstStep();
        System.out.printf(Locale.ROOT, "recovered %d steps in %.1f s (%.2f s a step); distillation loss %.5f → %.5f; wrote %s%n", run,
                r.seconds(), r.seconds() / Math.max(1, run), r.initialLoss(), r.finalLoss(), c.out);
        PerplexityResult after = eval == null ? null : eval.on(DecoderFolder.loadModel(c.out)); // the folder as written
        if (after != null) {
            print("after ", after);
        }
        Path json = DecoderCompress.sibling(c.out, ".json");
        new DecoderRecoveryRecord(c.original.toString(), c.compressed.toString(), c.out.toString(), c.text.toString(), tokens.length, window,
                options, r.firstStep(), r.endStep(), r.initialLoss(), r.finalLoss(), r.seconds(), (System.nanoTime() - start) / 1e9,
                o.evalText == null ? null : o.evalText.toString(), reference, before, after).writeJson(json);
        System.out.println("record: " + json);
        return 0;
    }

    private static void print(String when, PerplexityResult p) {
        System.out.printf(Locale.ROOT, "%s perplexity %.4f (%.4f bits per byte) on %,d held-out tokens in %d windows%n", when, p.perplexity(),
                p.bitsPerByte(), p.tokens(), p.windows());
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
            files = files.stream().filter(f -> DecoderFolder.inYears(f, from, to)).toList();
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
    private record Evaluation(int[] tokens, long bytes, int window) {
        static Evaluation of(Path path, Long maxBytes, Tokenizer tok, int window) {
            String content = DecoderFolder.readText(path, null, null, "--eval-text");
            if (maxBytes != null) {
                content = PerplexityCommand.firstBytes(content, maxBytes);
            }
            int[] tokens = tok.encode(content);
            if (tokens.length < 2) {
                throw new IllegalArgumentException("--eval-text " + path + " holds " + tokens.length + " token(s); perplexity needs at least 2");
            }
            return new Evaluation(tokens, content.getBytes(StandardCharsets.UTF_8).length, window);
        }

        PerplexityResult on(LlamaModel model) {
            return Perplexity.evaluate(model, tokens, window, bytes).requireFinite("under evaluation");
        }
    }
}
