package org.lowrank4j.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.lowrank4j.compress.eval.EvalReport;
import org.lowrank4j.compress.recover.RecoveryResult;
import org.lowrank4j.compress.recover.SetFidelity;
import org.lowrank4j.compress.route.Recovery;
import org.lowrank4j.compress.route.RecoveryRequest;
import org.lowrank4j.compress.route.RecoveryRun;
import org.lowrank4j.nn.generate.PerplexityResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code lowrank recover}: distils a model that {@code lowrank compress} factorised against its original on unlabeled
 * text, training only the low-rank factors (and optionally the LayerNorms), and writes the same graph with the trained
 * values; OUT.json records the run.
 */
@Command(name = "recover", mixinStandardHelpOptions = true,
        description = "Recover the fidelity a compressed ONNX encoder or decoder model folder lost: distil its low-rank factors (in a quantized decoder"
                + " folder: the float branches, codes frozen) against the original model; writes OUT (the same format as --compressed) and OUT.json.")
final class RecoverCommand implements Callable<Integer> {

    @Option(names = "--original", description = "The original ONNX model (default: the bundled all-MiniLM-L6-v2), or the original decoder model folder (required for decoders).")
    Path original;

    @Option(names = "--compressed", required = true, description = "The model written by lowrank compress: an ONNX file, a low-rank decoder model folder, or a quantized decoder folder with branches (eora, lq-lora, svdquant) (never modified).")
    Path compressed;

    @Option(names = "--tokenizer", description = "The models' tokenizer.json (default with the bundled model: its own).")
    Path tokenizer;

    @Option(names = "--out", required = true, description = "Where to write the recovered ONNX model, or low-rank decoder model folder (not an input).")
    Path out;

    @Option(names = "--steps", description = "Optimizer steps (default: 800 for encoders, about 8.5 min for MiniLM on 2 cores, see README;"
            + " 300 for decoder folders).")
    Integer steps;

    @Option(names = "--text", description = "Training text: a .txt file or a folder of them, cut into sentences (default: the vendored mix of registers, Moby Dick ch. 1-67 + SOTU, 8,029 sentences); for decoders, cut into windows of --window tokens (required).")
    Path text;

    @Option(names = "--batch", defaultValue = "16", description = "Sentences (decoders: windows) per step (default ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--lr", defaultValue = "3e-4", description = "Peak learning rate (default ${DEFAULT-VALUE}).")
    double lr;

    @Option(names = "--max-tokens", description = "ONNX encoders: truncate sentences to this many tokens (default 128).")
    Integer maxTokens;

    @Option(names = "--pooling", description = "ONNX encoders: mean (MiniLM) | cls (bge), the embedding the output term matches (default mean).")
    String pooling;

    @Option(names = "--output-weight", description = "Weight of the output term (encoders: embedding cosine; decoders: next-token KL) against"
            + " the hidden-state term (default: 10 for encoders, 1 for decoders).")
    Double outputWeightOption;

