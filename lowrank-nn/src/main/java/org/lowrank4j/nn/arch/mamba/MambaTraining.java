package org.lowrank4j.nn.arch.mamba;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;
import java.util.Random;
import java.util.function.Consumer;
import org.lowrank4j.formats.io.AtomicFiles;
import org.lowrank4j.formats.io.OutputPlan;
import org.lowrank4j.nn.generate.ByteTokenizer;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.train.AdamW;
import org.lowrank4j.nn.train.DecoderTraining;
import org.lowrank4j.nn.train.NextTokenModel;
import org.lowrank4j.nn.train.Optimizer;
import org.lowrank4j.nn.train.TextFolder;
import org.lowrank4j.nn.train.TokenWindows;
import org.lowrank4j.nn.train.Trainer;
import org.lowrank4j.nn.train.TrainingListener;
import org.lowrank4j.nn.train.TrainingMemory;
import org.lowrank4j.nn.train.TrainingMethod;
import org.lowrank4j.nn.train.TrainingOptions;
import org.lowrank4j.nn.train.TrainingRequest;

/**
 * {@code lowrank train --arch mamba}: a byte-level {@link MambaModel} trained on text with the project's {@link Trainer}
 * (AdamW, cosine schedule, clipping) and the next-token loss of {@link NextTokenModel}. The request's width, depth and
 * context are used; the state size is {@link #STATE_SIZE} (the spec's N). Writes config.json, model.safetensors,
 * tokenizer.json and train-log.csv into the output folder; {@code init} continues from a Mamba folder's weights.
 */
public final class MambaTraining {
    /** N of a fresh model (docs/specs/dlrmamba.md). */
    public static final int STATE_SIZE = 16;

    private MambaTraining() {
    }

    /**
     * @throws IllegalArgumentException for a user mistake (an option this route does not take, a folder that is not
     *                                  Mamba), before training starts
     */
    public static DecoderTraining.Summary run(TrainingRequest r, TrainingListener observer, Consumer<String> notes) throws IOException {
        if (r.resume()) {
            throw new IllegalArgumentException("--resume is not supported with --arch mamba yet; continue a finished run with --init");
        }
        if (!r.method().name().equals(TrainingMethod.full().name())) {
            throw new IllegalArgumentException("--arch mamba trains with --method full only, got --method " + r.method().describe());
        }
        if (r.steps() < 1 || r.context() < 2 || r.batch() < 1 || r.accumulation() < 1 || r.warmup() < 0) {
            throw new IllegalArgumentException("--steps, --batch and --accumulation must be >= 1, --context >= 2 and --warmup >= 0");
        }
        Path out = r.out();
        OutputPlan.of("--out", out, r.force()).folderOutput(true).input("--data", r.data()).input("--init", r.init()).check();
        String text = TextFolder.readText(r.data(), r.from(), r.to(), "--data");
        int[] tokens = new ByteTokenizer().encode(text);
        MambaModel model;
        if (r.init() != null) {
            DecoderTraining.requireModelFolder(r.init());
            if (!MambaConfig.isMambaFolder(r.init())) {
                throw new IllegalArgumentException("--init " + r.init() + " is not a Mamba model folder (config.json model_type \"mamba\")");
            }
            model = MambaModel.load(r.init(), Precision.FLOAT32);
        } else {
            model = MambaModel.create(MambaConfig.of(r.hidden(), r.layers(), STATE_SIZE, r.context()), Precision.FLOAT32);
            model.initialize(new Random(r.seed()));
        }
        int context = model.maxPositions();
        TokenWindows.Split split = TokenWindows.split(tokens, r.validationFraction());
        TokenWindows train = new TokenWindows(split.train(), model.vocabSize(), context, r.seed());
        train.requireBatchFits("--batch", r.batch(), "the training part of --data " + r.data());
        TokenWindows validation = DecoderTraining.validationWindows(r, split, model.vocabSize(), context);
        NextTokenModel lm = new NextTokenModel(model);
        Optimizer optimizer = r.method().create(lm.parameters(), new AdamW.Settings(0.9, 0.95, 1e-8, r.weightDecay()));
        TrainingMemory memory = TrainingMemory.measure(lm.parameters(), optimizer);
        TrainingOptions planned = DecoderTraining.trainingOptions(r, null);
        notes.accept(String.format(Locale.ROOT, "%s: %,d tokens (%,d train, %,d held out); Mamba %,d parameters, %d layers × %d, N %d, context %d;"
                + " %d steps, %d tokens a step", r.data().getFileName(), tokens.length, split.train().length, split.validation().length,
                model.parameterCount(), model.layers(), model.config().hidden(), model.config().stateSize(), context, planned.maxSteps(),
                planned.tokensPerStep(context)));
        // a Mamba run cannot be resumed, so OUT is built under a hidden name and takes its name only once trained: a run stopped
        // part way leaves no folder whose initial or half-trained weights load as a model (and an earlier OUT stays as it was)
        DecoderTraining.Summary[] summary = new DecoderTraining.Summary[1];
        AtomicFiles.replaceFolder(out, staging -> {
            TrainingOptions options = DecoderTraining.trainingOptions(r, r.checkpointEvery() > 0 ? staging.resolve(DecoderTraining.CHECKPOINT) : null);
            model.save(staging);
            ByteTokenizer.writeJson(staging);
            Log log = new Log(staging.resolve(DecoderTraining.LOG), model, staging, observer);
            Trainer trainer = new Trainer(lm, optimizer, train, validation, options, log);
            long start = System.nanoTime();
            trainer.run();
            model.save(staging);
            summary[0] = new DecoderTraining.Summary(trainer.step(), (System.nanoTime() - start) / 1e9, options.tokensPerStep(context), log.lastLoss,
                    log.lastValidation, out, memory, optimizer.secondsSpent());
        });
        return summary[0];
    }

    /** train-log.csv (the columns of {@link DecoderTraining#LOG_HEADER}); saves the model at each checkpoint. */
    private static final class Log implements TrainingListener {
        private final Path file;
        private final MambaModel model;
        private final Path folder;
        private final TrainingListener observer;
        private double lastLoss = Double.NaN, lastValidation = Double.NaN;

        Log(Path file, MambaModel model, Path folder, TrainingListener observer) throws IOException {
            this.file = file;
            this.model = model;
            this.folder = folder;
            this.observer = observer;
            Files.writeString(file, DecoderTraining.LOG_HEADER + "\n", StandardCharsets.UTF_8);
        }

        @Override
        public void onStep(StepReport r) {
            lastLoss = r.loss();
            append(String.format(Locale.ROOT, "%d,%.6f,%.6g,%.6g,%.1f,", r.step() + 1, r.loss(), r.learningRate(), r.gradientNorm(),
                    r.tokensPerSecond()));
            observer.onStep(r);
        }

        @Override
        public void onValidation(long completedSteps, double loss) {
            lastValidation = loss;
            append(String.format(Locale.ROOT, "%d,,,,,%.6f", completedSteps, loss));
            observer.onValidation(completedSteps, loss);
        }

        @Override
        public void onCheckpoint(long completedSteps, Path checkpoint) {
            try {
                model.save(folder);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write the model into " + folder, e);
            }
            observer.onCheckpoint(completedSteps, checkpoint);
        }

        private void append(String row) {
            try {
                Files.writeString(file, row + "\n", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot append to " + file, e);
            }
        }
    }
}
