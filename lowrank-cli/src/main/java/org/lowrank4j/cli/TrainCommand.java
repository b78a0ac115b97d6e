package org.lowrank4j.cli;

import org.lowrank4j.compress.model.DecoderFolder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.lowrank4j.formats.io.OutputPlan;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.Callable;
import org.lowrank4j.formats.hf.HfArchitecture;
import org.lowrank4j.formats.hf.HfConfig;
import org.lowrank4j.nn.arch.llama.LlamaLanguageModel;
import org.lowrank4j.nn.arch.llama.LlamaModel;
import org.lowrank4j.nn.generate.ByteTokenizer;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.train.AdamW;
import org.lowrank4j.nn.train.LearningRateSchedule;
import org.lowrank4j.nn.train.TokenWindows;
import org.lowrank4j.nn.train.Trainer;
import org.lowrank4j.nn.train.TrainingListener;
import org.lowrank4j.nn.train.TrainingOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code lowrank train}: a LLaMA-style byte-level decoder trained from scratch on text. Writes config.json,
 * model.safetensors, tokenizer.json, checkpoint.safetensors (parameters, AdamW moments, step, data position) and
 * train-log.csv into the output folder; {@code --resume} continues from the checkpoint with the same losses.
 */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Train a small LLaMA-style decoder (byte-level tokens) on text; writes a Hugging Face model folder.")
final class TrainCommand implements Callable<Integer> {
    static final String CHECKPOINT = "checkpoint.safetensors";
    static final String LOG = "train-log.csv";
    static final String LOG_HEADER = "step,loss,lr,grad_norm,tokens_per_s,validation_loss";

    @Option(names = "--data", required = true, description = "Training text: a .txt file or a folder of them.")
    Path data;

    @Option(names = "--out", required = true, description = "Output model folder (created).")
    Path out;

    @Option(names = "--from", description = "With a folder: only files named YEAR_*.txt with YEAR >= this.")
    Integer from;

    @Option(names = "--to", description = "With a folder: only files named YEAR_*.txt with YEAR <= this.")
    Integer to;

    @Option(names = "--hidden", defaultValue = "320", description = "Hidden size (default ${DEFAULT-VALUE}).")
    int hidden;

    @Option(names = "--layers", defaultValue = "6", description = "Decoder layers (default ${DEFAULT-VALUE}).")
    int layers;

    @Option(names = "--heads", defaultValue = "8", description = "Attention heads (default ${DEFAULT-VALUE}).")
    int heads;

    @Option(names = "--kv-heads", defaultValue = "4", description = "Key/value heads (default ${DEFAULT-VALUE}).")
    int kvHeads;

    @Option(names = "--mlp", defaultValue = "864", description = "SwiGLU intermediate size (default ${DEFAULT-VALUE}).")
    int mlp;

    @Option(names = "--context", defaultValue = "256", description = "Context length in tokens (default ${DEFAULT-VALUE}).")
    int context;

    @Option(names = "--batch", defaultValue = "16", description = "Windows per micro-batch (default ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--accumulation", defaultValue = "1", description = "Micro-batches per step (default ${DEFAULT-VALUE}).")
    int accumulation;

    @Option(names = "--steps", defaultValue = "1000", description = "Optimizer steps of the whole run (default ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--stop-after", hidden = true, description = "Stop once this many steps are done (the schedule still spans --steps); for testing resume.")
    Integer stopAfter;

    @Option(names = "--lr", defaultValue = "1e-3", description = "Peak learning rate (default ${DEFAULT-VALUE}).")
    double lr;

    @Option(names = "--warmup", defaultValue = "50", description = "Warmup steps (default ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--min-lr", description = "Learning rate at the end of the cosine decay (default lr / 10).")
    Double minLr;

    @Option(names = "--weight-decay", defaultValue = "0.1", description = "AdamW weight decay (default ${DEFAULT-VALUE}).")
    double weightDecay;

    @Option(names = "--clip", defaultValue = "1.0", description = "Clip the global gradient norm to this; 0 for none (default ${DEFAULT-VALUE}).")
    double clip;

    @Option(names = "--validation-fraction", defaultValue = "0.05", description = "Tail of the text held out (default ${DEFAULT-VALUE}).")
    double validationFraction;

    @Option(names = "--validate-every", defaultValue = "0", description = "Validation loss every N steps; 0 for never (default ${DEFAULT-VALUE}).")
    int validateEvery;

    @Option(names = "--validation-batches", defaultValue = "8", description = "At most this many validation batches (default ${DEFAULT-VALUE}).")
    int validationBatches;

