package org.lowrank4j.nn.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.tensor.Precision;

/** The training loop: accumulation, learning, checkpoint/resume determinism, divergence. */
class TrainerTest {
    private static final int VOCAB = 11;
    private static final int CONTEXT = 6;

    /** A short sequence repeated, with a little variety so that windows differ: tokens in [0, 11). */
    private static int[] text(int length) {
        int[] pattern = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 0, 3, 5, 7, 9, 2};
        int[] out = new int[length];
        for (int i = 0; i < length; i++) {
            out[i] = pattern[i % pattern.length];
        }
        return out;
    }

    private static Trainer trainer(LanguageModel model, TokenWindows train, TokenWindows validation, TrainingOptions options,
            TrainingListener listener) {
        AdamW adam = new AdamW(model.parameters(), new AdamW.Settings(0.9, 0.95, 1e-8, 0.1));
        return new Trainer(model, adam, train, validation, options, listener);
    }

    @Test
    void twoMicroBatchesGiveTheGradientOfOneBatchOfTwiceTheSize() {
        TrainingOptions once = TrainingOptions.of(4, 1, LearningRateSchedule.constant(0.01));
        TinyLanguageModel a = new TinyLanguageModel(VOCAB, 8, true, Precision.FLOAT64, 5);
        TinyLanguageModel b = new TinyLanguageModel(VOCAB, 8, true, Precision.FLOAT64, 5);
        double lossA = trainer(a, new TokenWindows(text(200), VOCAB, CONTEXT, 9), null, once, null).accumulateGradients();
        double lossB = trainer(b, new TokenWindows(text(200), VOCAB, CONTEXT, 9), null,
                TrainingOptions.of(2, 1, LearningRateSchedule.constant(0.01)).withAccumulation(2), null).accumulateGradients();
        assertThat(Math.abs(lossA - lossB)).isLessThan(1e-14 * Math.abs(lossA));
        // Relative to each gradient's norm, floored at 1e-3 of the largest: the key bias's gradient is zero up to
        // rounding (softmax cancels it), and there only the floor makes the ratio meaningful.
        double largest = 0;
        for (Parameter p : a.parameters()) {
            largest = Math.max(largest, p.gradient().norm());
        }
        double worst = 0;
        for (int i = 0; i < a.parameters().size(); i++) {
            Parameter pa = a.parameters().get(i), pb = b.parameters().get(i);
            double diff = 0;
            for (int j = 0; j < pa.size(); j++) {
                diff = Math.max(diff, Math.abs(pa.gradient().get(j) - pb.gradient().get(j)));
            }
            worst = Math.max(worst, diff / Math.max(1e-3 * largest, pa.gradient().norm()));
        }
        assertThat(worst).as("largest gradient difference relative to the gradient norm").isLessThan(1e-12);
    }

    @Test
    void lossFallsWhenOverfittingARepeatedSequence() {
        int[] tokens = text(400);
        TokenWindows.Split split = TokenWindows.split(tokens, 0.25);
        List<Double> validation = new ArrayList<>();
        TrainingListener onValidation = new TrainingListener() {
            @Override
            public void onValidation(long completedSteps, double loss) {
                validation.add(loss);
            }
        };
        TinyLanguageModel model = new TinyLanguageModel(VOCAB, 16, false, Precision.FLOAT32, 1);
        TrainingOptions options = TrainingOptions.of(8, 60, new LearningRateSchedule(0.05, 0.005, 5, 60)).withValidation(20, 0);
        Trainer trainer = trainer(model, new TokenWindows(split.train(), VOCAB, CONTEXT, 2),
                new TokenWindows(split.validation(), VOCAB, CONTEXT, 0), options, onValidation);
        double before = trainer.validationLoss();
        List<TrainingListener.StepReport> reports = trainer.run();
        assertThat(reports).hasSize(60);
        assertThat(reports.get(0).loss()).isGreaterThan(2.0); // about ln 11 = 2.4 at the start
        assertThat(reports.get(59).loss()).isLessThan(0.35 * reports.get(0).loss());
        assertThat(validation).hasSize(3);
        assertThat(validation.get(2)).isLessThan(0.35 * before);
        assertThat(reports.get(10).tokensPerSecond()).isPositive();
        assertThat(reports.get(10).learningRate()).isEqualTo(options.schedule().at(10));
    }

    @Test
    void resumedRunReproducesTheUninterruptedLossCurve(@TempDir Path dir) throws IOException {
        for (Precision precision : Precision.values()) {
            int total = 12, stop = 5;
            TrainingOptions options = TrainingOptions.of(2, total, new LearningRateSchedule(0.02, 0.002, 3, total))
                    .withAccumulation(2).withClipping(0.5).withValidation(4, 2);
            // 120 training tokens: 19 windows, so the 48 windows read cross two epoch boundaries.
            int[] tokens = text(150);
            TokenWindows.Split split = TokenWindows.split(tokens, 0.2);

            Recorder straight = new Recorder();
            trainer(new TinyLanguageModel(VOCAB, 8, true, precision, 3), new TokenWindows(split.train(), VOCAB, CONTEXT, 4),
                    new TokenWindows(split.validation(), VOCAB, CONTEXT, 0), options, straight).run();

            Path checkpoint = dir.resolve("run-" + precision + ".safetensors");
            Recorder interrupted = new Recorder();
            trainer(new TinyLanguageModel(VOCAB, 8, true, precision, 3), new TokenWindows(split.train(), VOCAB, CONTEXT, 4),
                    new TokenWindows(split.validation(), VOCAB, CONTEXT, 0), options.withMaxSteps(stop).withCheckpoint(checkpoint, 0),
                    interrupted).run();
            assertThat(Checkpoint.readState(checkpoint).step()).isEqualTo(stop);

            // A fresh model with other initial weights, a fresh optimizer, fresh windows: everything comes from the file.
            Trainer resumed = trainer(new TinyLanguageModel(VOCAB, 8, true, precision, 99),
                    new TokenWindows(split.train(), VOCAB, CONTEXT, 4), new TokenWindows(split.validation(), VOCAB, CONTEXT, 0),
                    options, interrupted);
            resumed.resume(checkpoint);
            assertThat(resumed.step()).isEqualTo(stop);
            resumed.run();

            assertThat(interrupted.losses).as("%s losses", precision).containsExactlyElementsOf(straight.losses);
            assertThat(interrupted.validation).as("%s validation", precision).containsExactlyElementsOf(straight.validation);
            assertThat(interrupted.norms).as("%s gradient norms", precision).containsExactlyElementsOf(straight.norms);
            assertThat(straight.losses).hasSize(total);
        }
    }

    @Test
    void nonFiniteLossStopsNamingTheStepAndKeepsTheLastCheckpoint(@TempDir Path dir) throws IOException {
        Path checkpoint = dir.resolve("last.safetensors");
        TinyLanguageModel inner = new TinyLanguageModel(VOCAB, 8, false, Precision.FLOAT64, 1);
        LanguageModel poisoned = new LanguageModel() { // NaN from the 12th micro-batch on: step 5, micro-batch 2
            int calls;

            @Override
            public double lossAndBackward(int[][] inputs, int[][] targets) {
                double loss = inner.lossAndBackward(inputs, targets);
                return ++calls >= 12 ? Double.NaN : loss;
            }

            @Override
            public double loss(int[][] inputs, int[][] targets) {
                return inner.loss(inputs, targets);
            }

            @Override
            public List<Parameter> parameters() {
                return inner.parameters();
            }
        };
        TrainingOptions options = TrainingOptions.of(2, 10, LearningRateSchedule.constant(0.01)).withAccumulation(2)
                .withCheckpoint(checkpoint, 5);
        Trainer trainer = trainer(poisoned, new TokenWindows(text(200), VOCAB, CONTEXT, 1), null, options, null);
        assertThatThrownBy(trainer::run).isInstanceOf(TrainingDivergedException.class)
                .hasMessageContaining("step 5").hasMessageContaining("micro-batch 2 of 2 is NaN")
                .hasMessageContaining("written after 5 completed steps, is intact")
                .satisfies(e -> assertThat(((TrainingDivergedException) e).step()).isEqualTo(5));

        // The checkpoint after 5 steps loads, and it equals the model, which the failed step 5 did not touch.
        TinyLanguageModel fresh = new TinyLanguageModel(VOCAB, 8, false, Precision.FLOAT64, 77);
        AdamW adam = new AdamW(fresh.parameters(), AdamW.Settings.defaults());
        Checkpoint.TrainingState state = Checkpoint.read(checkpoint, fresh.parameters(), adam);
        assertThat(state.step()).isEqualTo(5);
        assertThat(adam.stepCount()).isEqualTo(5);
        for (int i = 0; i < fresh.parameters().size(); i++) {
            assertThat(fresh.parameters().get(i).value().toDoubleArray())
                    .containsExactly(inner.parameters().get(i).value().toDoubleArray());
        }
    }

    @Test
    void checkpointNamesTensorsAndRejectsMissingOrMisshapenOnes(@TempDir Path dir) throws IOException {
        TinyLanguageModel model = new TinyLanguageModel(VOCAB, 8, false, Precision.FLOAT32, 1);
        AdamW adam = new AdamW(model.parameters(), AdamW.Settings.defaults());
        Path file = dir.resolve("c.safetensors");
        Checkpoint.write(file, model.parameters(), adam, new Checkpoint.TrainingState(3, 4, new TokenWindows.Position(1, 2)), Map.of());
        try (var st = org.lowrank4j.formats.safetensors.SafetensorsFile.open(file)) {
            assertThat(st.names()).contains("embed.token.weight", "head.weight", "head.bias", "optimizer.m.head.weight",
                    "optimizer.v.embed.token.weight");
            assertThat(st.metadata()).containsEntry("train.step", "3").containsEntry("data.epoch", "1").containsEntry("data.offset", "2");
        }
        TinyLanguageModel wider = new TinyLanguageModel(VOCAB, 9, false, Precision.FLOAT32, 1);
        assertThatThrownBy(() -> Checkpoint.read(file, wider.parameters(), null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("embed.token.weight").hasMessageContaining("[11, 9]");
        Path noOptimizer = dir.resolve("model-only.safetensors");
        Checkpoint.write(noOptimizer, model.parameters(), null, new Checkpoint.TrainingState(0, 0, new TokenWindows.Position(0, 0)),
                Map.of());
        assertThatThrownBy(() -> Checkpoint.read(noOptimizer, model.parameters(), adam)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("optimizer");
        TinyLanguageModel withBlock = new TinyLanguageModel(VOCAB, 8, true, Precision.FLOAT32, 1);
        assertThatThrownBy(() -> Checkpoint.read(file, withBlock.parameters(), null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("block.");
    }

    @Test
    void resumeRefusesACheckpointOfAnotherDataSeed(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("seed.safetensors");
        TrainingOptions options = TrainingOptions.of(2, 2, LearningRateSchedule.constant(0.01)).withCheckpoint(file, 0);
        trainer(new TinyLanguageModel(VOCAB, 8, false, Precision.FLOAT32, 1), new TokenWindows(text(100), VOCAB, CONTEXT, 1), null,
                options, null).run();
        Trainer other = trainer(new TinyLanguageModel(VOCAB, 8, false, Precision.FLOAT32, 1),
                new TokenWindows(text(100), VOCAB, CONTEXT, 2), null, options, null);
        assertThatThrownBy(() -> other.resume(file)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("data seed 1").hasMessageContaining("seed 2");
    }

    /** Records what a run reports. */
    private static final class Recorder implements TrainingListener {
        final List<Double> losses = new ArrayList<>();
        final List<Double> norms = new ArrayList<>();
        final List<Double> validation = new ArrayList<>();

        @Override
        public void onStep(StepReport report) {
            losses.add(report.loss());
            norms.add(report.gradientNorm());
        }

        @Override
        public void onValidation(long completedSteps, double loss) {
            validation.add(loss);
        }
    }
}
