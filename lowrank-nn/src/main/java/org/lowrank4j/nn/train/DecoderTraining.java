package org.lowrank4j.nn.train;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.lowrank4j.formats.hf.HfArchitecture;
import org.lowrank4j.formats.hf.HfConfig;
import org.lowrank4j.formats.io.OutputPlan;
import org.lowrank4j.formats.safetensors.SafetensorsModel;
import org.lowrank4j.nn.arch.llama.LlamaLanguageModel;
import org.lowrank4j.nn.arch.llama.LlamaModel;
import org.lowrank4j.nn.generate.ByteTokenizer;
import org.lowrank4j.nn.tensor.Precision;

/**
 * The one entry point of {@code lowrank train}: a LLaMA-style byte-level decoder trained on text with a cosine schedule
 * ({@link Trainer}) and the request's {@link TrainingMethod} (full-rank AdamW, GaLore, its DCT form, Fira). The output
 * folder receives {@code config.json}, {@code model.safetensors}, {@code tokenizer.json}, {@value #CHECKPOINT}
 * (parameters, optimizer state and method, step, data position), {@value #LOG} and {@value #RECORD} (measured memory,
 * throughput, last losses);
 * {@code resume} continues from the checkpoint with the same losses. An existing folder is continued only with resume
 * and replaced only with force (its old checkpoint is removed then, so it can never be resumed into the new run).
 */
public final class DecoderTraining {
    public static final String CHECKPOINT = "checkpoint.safetensors";
    public static final String LOG = "train-log.csv";
    public static final String LOG_HEADER = "step,loss,lr,grad_norm,tokens_per_s,validation_loss";
    /** The run's record: method, measured memory, throughput, last losses, optimizer timings. */
    public static final String RECORD = "train-record.json";
    /** Checkpoint metadata: the training method with every option ({@link TrainingMethod#describe()}). */
    public static final String KEY_METHOD = "train.method";

    private DecoderTraining() {
    }

    /**
     * What a run did: steps done in it, wall seconds, tokens a step, the last losses (NaN when none), the measured
     * memory and the optimizer's timings (projected methods: seconds choosing and applying bases).
     */
    public record Summary(long steps, double seconds, long tokensPerStep, double lastLoss, double lastValidationLoss, Path out,
            TrainingMemory memory, Map<String, Double> optimizerSeconds) {
    }

