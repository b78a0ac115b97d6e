package org.lowrank4j.adapt.finetune;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.train.AdamW;
import org.lowrank4j.nn.train.LanguageModel;
import org.lowrank4j.nn.train.LearningRateSchedule;
import org.lowrank4j.nn.train.Trainer;
import org.lowrank4j.nn.train.TrainingLog;
import org.lowrank4j.nn.train.TrainingOptions;

/**
 * The training loop of the fine-tunings that train a model's own weights rather than adapters ({@link FullFineTuning},
 * {@link LrcFineTuning}): AdamW over the given parameters (norms and biases without decay), the request's cosine schedule,
 * the step log appended at each checkpoint and at the end, and {@code resume} from the checkpoint.
 */
final class WeightTraining {
    /**
     * What the steps of this call did.
     *
     * @param stepsRun  optimizer steps run by this call
     * @param stepsDone optimizer steps completed in all
     * @param seconds   wall time of this call's steps
     * @param lastLoss  the last step's training loss (NaN when none ran)
     * @param optimizer the AdamW that ran them (its state is measured afterwards)
     */
    record Result(long stepsRun, long stepsDone, double seconds, double lastLoss, AdamW optimizer) {
    }

    private WeightTraining() {
    }

    /**
     * @param describe the "training" phase's detail, given the first step and the step the run stops at
     */
    static Result run(FineTuneRequest request, DecoderTask task, LanguageModel language, List<Parameter> trainable, FineTuneListener events,
            Function<long[], String> describe) throws IOException {
        Path checkpoint = request.out().resolve(FineTuning.CHECKPOINT);
        AdamW adam = new AdamW(trainable, AdamW.Settings.fineTuning(request.weightDecay()), AdamW.NORMS_AND_BIASES);
        LearningRateSchedule schedule = new LearningRateSchedule(request.learningRate(), request.learningRate() / 10,
                Math.min(request.warmup(), request.steps()), request.steps());
        int runUntil = request.stopAfter() == null ? request.steps() : Math.min(request.steps(), request.stopAfter());
        TrainingOptions options = new TrainingOptions(request.batch(), 1, runUntil, schedule, 1.0, 0, 0, request.checkpointEvery(), checkpoint);
        Files.createDirectories(request.out());
        Path logFile = request.out().resolve(FineTuning.LOG);
        List<String> rows = new ArrayList<>();
        double[] lastLoss = {Double.NaN};
        Trainer trainer = new Trainer(language, adam, task.train(), null, options, new FineTuneListener() {
            @Override
            public void onStep(StepReport r) {
                lastLoss[0] = r.loss();
                rows.add(String.format(Locale.ROOT, "%d,%.6f,%.6g,%.6g,%.1f", r.step() + 1, r.loss(), r.learningRate(), r.gradientNorm(),
                        r.tokensPerSecond()));
                events.onStep(r);
            }

            @Override
            public void onCheckpoint(long completedSteps, Path written) {
                appendRows(logFile, rows);
                events.onCheckpoint(completedSteps, written);
            }
        });
        trainer.checkpointMetadata(ResumeOptions.written(request));
        if (request.resume()) {
            trainer.resume(checkpoint);
        }
        TrainingLog.keepRowsThrough(logFile, FineTuning.LOG_HEADER, trainer.step());
        events.onPhase("training", describe.apply(new long[] {trainer.step(), runUntil}));
        long firstStep = trainer.step();
        long start = System.nanoTime();
        trainer.run();
        double seconds = (System.nanoTime() - start) / 1e9;
        appendRows(logFile, rows);
        return new Result(trainer.step() - firstStep, trainer.step(), seconds, lastLoss[0], adam);
    }

    /**
     * Refuses {@code --resume} without a checkpoint in the output folder, or with options other than the checkpoint's
     * ({@link ResumeOptions}), before any long work.
     */
    static void requireCheckpointForResume(FineTuneRequest request) throws IOException {
        Path checkpoint = request.out().resolve(FineTuning.CHECKPOINT);
        if (!request.resume()) {
            return;
        }
        if (!Files.isRegularFile(checkpoint)) {
            throw new IllegalArgumentException("--resume: " + checkpoint + " does not exist (run without --resume first)");
        }
        ResumeOptions.requireSame(checkpoint, request);
    }

    private static void appendRows(Path file, List<String> rows) {
        if (rows.isEmpty()) {
            return;
        }
        try {
            Files.writeString(file, String.join("\n", rows) + "\n", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to " + file, e);
        }
        rows.clear();
    }
}
