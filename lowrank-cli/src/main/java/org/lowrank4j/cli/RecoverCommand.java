package org.lowrank4j.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.lowrank4j.compress.check.ModelPairs;
import org.lowrank4j.compress.eval.EmbeddingRunner;
import org.lowrank4j.compress.eval.EvalReport;
import org.lowrank4j.compress.eval.Evaluation;
import org.lowrank4j.compress.eval.Pooling;
import org.lowrank4j.compress.recover.DistillOptions;
import org.lowrank4j.compress.recover.Distiller;
import org.lowrank4j.compress.recover.FactorSchedule;
import org.lowrank4j.compress.recover.OnnxRecovery;
import org.lowrank4j.compress.recover.RecoveryRecord;
import org.lowrank4j.compress.recover.RecoveryResult;
import org.lowrank4j.compress.recover.SentenceBatches;
import org.lowrank4j.compress.text.TextCorpus;
import org.lowrank4j.compress.tokenize.HfTokenizer;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.train.TrainingDivergedException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code lowrank recover}: distils a model that {@code lowrank compress} factorised against its original on unlabeled
 * text, training only the low-rank factors (and optionally the LayerNorms), and writes the same graph with the trained
 * values; OUT.json records the run.
 */
@Command(name = "recover", mixinStandardHelpOptions = true,
        description = "Recover the fidelity a compressed ONNX encoder or decoder model folder lost: distil its low-rank factors against"
                + " the original model; writes OUT (the same format as --compressed) and OUT.json.")
final class RecoverCommand implements Callable<Integer> {

    @Option(names = "--original", description = "The original ONNX model (default: the bundled all-MiniLM-L6-v2), or the original decoder model folder (required for decoders).")
    Path original;

    @Option(names = "--compressed", required = true, description = "The model written by lowrank compress: an ONNX file or a low-rank decoder model folder (never modified).")
    Path compressed;

    @Option(names = "--tokenizer", description = "The models' tokenizer.json (default with the bundled model: its own).")
    Path tokenizer;

    @Option(names = "--out", required = true, description = "Where to write the recovered ONNX model, or low-rank decoder model folder (not an input).")
    Path out;

    @Option(names = "--steps", description = "Optimizer steps (default: 800 for encoders, about 8.5 min for MiniLM on 2 cores, see README;"
            + " 300 for decoder folders).")
    Integer stepsOption;

    int steps;

    @Option(names = "--text", description = "Training text: a .txt file or a folder of them, cut into sentences (default: the vendored calibration sentences); for decoders, cut into windows of --window tokens (required).")
    Path text;

    @Option(names = "--batch", defaultValue = "16", description = "Sentences (decoders: windows) per step (default ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--lr", defaultValue = "3e-4", description = "Peak learning rate (default ${DEFAULT-VALUE}).")
    double lr;

    @Option(names = "--max-tokens", defaultValue = "128", description = "Truncate sentences to this many tokens (default ${DEFAULT-VALUE}).")
    int maxTokens;

    @Option(names = "--pooling", defaultValue = "mean", description = "mean (MiniLM) | cls (bge): the embedding the output term matches (default ${DEFAULT-VALUE}).")
    String pooling;

    @Option(names = "--output-weight", description = "Weight of the output term (encoders: embedding cosine; decoders: next-token KL) against"
            + " the hidden-state term (default: 10 for encoders, 1 for decoders).")
    Double outputWeightOption;

