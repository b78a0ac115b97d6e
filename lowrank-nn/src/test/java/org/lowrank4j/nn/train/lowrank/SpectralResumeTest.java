package org.lowrank4j.nn.train.lowrank;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.arch.llama.LlamaLanguageModel;
import org.lowrank4j.nn.arch.llama.LlamaModel;
import org.lowrank4j.nn.train.AdamW;
import org.lowrank4j.nn.train.GradientClipping;
import org.lowrank4j.nn.train.LearningRateSchedule;
import org.lowrank4j.nn.train.Optimizer;
import org.lowrank4j.nn.train.TokenWindows;
import org.lowrank4j.nn.train.Trainer;
import org.lowrank4j.nn.train.TrainingListener;
import org.lowrank4j.nn.train.TrainingMemory;
import org.lowrank4j.nn.train.TrainingMethod;
import org.lowrank4j.nn.train.TrainingOptions;

/** SST and TRP on a tiny LLaMA: N steps straight equal N/2 + checkpoint + resume + N/2, bit for bit; options checked; memory measured. */
class SpectralResumeTest {
    private static final int VOCAB = 13, CONTEXT = 8, TOTAL = 8, STOP = 4;
    private static final AdamW.Settings ADAM = new AdamW.Settings(0.9, 0.95, 1e-8, 0.1);

    /** Hidden 8, 4 heads over 2: q/o 8×8, k/v 4×8, MLP 12×8 and 8×12. */
    /** The model of {@code seed} with the method's parameterization installed (seed 1, as the trainer passes its seed). */
    private static LlamaLanguageModel installed(TrainingMethod method, long seed) {
        LlamaModel model = TinyTraining.model(seed);
        method.parameterization().install(model, 1);
        return new LlamaLanguageModel(model);
    }

