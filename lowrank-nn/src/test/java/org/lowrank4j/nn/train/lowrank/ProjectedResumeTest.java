package org.lowrank4j.nn.train.lowrank;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank4j.nn.train.TrainingMethod;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.arch.llama.LlamaLanguageModel;
import org.lowrank4j.nn.train.AdamW;
import org.lowrank4j.nn.train.Checkpoint;
import org.lowrank4j.nn.train.LearningRateSchedule;
import org.lowrank4j.nn.train.Optimizer;
import org.lowrank4j.nn.train.TokenWindows;
import org.lowrank4j.nn.train.Trainer;
import org.lowrank4j.nn.train.TrainingListener;
import org.lowrank4j.nn.train.TrainingMemory;
import org.lowrank4j.nn.train.TrainingOptions;

/** Every method on a tiny LLaMA: N steps straight equal N/2 + checkpoint + resume + N/2, bit for bit; memory measured. */
class ProjectedResumeTest {
    private static final int VOCAB = 13, CONTEXT = 8, TOTAL = 8, STOP = 4;
    private static final AdamW.Settings ADAM = new AdamW.Settings(0.9, 0.95, 1e-8, 0.1);

    private static Trainer trainer(LlamaLanguageModel lm, TrainingMethod method, int steps, Path checkpoint) {
        Optimizer optimizer = method.create(lm.parameters(), ADAM);
        TrainingOptions options = TrainingOptions.of(2, TOTAL, new LearningRateSchedule(0.01, 0.001, 2, TOTAL)).withMaxSteps(steps);
        if (checkpoint != null) {
            options = options.withCheckpoint(checkpoint, 0);
        }
        return new Trainer(lm, optimizer, new TokenWindows(TinyTraining.text(), VOCAB, CONTEXT, 9), null, options, TrainingListener.NONE);
    }

    private static List<TrainingMethod> methods() {
        // gap 3: bases are chosen at steps 0, 3 and 6, so one choice happens after the resume point
        return List.of(TrainingMethod.full(), TrainingMethods.configure("galore", opts(2, 3)),
                TrainingMethods.configure("galore-dct", opts(2, 3)), TrainingMethods.configure("fira", opts(2, 3)),
                TrainingMethods.configure("galore-dct", opts(2, 3, 1)), TrainingMethods.configure("galore", opts(2, 3, 1)));
    }

    static MethodOptions opts(int rank, int gap) {
        return opts(rank, gap, 0);
    }

    static MethodOptions opts(int rank, int gap, int rotate) {
        return new MethodOptions() {
            @Override
            public double number(String key, double fallback) {
                return fallback;
            }

            @Override
            public int integer(String key, int fallback) {
                return key.equals("rank") ? rank : key.equals("gap") ? gap : key.equals("rotate") ? rotate : fallback;
            }

            @Override
            public void requireAllRead() {
            }
        };
    }

    @Test
    void resumedRunEqualsTheUninterruptedOneBitForBit(@TempDir Path dir) throws IOException {
        for (TrainingMethod method : methods()) {
            LlamaLanguageModel straight = new LlamaLanguageModel(TinyTraining.model(1));
            List<TrainingListener.StepReport> straightReports = trainer(straight, method, TOTAL, null).run();

            Path checkpoint = dir.resolve(method.name() + ".safetensors");
            LlamaLanguageModel first = new LlamaLanguageModel(TinyTraining.model(1));
            trainer(first, method, STOP, checkpoint).run();
            LlamaLanguageModel resumed = new LlamaLanguageModel(TinyTraining.model(77)); // other weights: all must come from the file
            Trainer second = trainer(resumed, method, TOTAL, null);
            second.resume(checkpoint);
            List<TrainingListener.StepReport> resumedReports = second.run();

            assertThat(resumedReports.stream().map(TrainingListener.StepReport::loss).toList()).as(method.describe())
                    .containsExactlyElementsOf(straightReports.subList(STOP, TOTAL).stream().map(TrainingListener.StepReport::loss).toList());
            List<Parameter> a = straight.parameters(), b = resumed.parameters();
            for (int i = 0; i < a.size(); i++) {
                assertThat(b.get(i).value().toDoubleArray()).as("%s %s", method.describe(), a.get(i).name())
                        .containsExactly(a.get(i).value().toDoubleArray());
            }
            // and the run moved the weights (a resume that loaded nothing would not match, but make sure training happened)
            assertThat(straight.parameters().get(1).value().toDoubleArray())
                    .isNotEqualTo(new LlamaLanguageModel(TinyTraining.model(1)).parameters().get(1).value().toDoubleArray());
        }
    }

    @Test
    void aCheckpointOfAnotherMethodIsRefusedInOneLine(@TempDir Path dir) throws IOException {
        Path checkpoint = dir.resolve("galore.safetensors");
        trainer(new LlamaLanguageModel(TinyTraining.model(1)), methods().get(1), 2, checkpoint).run();
        Trainer fira = trainer(new LlamaLanguageModel(TinyTraining.model(1)), methods().get(3), TOTAL, null);
        assertThatThrownBy(() -> fira.resume(checkpoint)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("checkpoint " + checkpoint + " holds the state of optimizer 'galore', not of 'fira'; resume with the method it"
                        + " was written by");
        assertThat(Checkpoint.readMetadata(checkpoint)).containsEntry(Checkpoint.KEY_OPTIMIZER_METHOD, "galore");
    }

    /** Memory is counted from the arrays: AdamW holds two moments per weight; GaLore at rank 2 of 8 holds less. */
    @Test
    void memoryIsMeasuredFromTheArrays() {
        LlamaLanguageModel lm = new LlamaLanguageModel(TinyTraining.model(1));
        List<TrainingMethod> methods = methods();
        TrainingMemory full = TrainingMemory.measure(lm.parameters(), methods.get(0).create(lm.parameters(), ADAM));
        long weights = 0;
        for (Parameter p : org.lowrank4j.nn.train.GradientClipping.distinct(lm.parameters())) {
            weights += 4L * p.size();
        }
        assertThat(full.weightBytes()).isEqualTo(weights);
        assertThat(full.gradientBytes()).isEqualTo(weights);
        assertThat(full.optimizerBytes()).isEqualTo(2 * weights);
        TrainingMemory galore = TrainingMemory.measure(lm.parameters(), methods.get(1).create(lm.parameters(), ADAM));
        TrainingMemory dct = TrainingMemory.measure(lm.parameters(), methods.get(2).create(lm.parameters(), ADAM));
        assertThat(galore.weightBytes()).isEqualTo(weights);
        assertThat(galore.optimizerBytes()).isLessThan(full.optimizerBytes());
        assertThat(dct.optimizerBytes()).isLessThan(galore.optimizerBytes());
    }
}