    @Option(names = "--checkpoint-every", defaultValue = "0", description = "Checkpoint every N steps (and at the end; default ${DEFAULT-VALUE}).")
    int checkpointEvery;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of the initialisation and the data order (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--init", description = "Start from this model folder's weights and architecture (a fresh optimizer, schedule "
            + "and data order); for continued training of a finished run.")
    Path init;

    @Option(names = "--resume", description = "Continue from OUT/checkpoint.safetensors (the architecture comes from OUT/config.json).")
    boolean resume;

    @Option(names = "--force", description = "Start a new run in an OUT folder that already exists, replacing its model, checkpoint and log.")
    boolean force;

    @Override
    public Integer call() throws Exception {
        if (resume && init != null) {
            throw new IllegalArgumentException("--resume and --init exclude each other: --resume continues OUT's own run");
        }
        if (steps < 1 || context < 2 || batch < 1 || accumulation < 1 || warmup < 0) {
            throw new IllegalArgumentException("--steps, --batch and --accumulation must be >= 1, --context >= 2 and --warmup >= 0");
        }
        if (validateEvery > 0 && validationFraction <= 0) {
            throw new IllegalArgumentException("--validate-every needs --validation-fraction > 0");
        }
        requireOutput();
        String text = DecoderFolder.readText(data, from, to, "--data");
        ByteTokenizer tokenizer = new ByteTokenizer();
        int[] tokens = tokenizer.encode(text);
        long textBytes = tokens.length;

        Path checkpoint = out.resolve(CHECKPOINT);
        LlamaModel model;
        if (resume) {
            if (!Files.isRegularFile(checkpoint)) {
                throw new IllegalArgumentException("--resume: " + checkpoint + " does not exist (train without --resume first)");
            }
            DecoderFolder.requireModelFolder(out);
            model = LlamaModel.create(HfConfig.read(out), Precision.FLOAT32);
        } else if (init != null) {
            if (init.toAbsolutePath().normalize().equals(out.toAbsolutePath().normalize())) {
                throw new IllegalArgumentException("--init " + init + " is the output folder; give another --out so the starting model is kept");
            }
            DecoderFolder.requireModelFolder(init);
            model = LlamaModel.load(init, Precision.FLOAT32);
            if (model.vocabSize() != tokenizer.vocabSize()) {
                throw new IllegalArgumentException("--init " + init + " has a vocabulary of " + model.vocabSize()
                        + " but training uses byte tokens (" + tokenizer.vocabSize() + ")");
            }
        } else {
            HfConfig config = HfConfig.builder(HfArchitecture.LLAMA).hiddenSize(hidden).intermediateSize(mlp).numHiddenLayers(layers)
                    .numAttentionHeads(heads).numKeyValueHeads(kvHeads).vocabSize(tokenizer.vocabSize()).maxPositionEmbeddings(context)
                    .tieWordEmbeddings(true).build();
            model = LlamaModel.create(config, Precision.FLOAT32);
            model.initialize(new Random(seed));
        }
        int modelContext = model.maxPositions();
        if (modelContext != context && (resume || init != null)) {
            context = modelContext;
        }
        TokenWindows.Split split = TokenWindows.split(tokens, validationFraction);
        TokenWindows train = new TokenWindows(split.train(), model.vocabSize(), context, seed);
        TokenWindows validation = validationFraction > 0 && split.validation().length > context
                ? new TokenWindows(split.validation(), model.vocabSize(), context, 0) : null;
        if (validateEvery > 0 && validation == null) {
            throw new IllegalArgumentException("the held-out " + split.validation().length + " tokens hold no window of " + (context + 1)
                    + "; raise --validation-fraction or give more text");
        }
        LlamaLanguageModel lm = new LlamaLanguageModel(model);
        AdamW adam = new AdamW(lm.parameters(), new AdamW.Settings(0.9, 0.95, 1e-8, weightDecay), AdamW.NORMS_AND_BIASES);
        LearningRateSchedule schedule = new LearningRateSchedule(lr, minLr == null ? lr / 10 : minLr, Math.min(warmup, steps), steps);
        int runUntil = stopAfter == null ? steps : Math.min(steps, stopAfter);
        TrainingOptions options = new TrainingOptions(batch, accumulation, runUntil, schedule, clip, validateEvery,
                validationBatches, checkpointEvery, checkpoint);

        Files.createDirectories(out);
        Log log = new Log(out.resolve(LOG), model, out, runUntil);
        Trainer trainer = new Trainer(lm, adam, train, validation, options, log);
        if (resume) {
            trainer.resume(checkpoint);
            log.truncateFrom(trainer.step());
        } else {
            model.save(out);
            DecoderFolder.writeByteTokenizer(out);
            log.truncateFrom(0);
        }
        System.err.printf(Locale.ROOT, "%s: %,d bytes = %,d tokens (%,d train, %,d held out); model %,d parameters, %d layers × %d, context %d; "
                + "%s step %d of %d, %d tokens a step%n", data.getFileName(), textBytes, tokens.length, split.train().length,
                split.validation().length, model.parameterCount(), model.config().numHiddenLayers(), model.config().hiddenSize(), context,
                resume ? "resuming at" : "starting at", trainer.step(), runUntil, options.tokensPerStep(context));
        long start = System.nanoTime();
        long firstStep = trainer.step();
        trainer.run();
        log.close();
        model.save(out);
        double wall = (System.nanoTime() - start) / 1e9;
        long done = trainer.step() - firstStep;
        System.out.printf(Locale.ROOT, "trained %d steps in %.1f s (%.0f tokens/s); last loss %.4f%s; wrote %s%n", done, wall,
                done * options.tokensPerStep(context) / Math.max(wall, 1e-9), log.lastLoss,
                Double.isNaN(log.lastValidation) ? "" : String.format(Locale.ROOT, ", validation loss %.4f", log.lastValidation), out);
        return 0;
    }

