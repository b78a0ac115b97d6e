package org.lowrank4j.compress.recover;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.lowrank4j.compress.Progress;
import org.lowrank4j.formats.safetensors.SafetensorsFile;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.arch.bert.BertModel;
import org.lowrank4j.nn.arch.llama.LlamaModel;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.train.AdamW;
import org.lowrank4j.nn.train.Checkpoint;
import org.lowrank4j.nn.train.GradientClipping;
import org.lowrank4j.nn.train.LearningRateSchedule;
import org.lowrank4j.nn.train.TrainingDivergedException;
import org.lowrank4j.nn.weight.DenseWeight;
import org.lowrank4j.nn.weight.LowRankWeight;
import org.lowrank4j.nn.weight.QuantizedWeight;
import org.lowrank4j.nn.weight.WeightFactorization;

/**
 * Distillation recovery for a compressed model: the original (teacher, frozen) and the compressed model (student) see the
 * same batches; only the student's low-rank factors — or, in a quantized student, the float branch beside each frozen
 * quantized base — (and, when asked, its norm parameters) train, on
 * {@link DistillationLoss} plus the optional {@link WeightPerturbation}, with AdamW, warmup + cosine decay and global-norm
 * clipping ({@link DistillOptions}). {@link #encoder} distils BERT-family encoders, {@link #decoder} LLaMA-family decoders.
 *
 * <p>Before anything else the student's factor pairs are balanced ({@link #balance}): the product A·B is unchanged, but
 * whitened SVD leaves A's columns and B's rows orders of magnitude apart (on MiniLM, column norms of 10–80 against row
 * norms of 0.1–0.3), and Adam moves every entry by about the learning rate, so unbalanced factors would train B a
 * hundred times faster than A relative to their size.
 *
 * <p>Memory per step is the two models' activations for one batch; batches come from a {@link BatchSource}, one at a time,
 * plus the teacher's block outputs of the texts already seen, up to {@link DistillOptions#teacherCacheMegabytes()}
 * ({@link TeacherCache}); the student's dense projections skip their weight gradients ({@link FrozenWeight}).
 * A checkpoint (safetensors: trained parameters, AdamW moments, step) is written every {@code checkpointEvery} steps and
 * at the end, atomically, so an interrupted run {@linkplain #checkpointTo resumes} on the same batches with the same
 * schedule. A non-finite loss or gradient stops the run before it updates anything, naming the step; the last
 * checkpoint written stays as it was.
 */
public final class Distiller {
    static final String KEY_STEPS = "recover.steps", KEY_BATCH = "recover.batch", KEY_SEED = "recover.seed";
    static final String KEY_SCHEDULE = "recover.schedule", KEY_NORMS = "recover.train_norms", KEY_PHASE = "recover.phase";
    static final String KEY_INITIAL_LOSS = "recover.initial_loss";

    /** The parts of one step's loss (before its update). */
    public record StepLoss(double total, double features, double output, double perturbation) {
    }

    private final DistillationPair pair;
    private final DistillOptions options;
    private final List<LowRankWeight> pairs = new ArrayList<>();
    private final List<Parameter> norms = new ArrayList<>();
    private final WeightPerturbation perturbation;
    private final TeacherCache cache;
    private Path checkpoint;
    private boolean resume;
    private long stopAfter = Long.MAX_VALUE;

    /**
     * An encoder's recovery. The student's factor pairs are balanced here.
     *
     * @throws IllegalArgumentException when the two models differ in shape or precision, or the student has no low-rank
     *                                  factors (it was not compressed by lowrank4j)
     */
    public static Distiller encoder(BertModel teacher, BertModel student, DistillOptions options) {
        return new Distiller(new EncoderPair(teacher, student), options);
    }

    /**
     * An encoder's recovery with a block-pruned student: student block i is distilled against teacher block
     * {@code blocks.teacher()[i]}, its hidden-state term weighted {@code blocks.weight()[i]} (sensitivity-guided).
     */
    public static Distiller encoder(BertModel teacher, BertModel student, BlockMap blocks, DistillOptions options) {
        return new Distiller(new EncoderPair(teacher, student, blocks), options);
    }

    /**
     * A decoder's recovery (block outputs and next-token KL; {@code outputWeight} weighs the KL). The student's factor
     * pairs are balanced here.
     *
     * @throws IllegalArgumentException when the two models differ in config or precision, or the student has no low-rank factors
     */
    public static Distiller decoder(LlamaModel teacher, LlamaModel student, DistillOptions options) {
        return new Distiller(new DecoderPair(teacher, student), options);
    }