    /**
     * @param observer sees every step, validation and checkpoint (a progress bar)
     * @param notes    one line of information each (the data and model sizes at the start)
     * @throws IllegalArgumentException for a user mistake, before training starts
     */
    public static Summary run(TrainingRequest r, TrainingListener observer, Consumer<String> notes) throws IOException {
        if (r.resume() && r.init() != null) {
            throw new IllegalArgumentException("--resume and --init exclude each other: --resume continues OUT's own run");
        }
        atLeast("--steps", r.steps(), 1);
        atLeast("--batch", r.batch(), 1);
        atLeast("--accumulation", r.accumulation(), 1);
        atLeast("--context", r.context(), 2);
        atLeast("--warmup", r.warmup(), 0);
        if (!(r.learningRate() > 0) || !Double.isFinite(r.learningRate())) {
            throw new IllegalArgumentException("--lr must be a positive number, got " + r.learningRate());
        }
        if (r.minLearningRate() != null && !(r.minLearningRate() >= 0 && r.minLearningRate() <= r.learningRate())) {
            throw new IllegalArgumentException("--min-lr must be in [0, --lr " + r.learningRate() + "], got " + r.minLearningRate());
        }
        if (r.validateEvery() > 0 && r.validationFraction() <= 0) {
            throw new IllegalArgumentException("--validate-every needs --validation-fraction > 0");
        }
        Path out = r.out();
        boolean replacing = requireOutput(r);
        String text = TextFolder.readText(r.data(), r.from(), r.to(), "--data");
        ByteTokenizer tokenizer = new ByteTokenizer();
        int[] tokens = tokenizer.encode(text);
        long textBytes = tokens.length;

        Path checkpoint = out.resolve(CHECKPOINT);
        LlamaModel model;
        if (r.resume()) {
            if (!Files.isRegularFile(checkpoint)) {
                throw new IllegalArgumentException("--resume: " + checkpoint + " does not exist (train without --resume first)");
            }
            if (!Files.isRegularFile(out.resolve(HfConfig.FILE_NAME))) { // the architecture; the weights are in the checkpoint
                throw new IllegalArgumentException("--resume: " + out + " has no config.json beside its checkpoint; start a new run with --force");
            }
            requireSameMethod(checkpoint, r.method());
            requireStepsLeft(checkpoint, r);
            model = LlamaModel.create(HfConfig.read(out), Precision.FLOAT32);
            model.initialize(new Random(r.seed())); // the values a parameterization sees before the checkpoint replaces them
        } else if (r.init() != null) {
            requireModelFolder(r.init());
            model = LlamaModel.load(r.init(), Precision.FLOAT32);
            if (model.vocabSize() != tokenizer.vocabSize()) {
                throw new IllegalArgumentException("--init " + r.init() + " has a vocabulary of " + model.vocabSize()
                        + " but training uses byte tokens (" + tokenizer.vocabSize() + ")");
            }
        } else {
            HfConfig config = HfConfig.builder(HfArchitecture.LLAMA).hiddenSize(r.hidden()).intermediateSize(r.mlp()).numHiddenLayers(r.layers())
                    .numAttentionHeads(r.heads()).numKeyValueHeads(r.kvHeads()).vocabSize(tokenizer.vocabSize()).maxPositionEmbeddings(r.context())
                    .tieWordEmbeddings(true).build();
            model = LlamaModel.create(config, Precision.FLOAT32);
            model.initialize(new Random(r.seed()));
        }
        int context = r.resume() || r.init() != null ? model.maxPositions() : r.context();
        TokenWindows.Split split = TokenWindows.split(tokens, r.validationFraction());
        TokenWindows train = new TokenWindows(split.train(), model.vocabSize(), context, r.seed());
        train.requireBatchFits("--batch", r.batch(), "the training part of --data " + r.data());
        TokenWindows validation = validationWindows(r, split, model.vocabSize(), context);
        r.method().parameterization().install(model, r.seed());
        LlamaLanguageModel lm = new LlamaLanguageModel(model);
        Optimizer optimizer = r.method().create(lm.parameters(), new AdamW.Settings(0.9, 0.95, 1e-8, r.weightDecay()));
        TrainingMemory memory = TrainingMemory.measure(lm.parameters(), optimizer);
        TrainingOptions options = trainingOptions(r, checkpoint);
        int runUntil = options.maxSteps();

        if (replacing) { // --force: the earlier run's checkpoint goes only now, once every setting has been accepted
            Files.deleteIfExists(checkpoint);
        }
        Files.createDirectories(out);
        Log log = new Log(out.resolve(LOG), model, out, observer);
        LanguageModel objective = r.method().parameterization().objective(model, lm);
        Trainer trainer = new Trainer(objective, optimizer, train, validation, options, log);
        trainer.checkpointMetadata(Map.of(KEY_METHOD, r.method().describe()));
        if (r.resume()) {
            trainer.resume(checkpoint);
            log.truncateFrom(trainer.step());
        } else {
            // the architecture only: the weights are written at each checkpoint and at the end, so that a run stopped before
            // its first checkpoint leaves no model folder that loads (its initial weights would look like a trained model)
            model.config().write(out.resolve(HfConfig.FILE_NAME));
            Files.deleteIfExists(out.resolve(SafetensorsModel.SINGLE_FILE)); // an earlier run's, which --force replaces
            ByteTokenizer.writeJson(out);
            log.truncateFrom(0);
        }
        notes.accept(String.format(Locale.ROOT, "%s: %,d bytes = %,d tokens (%,d train, %,d held out); model %,d parameters, %d layers × %d, "
                + "context %d; %s step %d of %d, %d tokens a step", r.data().getFileName(), textBytes, tokens.length, split.train().length,
                split.validation().length, model.parameterCount(), model.config().numHiddenLayers(), model.config().hiddenSize(), context,
                r.resume() ? "resuming at" : "starting at", trainer.step(), runUntil, options.tokensPerStep(context)));
        notes.accept("method " + r.method().describe() + "; " + memory.describe());
        long start = System.nanoTime();
        long firstStep = trainer.step();
        writeRecord(out, r, memory, context, options, null);
        trainer.run();
        log.close();
        model.save(out);
        Summary summary = new Summary(trainer.step() - firstStep, (System.nanoTime() - start) / 1e9, options.tokensPerStep(context),
                log.lastLoss, log.lastValidation, out, memory, optimizer.secondsSpent());
        writeRecord(out, r, memory, context, options, summary);
        Map<String, Integer> ranks = r.method().parameterization().siteRanks();
        if (!ranks.isEmpty()) {
            notes.accept("ranks at the end: " + ranks);
        }
        return summary;
    }

    /**
     * A resumed run must have steps left: resuming a finished run would train none and then write a record of zero steps
     * over the finished run's figures.
     */
    private static void requireStepsLeft(Path checkpoint, TrainingRequest r) throws IOException {
        long done = Checkpoint.readState(checkpoint).step();
        int runUntil = r.stopAfter() == null ? r.steps() : Math.min(r.steps(), r.stopAfter());
        if (done >= runUntil) {
            throw new IllegalArgumentException("--resume: " + checkpoint + " is at step " + done + " and this run stops at step " + runUntil
                    + ", so there is nothing left to train; to train further, start a new run from it with --init " + r.out() + " --out <new folder>");
        }
    }