    /**
     * OUT must not be or hold an input; an existing OUT is continued only with --resume and replaced only with --force
     * (its old checkpoint is then removed, so it can never be resumed into the new run).
     */
    private void requireOutput() throws IOException {
        if (resume) {
            OutputPlan.of("--out", out, true).input("--data", data).check();
            return;
        }
        OutputPlan.of("--out", out, true).input("--data", data).input("--init", init).check();
        boolean exists = Files.isDirectory(out) && !isEmptyFolder(out);
        if (exists && !force) {
            throw new IllegalArgumentException("--out " + out + " already exists" + (Files.exists(out.resolve(CHECKPOINT))
                    ? " and holds a training run; use --resume to continue it, --force to replace it, or another --out"
                    : "; pass --force to replace it, or choose another --out"));
        }
        if (Files.exists(out) && !Files.isDirectory(out)) {
            throw new IllegalArgumentException("--out " + out + " is a file; give a folder for the model");
        }
        if (exists) {
            Files.deleteIfExists(out.resolve(CHECKPOINT));
        }
    }

    private static boolean isEmptyFolder(Path folder) throws IOException {
        try (java.util.stream.Stream<Path> entries = Files.list(folder)) {
            return entries.findAny().isEmpty();
        }
    }

    /** Writes train-log.csv rows (a row waits for its step's validation loss) and draws the progress bar. */
    private static final class Log implements TrainingListener {
        private final Path file;
        private final LlamaModel model;
        private final Path folder;
        private final long total;
        private final ProgressBar bar = ProgressBar.stderr();
        private String pending;
        private double lastLoss = Double.NaN, lastValidation = Double.NaN;

        Log(Path file, LlamaModel model, Path folder, long total) {
            this.file = file;
            this.model = model;
            this.folder = folder;
            this.total = total;
        }

        /** Keeps the header and the rows of steps before {@code step} (a resumed run rewrites the rest). */
        void truncateFrom(long step) throws IOException {
            List<String> kept = new ArrayList<>();
            kept.add(LOG_HEADER);
            if (step > 0 && Files.isRegularFile(file)) {
                for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                    int comma = line.indexOf(',');
                    if (comma > 0 && Character.isDigit(line.charAt(0)) && Long.parseLong(line.substring(0, comma)) <= step) {
                        kept.add(line);
                    }
                }
            }
            Files.write(file, kept, StandardCharsets.UTF_8);
        }

        @Override
        public void onStep(StepReport r) {
            flush("");
            lastLoss = r.loss();
            // steps are logged 1-based: "step k" is the state after k updates, as in the checkpoint
            pending = String.format(Locale.ROOT, "%d,%.6f,%.6g,%.6g,%.1f", r.step() + 1, r.loss(), r.learningRate(), r.gradientNorm(),
                    r.tokensPerSecond());
            bar.update("train", r.step() + 1, total, String.format(Locale.ROOT, "loss %.4f, %.0f tok/s", r.loss(), r.tokensPerSecond()));
        }

        @Override
        public void onValidation(long completedSteps, double loss) {
            lastValidation = loss;
            flush(String.format(Locale.ROOT, "%.6f", loss));
        }

        @Override
        public void onCheckpoint(long completedSteps, Path checkpoint) {
            flush("");
            try {
                model.save(folder);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write the model into " + folder, e);
            }
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