    private static Trainer trainer(LlamaLanguageModel lm, TrainingMethod method, int steps, Path checkpoint) {
        Optimizer optimizer = method.create(lm.parameters(), ADAM);
        TrainingOptions options = TrainingOptions.of(2, TOTAL, new LearningRateSchedule(0.01, 0.001, 2, TOTAL)).withMaxSteps(steps);
        if (checkpoint != null) {
            options = options.withCheckpoint(checkpoint, 0);
        }
        return new Trainer(lm, optimizer, new TokenWindows(TinyTraining.text(), VOCAB, CONTEXT, 9), null, options, TrainingListener.NONE);
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

    private static List<TrainingMethod> methods() {
        // SST rank 2, period 2: indices drawn at 0, 2, 4, 6; k/v (p = 4) re-decomposed at step 4, the others (p = 8) at 8.
        // TRP period 3: truncations at 0, 3 and 6, so one after the resume point.
        return List.of(TrainingMethods.configure("sst", options(Map.of("rank", 2.0, "period", 2.0))),
                TrainingMethods.configure("trp", options(Map.of("period", 3.0, "nuclear", 1e-2))));
    }

    @Test
    void resumedRunEqualsTheUninterruptedOneBitForBit(@TempDir Path dir) throws IOException {
        for (TrainingMethod method : methods()) {
            LlamaLanguageModel straight = installed(method, 1);
            List<Parameter> initial = straight.parameters().stream().map(p -> new Parameter(p.name(), p.value().copy())).toList();
            List<TrainingListener.StepReport> straightReports = trainer(straight, method, TOTAL, null).run();

            Path checkpoint = dir.resolve(method.name() + ".safetensors");
            LlamaLanguageModel first = installed(method, 1);
            trainer(first, method, STOP, checkpoint).run();
            LlamaLanguageModel resumed = installed(method, 77); // other weights: all must come from the file
            Trainer second = trainer(resumed, method, TOTAL, null);
            second.resume(checkpoint);
            List<TrainingListener.StepReport> resumedReports = second.run();

            assertThat(resumedReports.stream().map(TrainingListener.StepReport::loss).toList()).as(method.describe())
                    .containsExactlyElementsOf(straightReports.subList(STOP, TOTAL).stream().map(TrainingListener.StepReport::loss).toList());
            List<Parameter> a = straight.parameters(), b = resumed.parameters();
            assertThat(b).hasSameSizeAs(a);
            boolean moved = false;
            for (int i = 0; i < a.size(); i++) {
                assertThat(b.get(i).value().toDoubleArray()).as("%s %s", method.describe(), a.get(i).name())
                        .containsExactly(a.get(i).value().toDoubleArray());
                moved |= !java.util.Arrays.equals(a.get(i).value().toDoubleArray(), initial.get(i).value().toDoubleArray());
            }
            assertThat(moved).as("training moved the weights").isTrue();
        }
    }

    @Test
    void sstKeepsSigmaNonNegativeAndActiveVectorsUnitLength() {
        TrainingMethod sst = methods().get(0);
        LlamaModel model = TinyTraining.model(1);
        sst.parameterization().install(model, 1);
        LlamaLanguageModel lm = new LlamaLanguageModel(model);
        trainer(lm, sst, 3, null).run();
        for (var linear : model.linearSites().values()) {
            var w = (org.lowrank4j.nn.train.lowrank.sst.SpectralWeight) linear.weight();
            int p = w.rank();
            for (int i = 0; i < p; i++) {
                assertThat(w.sigma().value().get(i)).isGreaterThanOrEqualTo(0);
                double un = 0, vn = 0;
                for (int o = 0; o < w.outFeatures(); o++) {
                    un += Math.pow(w.u().value().get(o * p + i), 2);
                }
                for (int c = 0; c < w.inFeatures(); c++) {
                    vn += Math.pow(w.vt().value().get(i * w.inFeatures() + c), 2);
                }
                assertThat(un).as("|u_%d|² of %s", i, linear.name()).isCloseTo(1, org.assertj.core.data.Offset.offset(1e-5));
                assertThat(vn).as("|v_%d|² of %s", i, linear.name()).isCloseTo(1, org.assertj.core.data.Offset.offset(1e-5));
            }
        }
    }

    @Test
    void badOptionsAreOneLineErrors() {
        TrainingMethod tooHigh = TrainingMethods.configure("sst", options(Map.of("rank", 5.0)));
        assertThatThrownBy(() -> tooHigh.parameterization().install(TinyTraining.model(1), 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("sst: rank 5 is above the dimensions of model.layers.0.self_attn.k_proj (4×8); the rank must be at most 4"
                        + " = min(out, in) of every block matrix");
        assertThatThrownBy(() -> TrainingMethods.configure("sst", options(Map.of("period", 0.0))))
                .hasMessageStartingWith("sst: option period must be >= 1");
        assertThatThrownBy(() -> TrainingMethods.configure("trp", options(Map.of("period", 0.0))))
                .hasMessageStartingWith("trp: option period must be >= 1");
        assertThatThrownBy(() -> TrainingMethods.configure("trp", options(Map.of("energy", 1.5))))
                .hasMessageStartingWith("trp: option energy must be in (0, 1]");
        LlamaLanguageModel dense = new LlamaLanguageModel(TinyTraining.model(1));
        TrainingMethod sst = methods().get(0);
        // the optimizer of a model whose weights were not installed (a fresh method object) refuses to start
        TrainingMethod fresh = TrainingMethods.configure("sst", options(Map.of("rank", 2.0)));
        assertThatThrownBy(() -> fresh.create(dense.parameters(), ADAM)).hasMessageContaining("sst: the model has no spectral weights");
        assertThat(sst.describe()).isEqualTo("sst:rank=2:period=2");
        assertThat(TrainingMethods.configure("trp", MethodOptions.NONE).describe()).isEqualTo("trp:period=5:energy=0.9:nuclear=3.0E-4");
    }

    /** SST holds moments for σ and r columns only; TRP holds AdamW's two moments per weight. */
    @Test
    void memoryIsMeasuredFromTheArrays() {
        TrainingMethod sst = methods().get(0);
        LlamaLanguageModel lm = installed(sst, 1);
        Optimizer optimizer = sst.create(lm.parameters(), ADAM);
        TrainingMemory memory = TrainingMemory.measure(lm.parameters(), optimizer);
        long dense = 0, spectral = 0, expectedState = 0;
        for (Parameter p : GradientClipping.distinct(lm.parameters())) {
            if (p.name().endsWith(".sst_u")) {
                spectral += p.size();
                expectedState += 2L * 2 * p.value().dim(0); // U moments: out × r, r = 2
            } else if (p.name().endsWith(".sst_vt")) {
                spectral += p.size();
                expectedState += 2L * 2 * p.value().dim(1) + 2; // Vᵀ moments r × in, and the r active indices
            } else if (p.name().endsWith(".sst_s")) {
                spectral += p.size();
                expectedState += 2L * p.size();
            } else {
                dense += p.size();
                expectedState += 2L * p.size();
            }
        }
        assertThat(memory.weightBytes()).isEqualTo(4L * (dense + spectral));
        assertThat(memory.gradientBytes()).isEqualTo(memory.weightBytes());
        assertThat(memory.optimizerBytes()).isEqualTo(4L * expectedState);

        TrainingMethod trp = methods().get(1);
        LlamaLanguageModel plain = new LlamaLanguageModel(TinyTraining.model(1));
        TrainingMemory trpMemory = TrainingMemory.measure(plain.parameters(), trp.create(plain.parameters(), ADAM));
        assertThat(trpMemory.optimizerBytes()).isEqualTo(2 * trpMemory.weightBytes());
    }
}
