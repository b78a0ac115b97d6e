package org.lowrank4j.nn.train.lowrank;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.arch.llama.LlamaLanguageModel;
import org.lowrank4j.nn.arch.llama.LlamaModel;
import org.lowrank4j.nn.train.AdamW;
import org.lowrank4j.nn.train.GradientClipping;
import org.lowrank4j.nn.train.LanguageModel;
import org.lowrank4j.nn.train.LearningRateSchedule;
import org.lowrank4j.nn.train.Optimizer;
import org.lowrank4j.nn.train.TokenWindows;
import org.lowrank4j.nn.train.Trainer;
import org.lowrank4j.nn.train.TrainingListener;
import org.lowrank4j.nn.train.TrainingMemory;
import org.lowrank4j.nn.train.TrainingMethod;
import org.lowrank4j.nn.train.TrainingOptions;
import org.lowrank4j.nn.train.lowrank.maestro.MaestroSites;
import org.lowrank4j.nn.train.lowrank.maestro.OrderedWeight;

/** Maestro on a tiny LLaMA: validation loss is the plain model's, the sampler's rounds, bit-exact resume with shrinking, options, memory. */
class MaestroTrainingTest {
    private static final int VOCAB = 13, CONTEXT = 8, TOTAL = 8, STOP = 4;
    private static final AdamW.Settings ADAM = new AdamW.Settings(0.9, 0.95, 1e-8, 0.1);

    private static TrainingMethod maestro(Map<String, Double> options) {
        return TrainingMethods.configure("maestro", SpectralResumeTest.options(options));
    }

    /** A model of {@code seed} with Maestro installed (seed 1) and its training objective. */
    private record Run(LlamaModel model, LlamaLanguageModel plain, LanguageModel objective, MaestroSites sites) {
    }

    private static Run installed(TrainingMethod method, long seed) {
        LlamaModel model = TinyTraining.model(seed);
        method.parameterization().install(model, 1);
        LlamaLanguageModel plain = new LlamaLanguageModel(model);
        return new Run(model, plain, method.parameterization().objective(model, plain), (MaestroSites) method.parameterization());
    }

    private static Trainer trainer(Run run, TrainingMethod method, int steps, Path checkpoint) {
        Optimizer optimizer = method.create(run.plain().parameters(), ADAM);
        TrainingOptions options = TrainingOptions.of(2, TOTAL, new LearningRateSchedule(0.01, 0.001, 2, TOTAL)).withMaxSteps(steps);
        if (checkpoint != null) {
            options = options.withCheckpoint(checkpoint, 0);
        }
        return new Trainer(run.objective(), optimizer, new TokenWindows(TinyTraining.text(), VOCAB, CONTEXT, 9), null, options, TrainingListener.NONE);
    }

    @Test
    void theValidationLossIsThePlainFullWidthCrossEntropy() {
        TokenWindows.Batch batch = new TokenWindows(TinyTraining.text(), VOCAB, CONTEXT, 3).nextBatch(2);
        double dense = new LlamaLanguageModel(TinyTraining.model(1)).loss(batch.inputs(), batch.targets());
        Run run = installed(maestro(Map.of()), 1);
        assertThat(run.objective()).isNotSameAs(run.plain());
        double plain = run.plain().loss(batch.inputs(), batch.targets());
        assertThat(run.objective().loss(batch.inputs(), batch.targets())).isEqualTo(plain);
        assertThat(plain).isCloseTo(dense, org.assertj.core.data.Offset.offset(1e-5));
        // the training objective adds the partial pass and the lasso, restores every width, and leaves loss() unchanged
        double objective = run.objective().lossAndBackward(batch.inputs(), batch.targets());
        assertThat(objective).isGreaterThan(plain);
        for (OrderedWeight w : run.sites().weights()) {
            assertThat(w.width()).isEqualTo(OrderedWeight.ALL);
        }
        assertThat(run.objective().loss(batch.inputs(), batch.targets())).isEqualTo(plain);
    }

    @Test
    void theSamplerVisitsEveryPairOnceARoundInASeededOrder() {
        Run run = installed(maestro(Map.of()), 1);
        List<OrderedWeight> weights = run.sites().weights();
        int pairs = weights.stream().mapToInt(OrderedWeight::keptCount).sum();
        // 2 layers × (q 8, k 4, v 4, o 8, gate 8, up 8, down 8)
        assertThat(pairs).isEqualTo(2 * (8 + 4 + 4 + 8 + 8 + 8 + 8));
        Set<MaestroSites.Pair> first = new HashSet<>();
        List<MaestroSites.Pair> order = new java.util.ArrayList<>();
        for (int i = 0; i < pairs; i++) {
            MaestroSites.Pair p = run.sites().nextPair();
            assertThat(p.width()).isBetween(1, weights.get(p.site()).keptCount());
            first.add(p);
            order.add(p);
        }
        assertThat(first).hasSize(pairs);
        List<MaestroSites.Pair> second = new java.util.ArrayList<>();
        for (int i = 0; i < pairs; i++) {
            second.add(run.sites().nextPair());
        }
        assertThat(new HashSet<>(second)).isEqualTo(first);
        assertThat(second).isNotEqualTo(order);
        // the same seed gives the same order
        Run again = installed(maestro(Map.of()), 5);
        for (int i = 0; i < pairs; i++) {
            assertThat(again.sites().nextPair()).isEqualTo(order.get(i));
        }
    }

