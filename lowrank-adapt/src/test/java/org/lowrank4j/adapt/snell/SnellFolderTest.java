package org.lowrank4j.adapt.snell;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.lowrank4j.adapt.FiniteDifferences;
import org.lowrank4j.adapt.TinyModels;
import org.lowrank4j.adapt.lora.ModulePaths;
import org.lowrank4j.adapt.variant.AdapterVariants;
import org.lowrank4j.adapt.variant.VariantAdapter;
import org.lowrank4j.adapt.variant.VariantFolder;
import org.lowrank4j.adapt.variant.VariantSpec;
import org.lowrank4j.nn.arch.llama.LlamaModel;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.weight.DenseWeight;

/**
 * SNELL and SNELLA folders on the tiny decoder: save → load → forward reproduces the logits to 1e-6, merging gives the same
 * model, budgets size the adapter, and bad options fail in one line.
 */
class SnellFolderTest {
    private static final Precision F32 = Precision.FLOAT32;
    private static final int[] TOKENS = {72, 101, 108, 108, 111, 32, 119, 111, 114, 108, 100};
    private static final List<String> NAMES = List.of("q_proj", "v_proj", "o_proj");

    private static Tensor logits(LlamaModel model) {
        return model.forward(TOKENS, 1, TOKENS.length);
    }

    private static Map<String, Linear> targets(LlamaModel model, List<String> names) {
        Map<String, Linear> out = new LinkedHashMap<>();
        ModulePaths.decoder(model).forEach((path, linear) -> {
            if (names.stream().anyMatch(n -> path.endsWith("." + n))) {
                out.put(path, linear);
            }
        });
        return out;
    }

    private static VariantAdapter create(String spec, LlamaModel model, List<String> names) {
        return AdapterVariants.byName(VariantSpec.parse(spec).name()).create(targets(model, names), VariantSpec.parse(spec), 4, 8, 7, F32);
    }

