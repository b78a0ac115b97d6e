package org.lowrank4j.adapt.variant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.lowrank4j.adapt.FiniteDifferences;
import org.lowrank4j.adapt.TinyModels;
import org.lowrank4j.adapt.lora.ModulePaths;
import org.lowrank4j.adapt.peft.PeftFolder;
import org.lowrank4j.adapt.sora.SoraWeight;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.arch.llama.LlamaModel;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;

/**
 * Every variant on the tiny decoder (one table, as PEFT's contract tests): save → load → forward reproduces the
 * logits to 1e-6, merging gives the same model, and bad folders and options fail in one line.
 */
class VariantFolderTest {
    private static final Precision F32 = Precision.FLOAT32;
    private static final int[] TOKENS = {72, 101, 108, 108, 111, 32, 119, 111, 114, 108, 100};

    private static Tensor logits(LlamaModel model) {
        return model.forward(TOKENS, 1, TOKENS.length);
    }

    private static Map<String, Linear> targets(LlamaModel model, String... names) {
        Map<String, Linear> all = ModulePaths.decoder(model), out = new LinkedHashMap<>();
        all.forEach((path, linear) -> {
            for (String n : names) {
                if (path.endsWith("." + n)) {
                    out.put(path, linear);
                }
            }
        });
        return out;
    }