    @Option(names = "--train-norms", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Also train the LayerNorm / RMSNorm weights (and biases); --no-train-norms trains the factors only (default on).")
    boolean trainNorms;

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

    @Option(names = "--eval-sentences", description = "ONNX encoders: held-out sentences for fidelity before and after, in ONNX Runtime (default 500; 0 skips).")
    Integer evalSentences;

    @Option(names = "--threads", description = "Threads for BLAS and ONNX Runtime (default: all cores).")
    Integer threads;

    @Option(names = "--stop-after", hidden = true, description = "Stop once this many steps are done (the schedule still spans --steps); for testing resume.")
    Long stopAfter;

    @Option(names = "--force", description = "Replace OUT and OUT.json if they exist (never an input).")
    boolean force;

    @Option(names = "--window", description = "Decoder folders: tokens per training and evaluation window (default: the model's context, at most 2,048).")
    Integer window;

    @Option(names = "--text-from", description = "Decoder folders, with a --text folder: only files named YEAR_*.txt with YEAR >= this.")
    Integer textFrom;

    @Option(names = "--text-to", description = "Decoder folders, with a --text folder: only files named YEAR_*.txt with YEAR <= this.")
    Integer textTo;

    @Option(names = "--eval-text", description = "Decoder folders: held-out text (a .txt file or a folder of them) for perplexity and bits per byte before and after.")
    Path evalText;

    @Option(names = "--eval-max-bytes", description = "Decoder folders: evaluate only the first N bytes of --eval-text (default: all).")
    Long evalMaxBytes;

    @Option(names = "--state-weight", description = "Mamba folders: λ, the weight of the state-alignment term (read-outs and decays of every layer; default 1, 0 for logits only).")
    Double stateWeight;

    @Override
    public Integer call() throws Exception {
        if (original == null && compressed != null && Files.isRegularFile(compressed)) {
            original = BundledModel.model(); // an ONNX student without --original: the bundled all-MiniLM-L6-v2
            tokenizer = tokenizer == null ? BundledModel.tokenizer() : tokenizer;
        }
        RecoveryRequest request = RecoveryRequest.builder().original(original).compressed(compressed).tokenizer(tokenizer).out(out).force(force)
                .steps(steps).text(text).batch(batch).learningRate(lr).maxTokens(maxTokens)
                .pooling(pooling == null ? null : EvalCommand.parsePooling(pooling)).outputWeight(outputWeightOption).trainNorms(trainNorms)
                .schedule(schedule).pela(pela).pelaEpsilon(pelaEpsilon).pelaHinge(pelaHinge).seed(seed).checkpoint(checkpoint)
                .checkpointEvery(checkpointEvery).resume(resume).teacherCacheMegabytes(teacherCacheMb).evalSentences(evalSentences).threads(threads)
                .stopAfter(stopAfter).window(window).textFrom(textFrom).textTo(textTo).evalText(evalText).evalMaxBytes(evalMaxBytes).stateWeight(stateWeight).build();
        RecoveryRun run = Recovery.run(request, ProgressBar.stderrListener());
        RecoveryResult r = run.result();
        if (!r.finished()) {
            System.out.printf(Locale.ROOT, "stopped after step %d of %d (%.1f s); resume with --resume%n", r.endStep(), r.totalSteps(), r.seconds());
            return 0;
        }
        long steps = r.endStep() - r.firstStep();
        System.out.printf(Locale.ROOT, "recovered %d steps in %.1f s (%.2f s a step); distillation loss %.5f → %.5f; wrote %s%n", steps,
                r.seconds(), r.seconds() / Math.max(1, steps), r.initialLoss(), r.finalLoss(), out);
        printFidelity("before", run.fidelityBefore());
        printFidelity("after ", run.fidelityAfter());
        for (SetFidelity set : run.outOfDomain()) {
            System.out.printf(Locale.ROOT, "out of domain, %s (%d sentences): mean cosine %.4f → %.4f, p5 %.4f → %.4f, recall@10 %.4f → %.4f%n",
                    set.set(), set.before().sentences(), set.before().meanCosine(), set.after().meanCosine(), set.before().p5Cosine(),
                    set.after().p5Cosine(), set.before().recallAtK(), set.after().recallAtK());
        }
        if (run.perplexityOriginal() != null) {
            PerplexityResult p = run.perplexityOriginal();
            System.out.printf(Locale.ROOT, "original perplexity %.4f (%.4f bits per byte) on %,d bytes of %s%n", p.perplexity(), p.bitsPerByte(),
                    p.bytes(), evalText);
        }
        printPerplexity("before", run.perplexityBefore());
        printPerplexity("after ", run.perplexityAfter());
        System.out.println("record: " + run.record());
        return 0;
    }

    private static void printFidelity(String when, EvalReport.Fidelity f) {
        if (f != null) {
            System.out.printf(Locale.ROOT, "%s fidelity on %d held-out sentences: mean cosine %.4f, p5 cosine %.4f, recall@%d %.4f%n", when,
                    f.sentences(), f.meanCosine(), f.p5Cosine(), f.neighbours(), f.recallAtK());
        }
    }

    private static void printPerplexity(String when, PerplexityResult p) {
        if (p != null) {
            System.out.printf(Locale.ROOT, "%s perplexity %.4f (%.4f bits per byte) on %,d held-out tokens in %d windows%n", when, p.perplexity(),
                    p.bitsPerByte(), p.tokens(), p.windows());
        }
    }
}
