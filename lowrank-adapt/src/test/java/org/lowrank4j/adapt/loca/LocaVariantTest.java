package org.lowrank4j.adapt.loca;

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
import org.lowrank4j.adapt.FiniteDifferences;
import org.lowrank4j.adapt.TinyModels;
import org.lowrank4j.adapt.lora.ModulePaths;
import org.lowrank4j.adapt.variant.AdapterVariants;
import org.lowrank4j.adapt.variant.StoredTensor;
import org.lowrank4j.adapt.variant.VariantAdapter;
import org.lowrank4j.adapt.variant.VariantFolder;
import org.lowrank4j.adapt.variant.VariantLayer;
import org.lowrank4j.adapt.variant.VariantSpec;
import org.lowrank4j.nn.arch.llama.LlamaModel;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;

/** LoCA on the tiny decoder: folder round trip, merge, its own stepping of the two groups, sizing and refusals. */
class LocaVariantTest {
    private static final Precision F32 = Precision.FLOAT32;
    private static final int[] TOKENS = {72, 101, 108, 108, 111, 32, 119, 111, 114, 108, 100};

    private static Map<String, Linear> targets(LlamaModel model, String... names) {
        Map<String, Linear> out = new LinkedHashMap<>();
        ModulePaths.decoder(model).forEach((path, linear) -> {
            for (String n : names) {
                if (path.endsWith("." + n)) {
                    out.put(path, linear);
                }
            }
        });
        return out;
    }

    private static VariantAdapter create(LlamaModel model, String spec) {
        return AdapterVariants.byName("loca").create(targets(model, "q_proj", "v_proj", "o_proj"), VariantSpec.parse(spec), 4, 8, 7, F32);
    }

    @Test
    void saveLoadForwardReproducesTheLogitsAndMergingGivesTheSameModel(@TempDir Path dir) throws IOException {
        LlamaModel model = TinyModels.llama(F32, 3);
        VariantAdapter adapter = create(model, "loca:frequencies=20:scale=1.5");
        Random random = new Random(5);
        for (VariantLayer layer : adapter.layers().values()) {
            LocaWeight w = (LocaWeight) layer;
            for (int t = 0; t < w.frequencies(); t++) {
                w.coefficients().value().set(t, 0.3 * random.nextGaussian());
            }
            w.locations().value().set(0, 1.2); // outside [0, 0.999]: clamped to the last grid row
        }
        adapter.attach(ModulePaths.decoder(model));
        Tensor expected = model.forward(TOKENS, 1, TOKENS.length);
        VariantFolder.write(dir, adapter, List.of("q_proj", "v_proj", "o_proj"), "tiny");

        VariantFolder.Stored stored = VariantFolder.read(dir);
        assertThat(stored.root().get("peft_type").asText()).isEqualTo("LOWRANK4J_LOCA");
        assertThat(stored.storedValues()).isEqualTo(adapter.trainableCount()).isEqualTo(3L * 20 * adapter.layers().size());
        LlamaModel fresh = TinyModels.llama(F32, 3);
        VariantAdapter loaded = VariantFolder.apply(stored, ModulePaths.decoder(fresh), F32);
        double diff = FiniteDifferences.maxDifference(fresh.forward(TOKENS, 1, TOKENS.length), expected);
        System.out.printf("loca: save -> load -> forward max |logit difference| %.2e, %,d bytes on disk%n", diff, VariantFolder.bytesOnDisk(dir));
        assertThat(diff).isLessThanOrEqualTo(1e-6);
        assertThat(FiniteDifferences.maxDifference(expected, TinyModels.llama(F32, 3).forward(TOKENS, 1, TOKENS.length))).as("the update acts")
                .isGreaterThan(1e-4);
        assertThat(stored.variant().describe(stored.fields(), stored.tensors()).get(0)).contains("LoCA").contains("120 frequencies");

        loaded.mergeAndUnload(ModulePaths.decoder(fresh));
        assertThat(ModulePaths.decoder(fresh).values()).allMatch(l -> l.weight() instanceof org.lowrank4j.nn.weight.DenseWeight);
        assertThat(FiniteDifferences.maxDifference(fresh.forward(TOKENS, 1, TOKENS.length), expected)).as("merged").isLessThan(1e-4);
    }

