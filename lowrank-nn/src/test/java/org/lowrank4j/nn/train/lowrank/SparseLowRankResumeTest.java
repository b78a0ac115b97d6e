package org.lowrank4j.nn.train.lowrank;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank4j.formats.hf.HfArchitecture;
import org.lowrank4j.formats.hf.HfConfig;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.arch.llama.LlamaLanguageModel;
import org.lowrank4j.nn.arch.llama.LlamaModel;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.train.AdamW;
import org.lowrank4j.nn.train.GradientClipping;
import org.lowrank4j.nn.train.LearningRateSchedule;
import org.lowrank4j.nn.train.TokenWindows;
import org.lowrank4j.nn.train.Trainer;
import org.lowrank4j.nn.train.TrainingListener;
import org.lowrank4j.nn.train.TrainingMemory;
import org.lowrank4j.nn.train.TrainingMethod;
import org.lowrank4j.nn.train.TrainingOptions;
import org.lowrank4j.nn.weight.SparsePlusLowRankWeight;

/**
 * SLTrain and LOST on a tiny LLaMA, installed as {@code DecoderTraining} does (seed's initial weights, then the
 * parameterization): N steps straight equal N/2 + checkpoint + resume + N/2 bit for bit; memory counts factors and values.
 */
class SparseLowRankResumeTest {
    private static final int VOCAB = 13, CONTEXT = 8, TOTAL = 8, STOP = 4, SEED = 1;
    private static final AdamW.Settings ADAM = new AdamW.Settings(0.9, 0.95, 1e-8, 0.1);

    private static List<TrainingMethod> methods() {
        return List.of(TrainingMethods.configure("sltrain", options(Map.of("rank", 2.0, "density", 0.25))),
                TrainingMethods.configure("lost", options(Map.of("rank", 2.0, "density", 0.25))));
    }

    static MethodOptions options(Map<String, Double> values) {
        return new MethodOptions() {
            @Override
            public double number(String key, double fallback) {
                return values.getOrDefault(key, fallback);
            }

            @Override
            public int integer(String key, int fallback) {
                return values.containsKey(key) ? values.get(key).intValue() : fallback;
            }

            @Override
            public void requireAllRead() {
            }
        };
    }

    /** The seed's model with the method's parameterization installed, as a run or a resumed run builds it. */
    private static LlamaLanguageModel installed(TrainingMethod method) {
        HfConfig config = HfConfig.builder(HfArchitecture.LLAMA).hiddenSize(8).intermediateSize(12).numHiddenLayers(2).numAttentionHeads(4)
                .numKeyValueHeads(2).vocabSize(VOCAB).maxPositionEmbeddings(CONTEXT).tieWordEmbeddings(true).build();
        LlamaModel model = LlamaModel.create(config, Precision.FLOAT32);
        model.initialize(new Random(SEED));
        method.parameterization().install(model, SEED);
        return new LlamaLanguageModel(model);
    }

    private static Trainer trainer(LlamaLanguageModel lm, TrainingMethod method, int steps, Path checkpoint) {
        TrainingOptions options = TrainingOptions.of(2, TOTAL, new LearningRateSchedule(0.01, 0.001, 2, TOTAL)).withMaxSteps(steps);
        if (checkpoint != null) {
            options = options.withCheckpoint(checkpoint, 0);
        }
        return new Trainer(lm, method.create(lm.parameters(), ADAM), new TokenWindows(TinyTraining.text(), VOCAB, CONTEXT, 9), null, options,
                TrainingListener.NONE);
    }

    @Test
    void resumedRunEqualsTheUninterruptedOneBitForBit(@TempDir Path dir) throws IOException {
        for (TrainingMethod method : methods()) {
            LlamaLanguageModel straight = installed(method);
            double[] initialValues = straight.parameters().get(3).value().toDoubleArray();
            List<TrainingListener.StepReport> straightReports = trainer(straight, method, TOTAL, null).run();

            Path checkpoint = dir.resolve(method.name() + ".safetensors");
            trainer(installed(method), method, STOP, checkpoint).run();
            LlamaLanguageModel resumed = installed(method);
            Random noise = new Random(77); // other values: every parameter must come from the file
            for (Parameter p : resumed.parameters()) {
                for (int i = 0; i < p.size(); i++) {
                    p.value().set(i, noise.nextGaussian());
                }
            }
            Trainer second = trainer(resumed, method, TOTAL, null);
            second.resume(checkpoint);
            List<TrainingListener.StepReport> resumedReports = second.run();

            assertThat(resumedReports.stream().map(TrainingListener.StepReport::loss).toList()).as(method.describe())
                    .containsExactlyElementsOf(straightReports.subList(STOP, TOTAL).stream().map(TrainingListener.StepReport::loss).toList());
            List<Parameter> a = straight.parameters(), b = resumed.parameters();
            assertThat(b).hasSameSizeAs(a);
            for (int i = 0; i < a.size(); i++) {
                assertThat(b.get(i).name()).isEqualTo(a.get(i).name());
                assertThat(b.get(i).value().toDoubleArray()).as("%s %s", method.describe(), a.get(i).name())
                        .containsExactly(a.get(i).value().toDoubleArray());
            }
            assertThat(a.get(3).value().toDoubleArray()).as("training moved %s", a.get(3).name()).isNotEqualTo(initialValues);
            for (Linear l : straight.model().linearSites().values()) {
                assertThat(l.weight()).isInstanceOf(SparsePlusLowRankWeight.class);
            }
        }
    }

    @Test
    void aCheckpointOfTheDenseTrainerDoesNotFitTheFactorizedParameters(@TempDir Path dir) throws IOException {
        Path checkpoint = dir.resolve("full.safetensors");
        LlamaLanguageModel dense = installed(TrainingMethod.full());
        trainer(dense, TrainingMethod.full(), 2, checkpoint).run();
        Trainer sltrain = trainer(installed(methods().get(0)), methods().get(0), TOTAL, null);
        assertThatThrownBy(() -> sltrain.resume(checkpoint)).isInstanceOf(IllegalArgumentException.class);
    }

    /** Weights are the embeddings, norms, factors and sparse values; AdamW holds two moments of each; nothing else. */
    @Test
    void memoryCountsFactorsAndSparseValues() {
        LlamaLanguageModel full = installed(TrainingMethod.full());
        long denseWeights = TrainingMemory.measure(full.parameters(), TrainingMethod.full().create(full.parameters(), ADAM)).weightBytes();
        for (TrainingMethod method : methods()) {
            LlamaLanguageModel lm = installed(method);
            long expected = 0, projections = 0;
            for (Parameter p : GradientClipping.distinct(lm.parameters())) {
                expected += 4L * p.size();
            }
            for (Linear l : lm.model().linearSites().values()) {
                SparsePlusLowRankWeight w = (SparsePlusLowRankWeight) l.weight();
                projections += 4L * (w.left().size() + w.right().size() + w.values().size());
            }
            TrainingMemory memory = TrainingMemory.measure(lm.parameters(), method.create(lm.parameters(), ADAM));
            assertThat(memory.weightBytes()).as(method.name()).isEqualTo(expected);
            assertThat(memory.gradientBytes()).isEqualTo(expected);
            assertThat(memory.optimizerBytes()).isEqualTo(2 * expected);
            assertThat(projections).isPositive().isLessThan(expected);
            assertThat(memory.weightBytes()).isNotEqualTo(denseWeights);
        }
    }
}