    /** A fresh adapter with every trained value made non-zero (and, for SoRA, a third of the gates zero). */
    private static VariantAdapter trainedLike(String spec, LlamaModel model) {
        VariantAdapter adapter = AdapterVariants.byName(VariantSpec.parse(spec).name())
                .create(targets(model, "q_proj", "v_proj", "o_proj"), VariantSpec.parse(spec), 4, 8, 7, F32);
        Random random = new Random(5);
        for (Parameter p : adapter.parameters()) {
            for (int i = 0; i < p.size(); i++) {
                p.value().set(i, 0.3 * random.nextGaussian());
            }
        }
        for (VariantLayer layer : adapter.layers().values()) {
            if (layer instanceof SoraWeight s) {
                s.gate().value().set(1, 0);
            }
        }
        return adapter;
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"nola:basis=9", "nola:basis-a=5:basis-b=3:rank=2", "sora", "sora:rank=3", "salt", "salt:rank=2:lora-rank=3",
        "loldu", "loldu:rank=2"})
    void saveLoadForwardReproducesTheOutputs(String spec, @TempDir Path dir) throws IOException {
        LlamaModel model = TinyModels.llama(F32, 3);
        VariantAdapter adapter = trainedLike(spec, model);
        adapter.attach(ModulePaths.decoder(model));
        Tensor expected = logits(model);
        VariantFolder.write(dir, adapter, List.of("q_proj", "v_proj", "o_proj"), "tiny");

        LlamaModel fresh = TinyModels.llama(F32, 3);
        VariantAdapter loaded = VariantFolder.apply(VariantFolder.read(dir), ModulePaths.decoder(fresh), F32);
        double diff = FiniteDifferences.maxDifference(logits(fresh), expected);
        System.out.printf("%s: save -> load -> forward max |logit difference| %.2e, %,d bytes on disk%n", spec, diff, VariantFolder.bytesOnDisk(dir));
        assertThat(diff).isLessThanOrEqualTo(1e-6);
        assertThat(loaded.variant().peftType()).isEqualTo(adapter.variant().peftType());
        assertThat(FiniteDifferences.maxDifference(logits(model), logits(TinyModels.llama(F32, 3)))).as("the update acts")
                .isGreaterThan(1e-4);

        loaded.mergeAndUnload(ModulePaths.decoder(fresh));
        assertThat(ModulePaths.decoder(fresh).values()).allMatch(l -> l.weight() instanceof org.lowrank4j.nn.weight.DenseWeight);
        assertThat(FiniteDifferences.maxDifference(logits(fresh), expected)).as("merged").isLessThan(1e-4);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"salt", "loldu", "snell"})
    void anAdapterForAnotherBaseNamesTheTensorWhoseShapeDiffers(String spec, @TempDir Path dir) throws IOException {
        LlamaModel model = TinyModels.llama(F32, 3);
        VariantFolder.write(dir, trainedLike(spec, model), List.of("q_proj", "v_proj", "o_proj"), "tiny");
        assertThatThrownBy(() -> VariantFolder.apply(VariantFolder.read(dir), ModulePaths.decoder(TinyModels.wider(F32)), F32))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("adapter tensor ").hasMessageContaining(" has shape ")
                .hasMessageContaining("the adapter was made for another base model").hasMessageNotContaining("\n");
    }

    @Test
    void soraSavesOnlyTheRanksWhoseGateIsNotZero(@TempDir Path dir) throws IOException {
        LlamaModel model = TinyModels.llama(F32, 3);
        VariantAdapter adapter = trainedLike("sora", model);
        SoraWeight first = (SoraWeight) adapter.layers().values().iterator().next();
        for (int j = 0; j < first.rank(); j++) {
            first.gate().value().set(j, 0); // a layer with no rank left is left out of the file
        }
        VariantFolder.write(dir, adapter, List.of("q_proj", "v_proj", "o_proj"), "tiny");
        VariantFolder.Stored stored = VariantFolder.read(dir);
        assertThat(stored.tensors()).hasSize(adapter.layers().size() - 1);
        for (Map<String, StoredTensor> t : stored.tensors().values()) {
            assertThat(t.get("sora_gate").shape()).containsExactly(3);
            assertThat(t.get("sora_A").shape()[0]).isEqualTo(3);
        }
        assertThat(adapter.report().get(0)).isEqualTo("SoRA ranks kept: " + (3 * (adapter.layers().size() - 1)) + " of " + 4 * adapter.layers().size());
        assertThat(stored.variant().describe(stored.fields(), stored.tensors()).get(0)).contains("kept after pruning");
    }

    @Test
    void nolaStoresFarLessThanItsRank(@TempDir Path dir) throws IOException {
        LlamaModel model = TinyModels.llama(F32, 3);
        VariantAdapter adapter = trainedLike("nola:basis=4", model);
        VariantFolder.write(dir, adapter, List.of("q_proj", "v_proj", "o_proj"), "tiny");
        assertThat(VariantFolder.read(dir).storedValues()).isEqualTo(adapter.trainableCount()).isEqualTo(8L * adapter.layers().size());
    }

    @Test
    void aNolaFolderOfAnotherGeneratorVersionIsRefusedInOneLine(@TempDir Path dir) throws IOException {
        LlamaModel model = TinyModels.llama(F32, 3);
        VariantFolder.write(dir, trainedLike("nola:basis=4", model), List.of("q_proj"), "tiny");
        Path config = dir.resolve(PeftFolder.CONFIG);
        ObjectNode root = (ObjectNode) new ObjectMapper().readTree(config.toFile());
        ((ObjectNode) root.get("lowrank4j")).put("generator_version", 2);
        Files.writeString(config, root.toString());
        assertThatThrownBy(() -> VariantFolder.apply(VariantFolder.read(dir), ModulePaths.decoder(TinyModels.llama(F32, 3)), F32))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("generator version 2").hasMessageContaining("version 1 only")
                .hasMessageNotContaining("\n");
    }

    /** "adapter_config.json: a NOLA config needs r >= 1 …" named no folder, and inspect (describe) printed r = 0 as it was. */
    @Test
    void aNolaConfigOfRankZeroIsRefusedNamingTheFolderWithOrWithoutAModel(@TempDir Path dir) throws IOException {
        LlamaModel model = TinyModels.llama(F32, 3);
        VariantFolder.write(dir, trainedLike("nola:basis=4", model), List.of("q_proj"), "tiny");
        Path config = dir.resolve(PeftFolder.CONFIG);
        ObjectNode root = (ObjectNode) new ObjectMapper().readTree(config.toFile());
        ((ObjectNode) root.get("lowrank4j")).put("r", 0);
        Files.writeString(config, root.toString());
        VariantFolder.Stored stored = VariantFolder.read(dir);
        assertThatThrownBy(() -> VariantFolder.describe(stored)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("adapter folder " + dir + ": adapter_config.json: a NOLA config needs r >= 1, a finite lora_alpha and"
                        + " seeds per module; it has r = 0, lora_alpha = 8.0, seeds for ");
        assertThatThrownBy(() -> VariantFolder.apply(stored, ModulePaths.decoder(TinyModels.llama(F32, 3)), F32))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("adapter folder " + dir + ": adapter_config.json: a NOLA config")
                .hasMessageNotContaining("\n");
    }

    @Test
    void aConfigNamingAnUnknownVariantIsRefusedInOneLine(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve(PeftFolder.CONFIG), "{\"peft_type\": \"LOWRANK4J_FANCY\", \"target_modules\": [\"q_proj\"]}");
        assertThatThrownBy(() -> VariantFolder.read(dir)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("LOWRANK4J_FANCY").hasMessageContaining("unknown adapter variant").hasMessageContaining("LOWRANK4J_NOLA");
        assertThatThrownBy(() -> AdapterVariants.byName("fancy")).hasMessageContaining("unknown adapter variant 'fancy'")
                .hasMessageContaining("nola, sora");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"sora:budget=40", "nola:budget=5"})
    void aBudgetNoLayerCanMeetIsRefusedInOneLine(String spec) {
        LlamaModel model = TinyModels.llama(F32, 3);
        assertThatThrownBy(() -> AdapterVariants.byName(VariantSpec.parse(spec).name())
                .create(targets(model, "q_proj", "v_proj"), VariantSpec.parse(spec), 4, 8, 7, F32))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("budget of").hasMessageNotContaining("\n");
    }

    @Test
    void aBudgetSizesTheAdapter() {
        LlamaModel model = TinyModels.llama(F32, 3);
        Map<String, Linear> t = targets(model, "q_proj", "v_proj"); // 2 layers of 16x16 and 2 of 8x16
        VariantAdapter sora = AdapterVariants.byName("sora").create(t, VariantSpec.parse("sora:budget=300"), 4, 8, 7, F32);
        assertThat(sora.trainableCount()).isEqualTo(2L * (2 * 33 + 2 * 25)).isLessThanOrEqualTo(300); // r = 300 / 116 = 2
        VariantAdapter nola = AdapterVariants.byName("nola").create(t, VariantSpec.parse("nola:budget=100"), 4, 8, 7, F32);
        assertThat(nola.trainableCount()).isEqualTo(96); // 12 + 12 per layer
        assertThatThrownBy(() -> AdapterVariants.byName("sora").create(t, VariantSpec.parse("sora:rnak=2"), 4, 8, 7, F32))
                .hasMessageContaining("no option 'rnak'");
    }
}