    @Test
    void afterEachStepOnlyTheGroupThatHadItsGradientMovesAndTheRunsAdamWStepsNothing() {
        LlamaModel model = TinyModels.llama(F32, 3);
        VariantAdapter adapter = create(model, "loca:frequencies=6:location-steps=10:cycle=2:cycle-coef=1:location-lr=1e-2");
        adapter.attach(ModulePaths.decoder(model));
        assertThat(adapter.optimizerParameters()).isEmpty();
        assertThat(adapter.parameters()).hasSize(2 * adapter.layers().size());
        LocaWeight w = (LocaWeight) adapter.layers().values().iterator().next();
        int[][] tokens = {{72, 101, 108, 108, 111, 32}}, next = {{101, 108, 108, 111, 32, 119}};
        org.lowrank4j.nn.train.LanguageModel lm = new org.lowrank4j.nn.arch.llama.LlamaLanguageModel(model);
        for (int step = 0; step < 3; step++) {
            adapter.parameters().forEach(p -> p.zeroGradient());
            Tensor a0 = w.coefficients().value().copy(), l0 = w.locations().value().copy();
            lm.lossAndBackward(tokens, next);
            adapter.afterStep(step, 3, 1e-2, 1e-2);
            boolean aMoved = FiniteDifferences.maxDifference(a0, w.coefficients().value()) > 0;
            boolean lMoved = FiniteDifferences.maxDifference(l0, w.locations().value()) > 0;
            // pass 0 and 2: coefficients (0: always; 2 % 2 < 1); pass 1: locations
            assertThat(aMoved).as("coefficients moved at step " + step).isEqualTo(step != 1);
            assertThat(lMoved).as("locations moved at step " + step).isEqualTo(step == 1);
        }
        assertThat(adapter.report().get(0)).contains("training passes 3").contains("until pass 10");
    }

    @Test
    void aBudgetSizesTheFrequenciesAndBadOptionsAreRefusedInOneLine() {
        LlamaModel model = TinyModels.llama(F32, 3);
        Map<String, Linear> t = targets(model, "q_proj", "v_proj"); // 4 layers
        VariantAdapter sized = AdapterVariants.byName("loca").create(t, VariantSpec.parse("loca:budget=130"), 4, 8, 7, F32);
        assertThat(sized.trainableCount()).isEqualTo(4L * 3 * 10); // 130 / 12 = 10 frequencies per layer
        assertThatThrownBy(() -> AdapterVariants.byName("loca").create(t, VariantSpec.parse("loca:budget=11"), 4, 8, 7, F32))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("budget of 11").hasMessageContaining("costs 12")
                .hasMessageNotContaining("\n");
        assertThatThrownBy(() -> AdapterVariants.byName("loca").create(t, VariantSpec.parse("loca:frequency=4"), 4, 8, 7, F32))
                .hasMessageContaining("no option 'frequency'").hasMessageNotContaining("\n");
        assertThatThrownBy(() -> AdapterVariants.byName("loca").create(t, VariantSpec.parse("loca:frequencies=300"), 4, 8, 7, F32))
                .hasMessageContaining("more than the 256 entries").hasMessageNotContaining("\n");
        assertThatThrownBy(() -> AdapterVariants.byName("loca").create(t, VariantSpec.parse("loca:cycle=3:cycle-coef=4"), 4, 8, 7, F32))
                .hasMessageContaining("cycle-coef <= cycle");
    }

    @Test
    void aFolderWhoseIndicesDoNotFitTheModelIsRefusedInOneLine(@TempDir Path dir) throws IOException {
        LlamaModel model = TinyModels.llama(F32, 3);
        VariantFolder.write(dir, create(model, "loca:frequencies=3"), List.of("q_proj"), "tiny");
        VariantFolder.Stored stored = VariantFolder.read(dir);
        Map<String, Map<String, StoredTensor>> tensors = new LinkedHashMap<>(stored.tensors());
        String first = tensors.keySet().iterator().next();
        Map<String, StoredTensor> m = new LinkedHashMap<>(tensors.get(first));
        m.put(LocaVariant.INDEX, new StoredTensor(new int[] {2, 3}, new float[] {0, 1, 99, 0, 0, 0}));
        tensors.put(first, m);
        assertThatThrownBy(() -> stored.variant().read(stored.fields(), tensors, ModulePaths.decoder(TinyModels.llama(F32, 3)), F32))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(first + ".loca_index holds 99.0").hasMessageNotContaining("\n");
    }
}