    /** A fresh adapter with P and Q moved far from their small start and, for SNELLA, budgets as an allocator leaves them. */
    private static VariantAdapter trainedLike(String spec, LlamaModel model) {
        VariantAdapter adapter = create(spec, model, NAMES);
        Random random = new Random(5);
        int l = 0;
        for (var layer : adapter.layers().values()) {
            SnellWeight w = (SnellWeight) layer;
            for (var p : List.of(w.p(), w.q())) {
                for (int i = 0; i < p.size(); i++) {
                    p.value().set(i, 2 * random.nextGaussian());
                }
            }
            if (w.mix() != null) {
                w.mix().value().set(0, 1.2);
                w.mix().value().set(1, 0.9);
                w.mix().value().set(2, 0.05);
                w.setKept(10 + 17 * l++ % (w.inFeatures() * w.outFeatures() - 10));
            }
        }
        return adapter;
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"snell", "snell:sparsity=0", "snell:rank=3:heads=1:sparsity=0.5", "snella", "snella:rank=2:target-sparsity=0.5"})
    void saveLoadForwardReproducesTheOutputsAndMergeGivesTheSameModel(String spec, @TempDir Path dir) throws IOException {
        LlamaModel model = TinyModels.llama(F32, 3);
        VariantAdapter adapter = trainedLike(spec, model);
        adapter.attach(ModulePaths.decoder(model));
        Tensor expected = logits(model);
        VariantFolder.write(dir, adapter, NAMES, "tiny");

        LlamaModel fresh = TinyModels.llama(F32, 3);
        VariantAdapter loaded = VariantFolder.apply(VariantFolder.read(dir), ModulePaths.decoder(fresh), F32);
        double diff = FiniteDifferences.maxDifference(logits(fresh), expected);
        System.out.printf("%s: save -> load -> forward max |logit difference| %.2e, %,d bytes on disk; %s%n", spec, diff, VariantFolder.bytesOnDisk(dir),
                loaded.report().get(0));
        assertThat(diff).isLessThanOrEqualTo(1e-6);
        assertThat(loaded.variant().peftType()).isEqualTo("LOWRANK4J_" + VariantSpec.parse(spec).name().toUpperCase());
        assertThat(loaded.config().path("kept")).isEqualTo(adapter.config().path("kept"));
        assertThat(FiniteDifferences.maxDifference(logits(model), logits(TinyModels.llama(F32, 3)))).as("the update acts").isGreaterThan(1e-4);

        loaded.mergeAndUnload(ModulePaths.decoder(fresh));
        assertThat(ModulePaths.decoder(fresh).values()).allMatch(l -> l.weight() instanceof DenseWeight);
        assertThat(FiniteDifferences.maxDifference(logits(fresh), expected)).as("merged").isLessThan(1e-4);
    }

    @Test
    void mergedWeightIsTheBasePlusTheSparseDelta() {
        LlamaModel model = TinyModels.llama(F32, 3);
        VariantAdapter adapter = trainedLike("snell:sparsity=0.75", model);
        Map<String, Linear> modules = ModulePaths.decoder(model);
        Map<String, Tensor> bases = new LinkedHashMap<>(), deltas = new LinkedHashMap<>();
        adapter.layers().forEach((path, layer) -> {
            bases.put(path, modules.get(path).weight().toDense());
            deltas.put(path, layer.delta());
            SnellWeight w = (SnellWeight) layer;
            assertThat(w.nonZeros()).isEqualTo(Competition.keptCount(0.75, (long) w.inFeatures() * w.outFeatures()));
        });
        adapter.attach(modules);
        adapter.mergeAndUnload(modules);
        adapter.layers().keySet().forEach(path -> {
            Tensor merged = modules.get(path).weight().toDense(), expected = bases.get(path).copy();
            for (int i = 0; i < expected.size(); i++) {
                expected.set(i, expected.get(i) + deltas.get(path).get(i));
            }
            assertThat(FiniteDifferences.maxDifference(merged, expected)).isLessThan(1e-7);
        });
    }

    @Test
    void budgetsSizeTheAdapterAndStorageIsAccounted() {
        LlamaModel model = TinyModels.llama(F32, 3);
        List<String> qv = List.of("q_proj", "v_proj"); // 2 layers of 16x16 and 2 of 8x16: Σ(in + out) = 112
        assertThat(create("snell:budget=1000", model, qv).trainableCount()).isEqualTo(8L * 112); // q = 8 (1000 / 112 = 8.9)
        assertThat(create("snell:budget=1000:heads=3", model, qv).trainableCount()).isEqualTo(6L * 112); // a multiple of 3
        assertThat(create("snella:budget=1000", model, qv).trainableCount()).isEqualTo(8L * 112 + 12); // + α, γ, β per layer
        assertThat(create("snella:budget=907", model, qv).trainableCount()).isEqualTo(6L * 112 + 12); // 8·112 + 12 = 908 > 907
        String line = create("snell:rank=4:sparsity=0.9", model, qv).report().get(0);
        assertThat(line).contains("keeps 78 of 768 entries") // 2·⌈25.6⌉ + 2·⌈12.8⌉
                .contains("stores 448 float32 values (1,792 bytes").contains("624 bytes for the kept");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"snell:budget=10", "snella:budget=200"})
    void aBudgetNoLayerCanMeetIsRefusedInOneLine(String spec) {
        LlamaModel model = TinyModels.llama(F32, 3);
        assertThatThrownBy(() -> create(spec, model, List.of("q_proj", "v_proj"))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("budget of").hasMessageContaining("costs 2").hasMessageNotContaining("\n");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"snell:sparsity=1", "snell:rank=3", "snell:sparsty=0.5", "snella:target-sparsity=-0.1", "snella:rank=5:heads=2",
        "snella:beta1=1", "snell:coefficient=0", "snella:sparsity=0.5"})
    void badOptionsAreRefusedInOneLine(String spec) {
        LlamaModel model = TinyModels.llama(F32, 3);
        assertThatThrownBy(() -> create(spec, model, NAMES)).isInstanceOf(IllegalArgumentException.class).hasMessageNotContaining("\n")
                .satisfies(e -> System.out.println(spec + " -> " + e.getMessage()));
    }

    @Test
    void aFolderOfAnotherShapeOrWithoutItsFieldsIsRefused(@TempDir Path dir) throws IOException {
        LlamaModel model = TinyModels.llama(F32, 3);
        VariantFolder.write(dir, trainedLike("snell", model), NAMES, "tiny");
        var stored = VariantFolder.read(dir);
        stored.fields().remove("heads");
        assertThatThrownBy(() -> VariantFolder.apply(stored, ModulePaths.decoder(TinyModels.llama(F32, 3)), F32))
                .hasMessageContaining("SNELL config needs").hasMessageNotContaining("\n");
        assertThat(VariantFolder.read(dir).variant().describe(VariantFolder.read(dir).fields(), VariantFolder.read(dir).tensors()).get(0))
                .contains("SNELL, q = 4 over 2 heads").contains("entries of ΔW kept");
    }
}