    @Option(names = "--train-norms", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Also train the LayerNorm / RMSNorm weights (and biases); --no-train-norms trains the factors only (default on).")
    boolean trainNorms;

    /** The output weight: as given, else 10 for encoders (measured best on MiniLM, README) or 1 for decoders. */
    double outputWeight(boolean decoder) {
        return outputWeightOption != null ? outputWeightOption : decoder ? 1 : 10;
    }

    @Option(names = "--schedule", defaultValue = "joint", description = "joint | u-then-v (SVD-LLM: the A factors for half the steps, then the B factors) (default ${DEFAULT-VALUE}).")
    String schedule;

    @Option(names = "--pela", defaultValue = "0", description = "Weight of PELA's weight-perturbation term (default ${DEFAULT-VALUE}: off).")
    double pela;

    @Option(names = "--pela-epsilon", defaultValue = "1e-3", description = "Its epsilon (default ${DEFAULT-VALUE}).")
    double pelaEpsilon;

    @Option(names = "--pela-hinge", description = "Penalise only max|AB - W| above epsilon (the reference also pulls it up to epsilon).")
    boolean pelaHinge;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of the sentence order (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--checkpoint", description = "Checkpoint file (default: OUT with .recover.safetensors).")
    Path checkpoint;

    @Option(names = "--checkpoint-every", defaultValue = "50", description = "Checkpoint every N steps and at the end (default ${DEFAULT-VALUE}).")
    int checkpointEvery;

    @Option(names = "--resume", description = "Continue from the checkpoint of an interrupted run with the same settings.")
    boolean resume;

    @Option(names = "--teacher-cache-mb", defaultValue = "1024", description = "Keep the original model's states of up to this many MB of text when the run passes over it more than once (default ${DEFAULT-VALUE}; 0: never).")
    int teacherCacheMb;

    @Option(names = "--eval-sentences", defaultValue = "500", description = "Held-out sentences for fidelity before and after, in ONNX Runtime (default ${DEFAULT-VALUE}; 0 skips).")
    int evalSentences;

    @Option(names = "--threads", description = "Threads for BLAS and ONNX Runtime (default: all cores).")
    Integer threads;

    @Option(names = "--stop-after", hidden = true, description = "Stop once this many steps are done (the schedule still spans --steps); for testing resume.")
    Long stopAfter;

    @Mixin
    DecoderRecover.Options decoder = new DecoderRecover.Options();

    @Override
    public Integer call() throws Exception {
        steps = stepsOption != null ? stepsOption : compressed != null && java.nio.file.Files.isDirectory(compressed) ? 300 : 800;
        if (compressed != null && Files.isDirectory(compressed) || original != null && Files.isDirectory(original)) {
            return DecoderRecover.run(this, decoder); // decoder model folders: the JVM runtime path
        }
        decoder.rejectFor(compressed);
        long start = System.nanoTime();
        if (original == null) {
            original = BundledModel.model();
            tokenizer = tokenizer == null ? BundledModel.tokenizer() : tokenizer;
        }
        if (tokenizer == null) {
            throw new IllegalArgumentException("--tokenizer is needed with --original (the bundled model brings its own)");
        }
        Inputs.requireFile(original, "--original");
        Inputs.requireFile(compressed, "--compressed");
        ModelPairs.requireRecoverable(original, compressed);
        Inputs.requireWritableTarget(out, compressed);
        Inputs.requireWritableTarget(out, original);
        if (maxTokens < 2 || evalSentences < 0) {
            throw new IllegalArgumentException("--max-tokens must be at least 2 and --eval-sentences at least 0");
        }
        int cores = threads == null ? Runtime.getRuntime().availableProcessors() : threads;
        if (cores < 1) {
            throw new IllegalArgumentException("--threads must be at least 1, got " + cores);
        }
        System.setProperty("lowrank.threads", Integer.toString(cores));
        Pooling pool = EvalCommand.parsePooling(pooling);
        DistillOptions options = DistillOptions.builder().steps(steps).batchSize(batch).learningRate(lr).pooling(pool)
                .outputWeight(outputWeight(false)).trainNorms(trainNorms).schedule(parseSchedule(schedule)).pela(pela, pelaEpsilon, pelaHinge)
                .seed(seed).checkpointEvery(checkpointEvery).teacherCacheMegabytes(teacherCacheMb).build();
        Path ckpt = checkpoint != null ? checkpoint : Inputs.sibling(out, ".recover.safetensors");
        if (resume && !Files.isRegularFile(ckpt)) {
            throw new IllegalArgumentException("--resume: " + ckpt + " does not exist (run without --resume first)");
        }
        if (!resume && Files.exists(ckpt)) {
            throw new IllegalArgumentException(ckpt + " holds an earlier recovery run; use --resume to continue it, or delete it");
        }
        List<String> texts = text == null ? TextCorpus.calibration().texts() : TextCorpus.sentences(text).texts();

        try (HfTokenizer tok = HfTokenizer.load(Inputs.requireFile(tokenizer, "--tokenizer"), maxTokens)) {
            ModelPairs.requireTokenizerFits(tokenizer, tok.vocabularySize(), original);
            SentenceBatches batches = new SentenceBatches(texts, tok, batch, seed);
            OnnxRecovery.Models models = OnnxRecovery.load(original, compressed, Precision.FLOAT32);
            Distiller distiller = Distiller.encoder(models.teacher(), models.student(), options).checkpointTo(ckpt, resume);
            if (stopAfter != null) {
                distiller.stopAfter(stopAfter);
            }
            List<String> heldOut = TextCorpus.heldOut().first(evalSentences);
            float[][] reference = evalSentences == 0 ? null : embed(original, tok, heldOut, pool, cores);
            EvalReport.Fidelity before = evalSentences == 0 ? null : fidelity(reference, compressed, tok, heldOut, pool, cores);
            System.err.printf(Locale.ROOT, "%s: %d factor pairs; %d sentences from %s, %d a step, %d steps%s%n", compressed.getFileName(),
                    distiller.factorPairs().size(), texts.size(), text == null ? "the vendored calibration set" : text, batch, steps,
                    resume ? ", resuming from " + ckpt : "");
            double passes = (double) steps / batches.batchesPerPass();
            if (passes > 4) {
                System.err.printf(Locale.ROOT, "note: %d steps pass %.0f times over these %d sentences; a larger --text (a folder of"
                        + " plain text) usually recovers more%n", steps, passes, texts.size());
            }
            if (before != null) {
                printFidelity("before", before);
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
            OnnxRecovery.write(models, distiller.trainableParameters(), out);
            long run = r.endStep() - r.firstStep();
            System.out.printf(Locale.ROOT, "recovered %d steps in %.1f s (%.2f s a step); distillation loss %.5f → %.5f; wrote %s%n", run,
                    r.seconds(), r.seconds() / Math.max(1, run), r.initialLoss(), r.finalLoss(), out);
            EvalReport.Fidelity after = evalSentences == 0 ? null : fidelity(reference, out, tok, heldOut, pool, cores);
            if (after != null) {
                printFidelity("after", after);
            }
            Path json = Inputs.sibling(out, ".json");
            new RecoveryRecord(original.toString(), compressed.toString(), out.toString(), options, r.firstStep(), r.endStep(),
                    r.initialLoss(), r.finalLoss(), r.seconds(), (System.nanoTime() - start) / 1e9, before, after).writeJson(json);
            System.out.println("record: " + json);
        }
        return 0;
    }

    private static float[][] embed(Path model, HfTokenizer tok, List<String> sentences, Pooling pool, int threads) {
        try (EmbeddingRunner runner = EmbeddingRunner.open(model, new EmbeddingRunner.Options(threads, 32))) {
            runner.requireMatches(tok);
            return runner.embed(tok, sentences, pool, true);
        }
    }

    /** Cosine and recall@10 on held-out sentences, as {@code lowrank eval} measures them. */
    private static EvalReport.Fidelity fidelity(float[][] reference, Path candidate, HfTokenizer tok, List<String> sentences, Pooling pool,
            int threads) {
        return Evaluation.fidelity(reference, embed(candidate, tok, sentences, pool, threads), 10);
    }

    private static void printFidelity(String when, EvalReport.Fidelity f) {
        System.out.printf(Locale.ROOT, "%-6s fidelity on %d held-out sentences: mean cosine %.4f, p5 cosine %.4f, recall@%d %.4f%n", when,
                f.sentences(), f.meanCosine(), f.p5Cosine(), f.neighbours(), f.recallAtK());
    }

    static FactorSchedule parseSchedule(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "joint" -> FactorSchedule.JOINT;
            case "u-then-v" -> FactorSchedule.U_THEN_V;
            default -> throw new IllegalArgumentException("--schedule must be joint or u-then-v, got " + name);
        };
    }
}