    private Distiller(DistillationPair pair, DistillOptions options) {
        this.pair = pair;
        this.options = options;
        List<Tensor> originals = new ArrayList<>();
        boolean quantized = false;
        for (DistillationPair.Site site : pair.sites()) {
            LowRankWeight f = trainedFactors(site.student().weight());
            if (f != null) {
                pairs.add(f);
                quantized |= site.student().weight() instanceof QuantizedWeight;
                if (options.pelaWeight() > 0) {
                    originals.add(site.teacher().weight().toDense());
                }
            }
        }
        if (pairs.isEmpty()) {
            throw new IllegalArgumentException(pair.sites().stream().anyMatch(s -> s.student().weight() instanceof QuantizedWeight)
                    ? "the quantized model to recover has no low-rank branch to train (rtn and gptq write none; quantize with eora, lq-lora or svdquant)"
                    : "the model to recover has no low-rank factors: it was not compressed by lowrank4j");
        }
        if (quantized && options.pelaWeight() > 0) {
            throw new IllegalArgumentException("--pela bounds the distance of low-rank factors from the original weight; it does not apply to"
                    + " the branch of a quantized model (leave --pela at 0)");
        }
        java.util.Set<Parameter> shared = sharedFactors(pairs);
        for (LowRankWeight f : pairs) {
            if (!shared.contains(f.left()) && !shared.contains(f.right())) {
                balance(f); // a factor shared by several sites (Basis Sharing) keeps its scale: rescaling it would change the others' products
            }
        }
        if (options.trainNorms()) {
            norms.addAll(pair.normParameters());
        }
        cache = new TeacherCache(options.teacherCacheMegabytes() * (1L << 20));
        perturbation = options.pelaWeight() > 0
                ? new WeightPerturbation(pairs, originals, options.pelaWeight(), options.pelaEpsilon(), options.pelaHinge()) : null;
    }

    public DistillOptions options() {
        return options;
    }

    /** Bytes of teacher states kept so far. */
    long teacherCacheBytes() {
        return cache.usedBytes();
    }

    /** Each factorised site's distance from the original weight now ({@link WeightDistance}), in site order. */
    public List<WeightDistance> weightDistances() {
        List<WeightDistance> out = new ArrayList<>();
        for (DistillationPair.Site site : pair.sites()) {
            WeightFactorization w = site.student().weight();
            LowRankWeight f = trainedFactors(w);
            if (f != null) {
                out.add(WeightDistance.of(site.student().name(), w, f.rank(), site.teacher().weight().toDense()));
            }
        }
        return out;
    }

    /**
     * The factors recovery trains in a student weight: a low-rank site's pair, or the float branch beside a quantized
     * base (EoRA's and LQ-LoRA's fine-tuned setting: the codes stay frozen); null for anything else.
     */
    private static LowRankWeight trainedFactors(WeightFactorization weight) {
        if (weight instanceof LowRankWeight f) {
            return f;
        }
        return weight instanceof QuantizedWeight q ? q.branch() : null;
    }

    /** The factor pairs being trained, in model order. */
    public List<LowRankWeight> factorPairs() {
        return List.copyOf(pairs);
    }

    /** Every parameter the run may train, each once: both factors of every pair, then the norm parameters when asked. */
    public List<Parameter> trainableParameters() {
        java.util.Set<Parameter> out = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        List<Parameter> ordered = new ArrayList<>();
        for (LowRankWeight f : pairs) {
            for (Parameter p : List.of(f.left(), f.right())) {
                if (out.add(p)) {
                    ordered.add(p);
                }
            }
        }
        ordered.addAll(norms);
        return ordered;
    }

    /** The factors that more than one pair holds. */
    private static java.util.Set<Parameter> sharedFactors(List<LowRankWeight> pairs) {
        java.util.Map<Parameter, Integer> count = new java.util.IdentityHashMap<>();
        for (LowRankWeight f : pairs) {
            count.merge(f.left(), 1, Integer::sum);
            count.merge(f.right(), 1, Integer::sum);
        }
        java.util.Set<Parameter> shared = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        count.forEach((p, c) -> {
            if (c > 1) {
                shared.add(p);
            }
        });
        return shared;
    }

    /**
     * Writes checkpoints to {@code file} (every {@code checkpointEvery} steps and at the end); with {@code resume}, a run
     * first continues from it when it exists.
     */
    public Distiller checkpointTo(Path file, boolean resume) {
        this.checkpoint = file;
        this.resume = resume;
        return this;
    }

    /** Stops once {@code step} steps are done, the schedule still spanning all of them (to test and to budget time). */
    public Distiller stopAfter(long step) {
        this.stopAfter = step;
        return this;
    }

    /** The loss of one batch at the current parameters, without gradients. */
    public StepLoss loss(TokenBatch batch) {
        return step(batch, false);
    }