    /** Threshold 0.02 with shrinking every 2 steps: the tiny model's smallest components are dropped during the run. */
    private static Map<String, Double> shrinking() {
        return Map.of("threshold", 0.02, "shrink-every", 2.0, "lambda", 0.01);
    }

    @Test
    void resumedRunEqualsTheUninterruptedOneBitForBit(@TempDir Path dir) throws IOException {
        TrainingMethod method = maestro(shrinking());
        Run straight = installed(method, 1);
        List<TrainingListener.StepReport> straightReports = trainer(straight, method, TOTAL, null).run();
        Map<String, Integer> straightRanks = method.parameterization().siteRanks();
        int full = straight.sites().weights().stream().mapToInt(OrderedWeight::rank).sum();
        int kept = straightRanks.values().stream().mapToInt(Integer::intValue).sum();
        assertThat(kept).as("shrinking dropped components").isLessThan(full).isGreaterThan(0);

        Path checkpoint = dir.resolve("maestro.safetensors");
        TrainingMethod method2 = maestro(shrinking());
        Run first = installed(method2, 1);
        trainer(first, method2, STOP, checkpoint).run();
        TrainingMethod method3 = maestro(shrinking());
        Run resumed = installed(method3, 77); // other weights, all kept: everything must come from the file
        Trainer second = trainer(resumed, method3, TOTAL, null);
        second.resume(checkpoint);
        List<TrainingListener.StepReport> resumedReports = second.run();

        assertThat(resumedReports.stream().map(TrainingListener.StepReport::loss).toList())
                .containsExactlyElementsOf(straightReports.subList(STOP, TOTAL).stream().map(TrainingListener.StepReport::loss).toList());
        List<Parameter> a = straight.plain().parameters(), b = resumed.plain().parameters();
        for (int i = 0; i < a.size(); i++) {
            assertThat(b.get(i).value().toDoubleArray()).as(a.get(i).name()).containsExactly(a.get(i).value().toDoubleArray());
        }
        assertThat(method3.parameterization().siteRanks()).isEqualTo(straightRanks);
        for (int s = 0; s < straight.sites().weights().size(); s++) {
            assertThat(resumed.sites().weights().get(s).toDense().toDoubleArray())
                    .containsExactly(straight.sites().weights().get(s).toDense().toDoubleArray());
        }
    }

    @Test
    void badOptionsAreOneLineErrors() {
        assertThatThrownBy(() -> maestro(Map.of("lambda", -1.0))).hasMessageStartingWith("maestro: option lambda must be a finite number >= 0");
        assertThatThrownBy(() -> maestro(Map.of("threshold", -1e-3))).hasMessageStartingWith("maestro: option threshold must be a finite number >= 0");
        assertThatThrownBy(() -> maestro(Map.of("shrink-every", 0.0))).hasMessageStartingWith("maestro: option shrink-every must be >= 1");
        assertThat(TrainingMethods.configure("maestro", MethodOptions.NONE).describe()).isEqualTo("maestro:lambda=0.005:threshold=1.0E-5:shrink-every=50");
        assertThat(TrainingMethods.names()).contains("maestro");
    }

    /** U and V are full-size trainable tensors with AdamW moments; the state adds p kept flags per site and the sampler's 2 numbers. */
    @Test
    void memoryIsMeasuredFromTheArrays() {
        TrainingMethod method = maestro(Map.of());
        Run run = installed(method, 1);
        Optimizer optimizer = method.create(run.plain().parameters(), ADAM);
        TrainingMemory memory = TrainingMemory.measure(run.plain().parameters(), optimizer);
        long weights = 0, flags = 0;
        for (Parameter p : GradientClipping.distinct(run.plain().parameters())) {
            weights += p.size();
            if (p.name().endsWith(".maestro_u")) {
                flags += p.value().dim(1);
            }
        }
        assertThat(memory.weightBytes()).isEqualTo(4L * weights);
        assertThat(memory.gradientBytes()).isEqualTo(memory.weightBytes());
        assertThat(memory.optimizerBytes()).isEqualTo(4L * (2 * weights + flags + 2));
    }
}