    /** A resumed run must use the method (and options) its checkpoint was written by; checkpoints without one are full's. */
    private static void requireSameMethod(Path checkpoint, TrainingMethod method) throws IOException {
        String written = Checkpoint.readMetadata(checkpoint).getOrDefault(KEY_METHOD, TrainingMethod.full().describe());
        String writtenName = written.contains(":") ? written.substring(0, written.indexOf(':')) : written;
        if (!writtenName.equals(method.name())) {
            throw new IllegalArgumentException("--resume: " + checkpoint + " was written by --method " + written + ", not "
                    + method.name() + "; resume with --method " + written + ", or start a new run with --force");
        }
        if (!written.equals(method.describe())) {
            throw new IllegalArgumentException("--resume: " + checkpoint + " was written by --method " + written + " but this run asks for "
                    + method.describe() + "; resume with the same options");
        }
    }

    private static void putFinite(com.fasterxml.jackson.databind.node.ObjectNode node, String key, double value) {
        if (Double.isFinite(value)) {
            node.put(key, value);
        } else {
            node.putNull(key);
        }
    }

    /** train-record.json: at the start (memory, settings) and again at the end (throughput, losses, timings). */
    private static void writeRecord(Path out, TrainingRequest r, TrainingMemory memory, int context, TrainingOptions options,
            Summary summary) throws IOException {
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        com.fasterxml.jackson.databind.node.ObjectNode root = json.createObjectNode();
        root.put("method", r.method().name());
        root.put("method_options", r.method().describe());
        root.put("seed", r.seed());
        root.put("steps", r.steps());
        root.put("tokens_per_step", options.tokensPerStep(context));
        root.put("learning_rate", r.learningRate());
        com.fasterxml.jackson.databind.node.ObjectNode bytes = root.putObject("memory_bytes");
        bytes.put("weights", memory.weightBytes());
        bytes.put("gradients", memory.gradientBytes());
        bytes.put("optimizer_state", memory.optimizerBytes());
        bytes.put("weights_plus_optimizer", memory.weightAndOptimizerBytes());
        if (summary != null) {
            root.put("steps_this_run", summary.steps());
            root.put("seconds_this_run", summary.seconds());
            root.put("tokens_per_s", summary.steps() * summary.tokensPerStep() / Math.max(summary.seconds(), 1e-9));
            putFinite(root, "last_loss", summary.lastLoss());
            putFinite(root, "last_validation_loss", summary.lastValidationLoss());
            com.fasterxml.jackson.databind.node.ObjectNode seconds = root.putObject("optimizer_seconds");
            summary.optimizerSeconds().forEach(seconds::put);
            Map<String, Integer> ranks = r.method().parameterization().siteRanks();
            if (!ranks.isEmpty()) {
                com.fasterxml.jackson.databind.node.ObjectNode siteRanks = root.putObject("site_ranks");
                ranks.forEach(siteRanks::put);
            }
        }
        org.lowrank4j.formats.io.AtomicFiles.writeString(out.resolve(RECORD),
                json.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n");
    }

    /**
     * A decoder folder: config.json and its weights (model.safetensors, as {@code lowrank train} writes, or a PyTorch
     * pytorch_model.bin).
     *
     * @throws IllegalArgumentException naming the folder and the missing file
     */
    public static void requireModelFolder(Path folder) {
        if (folder == null || !Files.isDirectory(folder)) {
            throw new IllegalArgumentException("model folder " + folder + " does not exist or is not a folder");
        }
        if (!Files.isRegularFile(folder.resolve("config.json"))) {
            throw new IllegalArgumentException("model folder " + folder + " has no config.json (is it a folder written by lowrank train?)");
        }
        if (!org.lowrank4j.formats.safetensors.CheckpointFolder.hasWeights(folder)) {
            if (Files.isRegularFile(folder.resolve("onnx").resolve("model.onnx"))) { // lowrank export's layout
                throw new IllegalArgumentException("model folder " + folder + " is an exported ONNX model (lowrank export), which runs inference"
                        + " only (generate, perplexity, serve); give this command its source folder");
            }
            throw new IllegalArgumentException("model folder " + folder + " has no model.safetensors (nor the index of a sharded one,"
                    + " model.safetensors.index.json, nor a PyTorch pytorch_model.bin)");
        }
    }

    private static void atLeast(String option, long value, long min) {
        if (value < min) {
            throw new IllegalArgumentException(option + " must be " + min + " or more, got " + value);
        }
    }

    /**
     * OUT must not be or hold an input; an existing OUT is continued only with resume and replaced only with force.
     *
     * @return whether an earlier run in OUT is to be replaced (its checkpoint is deleted once the run starts, not here)
     */
    private static boolean requireOutput(TrainingRequest r) throws IOException {
        Path out = r.out();
        OutputPlan.of("--out", out, true).folderOutput(true).input("--data", r.data()).input("--init", r.init()).check();
        if (r.resume()) {
            return false;
        }
        if (Files.exists(out) && !Files.isDirectory(out)) {
            throw new IllegalArgumentException("--out " + out + " is a file; give a folder for the model");
        }
        boolean exists = Files.isDirectory(out) && !isEmptyFolder(out);
        if (exists && !r.force()) {
            boolean stoppedEarly = !Files.exists(out.resolve(CHECKPOINT)) && Files.isRegularFile(out.resolve(LOG))
                    && !org.lowrank4j.formats.safetensors.CheckpointFolder.hasWeights(out);
            throw new IllegalArgumentException("--out " + out + (Files.exists(out.resolve(CHECKPOINT))
                    ? " already exists and holds a training run; use --resume to continue it, --force to replace it, or another --out"
                    : stoppedEarly ? " holds a run stopped before its first checkpoint (nothing to resume); pass --force to replace it, or"
                            + " choose another --out"
                    : " already exists; pass --force to replace it, or choose another --out"));
        }
        return exists;
    }

    private static boolean isEmptyFolder(Path folder) throws IOException {
        try (Stream<Path> entries = Files.list(folder)) {
            return entries.findAny().isEmpty();
        }
    }

    /**
     * The held-out windows of a split (null without a validation fraction or held-out text longer than a window).
     *
     * @throws IllegalArgumentException when the request validates but the held-out text holds no window
     */
    public static TokenWindows validationWindows(TrainingRequest r, TokenWindows.Split split, int vocabulary, int context) {
        TokenWindows validation = r.validationFraction() > 0 && split.validation().length > context
                ? new TokenWindows(split.validation(), vocabulary, context, 0) : null;
        if (r.validateEvery() > 0 && validation == null) {
            throw new IllegalArgumentException("the held-out " + split.validation().length + " tokens hold no window of " + (context + 1)
                    + "; raise --validation-fraction or give more text");
        }
        return validation;
    }

    /**
     * The trainer's options from a request: batch and accumulation, the cosine schedule (minimum lr / 10 unless given,
     * warm-up capped at the steps), the step to stop at ({@code --stop-after}), clipping, validation and checkpoints.
     */
    public static TrainingOptions trainingOptions(TrainingRequest r, Path checkpoint) {
        double lr = r.learningRate();
        LearningRateSchedule schedule = new LearningRateSchedule(lr, r.minLearningRate() == null ? lr / 10 : r.minLearningRate(),
                Math.min(r.warmup(), r.steps()), r.steps());
        int runUntil = r.stopAfter() == null ? r.steps() : Math.min(r.steps(), r.stopAfter());
        return new TrainingOptions(r.batch(), r.accumulation(), runUntil, schedule, r.clip(), r.validateEvery(), r.validationBatches(),
                r.checkpointEvery(), checkpoint);
    }

    /** Writes train-log.csv rows (a row waits for its step's validation loss) and passes every event on. */
    private static final class Log implements TrainingListener {
        private final Path file;
        private final LlamaModel model;
        private final Path folder;
        private final TrainingListener observer;
        private String pending;
        private double lastLoss = Double.NaN, lastValidation = Double.NaN;

        Log(Path file, LlamaModel model, Path folder, TrainingListener observer) {
            this.file = file;
            this.model = model;
            this.folder = folder;
            this.observer = observer;
        }

        /** Keeps the header and the rows of steps before {@code step} (a resumed run rewrites the rest). */
        void truncateFrom(long step) throws IOException {
            TrainingLog.keepRowsThrough(file, LOG_HEADER, step);
        }

        @Override
        public void onStep(StepReport r) {
            flush("");
            lastLoss = r.loss();
            // steps are logged 1-based: "step k" is the state after k updates, as in the checkpoint
            pending = String.format(Locale.ROOT, "%d,%.6f,%.6g,%.6g,%.1f", r.step() + 1, r.loss(), r.learningRate(), r.gradientNorm(),
                    r.tokensPerSecond());
            observer.onStep(r);
        }

        @Override
        public void onValidation(long completedSteps, double loss) {
            lastValidation = loss;
            flush(String.format(Locale.ROOT, "%.6f", loss));
            observer.onValidation(completedSteps, loss);
        }

        @Override
        public void onCheckpoint(long completedSteps, Path checkpoint) {
            flush("");
            try {
                model.save(folder);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write the model into " + folder, e);
            }
            observer.onCheckpoint(completedSteps, checkpoint);
        }

        void close() {
            flush("");
        }

        private void flush(String validation) {
            if (pending == null) {
                return;
            }
            try {
                Files.writeString(file, pending + "," + validation + "\n", StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.APPEND);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot append to " + file, e);
            }
            pending = null;
        }
    }
}