    /** Zeroes the trainable gradients, then accumulates the gradient of the loss of one batch into them. */
    public StepLoss computeGradients(TokenBatch batch) {
        return step(batch, true);
    }

    private StepLoss step(TokenBatch batch, boolean withGradient) {
        List<Linear> frozen = withGradient ? freezeDense() : List.of();
        try {
            return stepWith(batch, withGradient);
        } finally {
            thaw(frozen);
        }
    }

    private StepLoss stepWith(TokenBatch batch, boolean withGradient) {
        if (withGradient) {
            trainableParameters().forEach(Parameter::zeroGradient);
        }
        DistillationLoss.Value v = pair.forwardBackward(batch, withGradient, cache, options);
        double r = perturbation == null ? 0 : perturbation.evaluate(withGradient);
        return new StepLoss(v.total() + r, v.features(), v.output(), r);
    }

    /**
     * Runs the schedule from step 0, or from the checkpoint when resuming, to its end (or {@link #stopAfter}).
     *
     * @throws TrainingDivergedException when a loss or gradient norm is not finite, naming the step
     * @throws IllegalArgumentException  when the checkpoint belongs to a run with other settings or parameters
     */
    public RecoveryResult run(BatchSource source, Progress progress) throws IOException {
        int steps = options.steps();
        LearningRateSchedule rates = new LearningRateSchedule(options.learningRate(), options.learningRate() * options.finalLearningRateFraction(),
                options.warmupSteps(), steps);
        List<Parameter> all = trainableParameters();
        long first = 0;
        double initialLoss = Double.NaN;
        int phase = -1;
        AdamW optimizer = null;
        if (resume && checkpoint != null && Files.isRegularFile(checkpoint)) {
            Map<String, String> meta = checkMetadata(checkpoint);
            first = Checkpoint.readState(checkpoint).step();
            phase = options.schedule().phase(Math.min(first, steps - 1), steps);
            optimizer = optimizer(phase);
            boolean samePhase = Integer.parseInt(meta.get(KEY_PHASE)) == phase;
            Checkpoint.read(checkpoint, all, samePhase ? optimizer : null);
            initialLoss = Double.parseDouble(meta.getOrDefault(KEY_INITIAL_LOSS, "NaN"));
        }
        long end = Math.min(steps, stopAfter);
        cache.setEnabled(source.stepsPerPass() <= 0 || steps > source.stepsPerPass());
        double[] losses = new double[(int) Math.max(0, end - first)];
        long lastCheckpoint = -1, start = System.nanoTime();
        for (long step = first; step < end; step++) {
            int p = options.schedule().phase(step, steps);
            if (p != phase) {
                phase = p;
                optimizer = optimizer(phase); // each phase of U-then-V starts with fresh moments
            }
            StepLoss loss = computeGradients(source.batch(step));
            if (!Double.isFinite(loss.total())) {
                throw diverged(step, loss.total(), "loss", lastCheckpoint);
            }
            double norm = GradientClipping.clipByGlobalNorm(optimizer.parameters(), options.clipNorm());
            if (!Double.isFinite(norm)) {
                throw diverged(step, norm, "gradient norm", lastCheckpoint);
            }
            optimizer.step(rates.at((int) step));
            losses[(int) (step - first)] = loss.total();
            if (step == 0) {
                initialLoss = loss.total();
            }
            boolean last = step + 1 == end;
            if (checkpoint != null && (last || options.checkpointEvery() > 0 && (step + 1) % options.checkpointEvery() == 0)) {
                write(step + 1, source, optimizer, phase, initialLoss);
                lastCheckpoint = step + 1;
            }
            int done = (int) (step - first + 1), window = Math.min(10, done);
            double recent = java.util.Arrays.stream(losses, done - window, done).average().orElse(Double.NaN);
            progress.update("recovery", step + 1, steps, String.format(Locale.ROOT, "loss %.5f (mean of %d)", recent, window));
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        int tail = Math.min(10, losses.length);
        double finalLoss = tail == 0 ? initialLoss : java.util.Arrays.stream(losses, losses.length - tail, losses.length).average().orElse(Double.NaN);
        return new RecoveryResult(first, Math.max(first, end), steps, losses, initialLoss, finalLoss, seconds);
    }

    /**
     * Rescales column q of A (out, r) by {@code d_q} and row q of B (r, in) by {@code 1/d_q}, {@code d_q = sqrt(‖B_q,:‖ / ‖A_:,q‖)},
     * so that both get the norm {@code sqrt(‖A_:,q‖ ‖B_q,:‖)}; A·B stays the same (up to rounding). Zero components are left alone.
     */
    static void balance(LowRankWeight pair) {
        Tensor a = pair.left().value(), b = pair.right().value();
        int r = pair.rank(), out = pair.outFeatures(), in = pair.inFeatures();
        for (int q = 0; q < r; q++) {
            double na = 0, nb = 0;
            for (int i = 0; i < out; i++) {
                na += a.get(i * r + q) * a.get(i * r + q);
            }
            for (int j = 0; j < in; j++) {
                nb += b.get(q * in + j) * b.get(q * in + j);
            }
            if (na == 0 || nb == 0) {
                continue;
            }
            double d = Math.sqrt(Math.sqrt(nb / na));
            for (int i = 0; i < out; i++) {
                a.set(i * r + q, a.get(i * r + q) * d);
            }
            for (int j = 0; j < in; j++) {
                b.set(q * in + j, b.get(q * in + j) / d);
            }
        }
    }

    /** Puts a {@link FrozenWeight} in place of every dense projection of the student; returns those linears. */
    private List<Linear> freezeDense() {
        List<Linear> frozen = new ArrayList<>();
        for (DistillationPair.Site site : pair.sites()) {
            if (site.student().weight() instanceof DenseWeight dense) {
                site.student().setWeight(new FrozenWeight(dense));
                frozen.add(site.student());
            }
        }
        return frozen;
    }

    private static void thaw(List<Linear> frozen) {
        for (Linear linear : frozen) {
            linear.setWeight(((FrozenWeight) linear.weight()).dense());
        }
    }

    private AdamW optimizer(int phase) {
        List<Parameter> trained = new ArrayList<>();
        java.util.Set<Parameter> added = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        for (LowRankWeight f : pairs) {
            if (options.schedule().trainsLeft(phase) && added.add(f.left())) {
                trained.add(f.left());
            }
            if (options.schedule().trainsRight(phase) && added.add(f.right())) {
                trained.add(f.right());
            }
        }
        trained.addAll(norms);
        return new AdamW(trained, new AdamW.Settings(0.9, options.beta2(), 1e-8, options.weightDecay()), AdamW.NORMS_AND_BIASES);
    }

    private void write(long completed, BatchSource source, AdamW optimizer, int phase, double initialLoss) throws IOException {
        Map<String, String> meta = new LinkedHashMap<>(runMetadata());
        meta.put(KEY_PHASE, Integer.toString(phase));
        meta.put(KEY_INITIAL_LOSS, Double.toString(initialLoss));
        Checkpoint.write(checkpoint, trainableParameters(), optimizer,
                new Checkpoint.TrainingState(completed, options.seed(), source.position(completed)), meta);
    }

    /** The settings a resumed run must share with the run that wrote the checkpoint. */
    private Map<String, String> runMetadata() {
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put(KEY_STEPS, Integer.toString(options.steps()));
        meta.put(KEY_BATCH, Integer.toString(options.batchSize()));
        meta.put(KEY_SEED, Long.toString(options.seed()));
        meta.put(KEY_SCHEDULE, options.schedule().name());
        meta.put(KEY_NORMS, Boolean.toString(options.trainNorms()));
        return meta;
    }

    private Map<String, String> checkMetadata(Path file) throws IOException {
        Map<String, String> meta;
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            meta = f.metadata();
        }
        for (Map.Entry<String, String> e : runMetadata().entrySet()) {
            String found = meta.get(e.getKey());
            if (found == null) {
                throw new IllegalArgumentException("checkpoint " + file + " is not a recovery checkpoint (no '" + e.getKey() + "')");
            }
            if (!found.equals(e.getValue())) {
                throw new IllegalArgumentException("checkpoint " + file + " was written with " + e.getKey() + " = " + found
                        + ", this run has " + e.getValue() + "; resume with the same settings or start afresh");
            }
        }
        if (!meta.containsKey(KEY_PHASE)) {
            throw new IllegalArgumentException("checkpoint " + file + " is not a recovery checkpoint (no '" + KEY_PHASE + "')");
        }
        return meta;
    }

    private TrainingDivergedException diverged(long step, double value, String what, long lastCheckpoint) {
        String kept = checkpoint == null ? "no checkpoint was asked for"
                : lastCheckpoint >= 0 ? "the last good checkpoint (after step " + lastCheckpoint + ") is kept at " + checkpoint
                : Files.isRegularFile(checkpoint) ? "the checkpoint at " + checkpoint + " is left as it was"
                : "no checkpoint had been written yet";
        return new TrainingDivergedException(step, value, String.format(Locale.ROOT,
                "the distillation %s became %s at step %d of %d; stopped before updating, %s (try a lower learning rate)",
                what, Double.toString(value), step + 1, options.steps(), kept));
    }
}
