package org.lowrank4j.adapt.flora;

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
import org.lowrank4j.adapt.variant.HeadLayout;
import org.lowrank4j.adapt.variant.VariantAdapter;
import org.lowrank4j.adapt.variant.VariantFolder;
import org.lowrank4j.adapt.variant.VariantLayer;
import org.lowrank4j.adapt.variant.VariantSpec;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.arch.llama.LlamaModel;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.weight.DenseWeight;

/**
 * FLoRA on the tiny decoder (hidden 16, 4 query heads and 2 key/value heads of size 4): the heads view from the model's
 * config, save → load → forward to 1e-6, merge, budget sizing, and the one-line refusals.
 */
class FloraVariantTest {
    private static final Precision F32 = Precision.FLOAT32;
    private static final int[] TOKENS = {72, 101, 108, 108, 111, 32, 119, 111, 114, 108, 100};
    private static final List<String> ATTENTION = List.of("q_proj", "k_proj", "v_proj", "o_proj");

    private static Map<String, Linear> targets(LlamaModel model, List<String> names) {
        Map<String, Linear> out = new LinkedHashMap<>();
        ModulePaths.decoder(model).forEach((path, linear) -> {
            if (names.stream().anyMatch(n -> path.endsWith("." + n))) {
                out.put(path, linear);
            }
        });
        return out;
    }

    private static VariantAdapter create(LlamaModel model, List<String> names, String spec) {
        return AdapterVariants.byName("flora").create(targets(model, names), HeadLayout.decoder(model), VariantSpec.parse(spec), 4, 8, 7, F32);
    }

    @Test
    void theHeadsViewSplitsQueryKeyValueRowsAndOutputColumnsByTheConfigsHeads() {
        LlamaModel model = TinyModels.llama(F32, 3);
        VariantAdapter adapter = create(model, ATTENTION, "flora:view=heads:ranks=2,3,4");
        Map<String, VariantLayer> layers = adapter.layers();
        FloraWeight q = (FloraWeight) layers.get("model.layers.0.self_attn.q_proj");
        FloraWeight k = (FloraWeight) layers.get("model.layers.0.self_attn.k_proj");
        FloraWeight o = (FloraWeight) layers.get("model.layers.0.self_attn.o_proj");
        assertThat(q.view().sizes()).containsExactly(4, 4, 16);
        assertThat(q.ranks()).containsExactly(2, 3, 4);
        assertThat(k.view().sizes()).containsExactly(2, 4, 16); // 2 key/value heads
        assertThat(o.view().labels()).containsExactly("out", "heads", "head_dim");
        assertThat(o.view().sizes()).containsExactly(16, 4, 4);
        assertThat(o.ranks()).containsExactly(4, 2, 3); // written heads, head_dim, channels
        assertThat(adapter.trainableCount()).isEqualTo(2L * (2 * (24 + 8 + 12 + 64) + 2 * (24 + 4 + 12 + 64)));
        assertThat(core(q)).isZero();
        double std = 0;
        for (int i = 0; i < q.factors().get(2).size(); i++) {
            std += Math.pow(q.factors().get(2).value().get(i), 2);
        }
        assertThat(Math.sqrt(std / q.factors().get(2).size())).as("kaiming-normal(a=√3): 1/sqrt(2·4)").isBetween(0.25, 0.45);
    }

    private static double core(FloraWeight w) {
        return w.core().value().norm();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"flora", "flora:ranks=3,2:scale=0.5", "flora:view=heads:rank=3", "flora:view=heads:heads=2:ranks=2,2,3"})
    void saveLoadForwardReproducesTheOutputsAndMergeEqualsTheBranch(String spec, @TempDir Path dir) throws IOException {
        LlamaModel model = TinyModels.llama(F32, 3);
        VariantAdapter adapter = create(model, ATTENTION, spec);
        Random random = new Random(5);
        for (Parameter p : adapter.parameters()) {
            for (int i = 0; i < p.size(); i++) {
                p.value().set(i, 0.3 * random.nextGaussian());
            }
        }
        adapter.attach(ModulePaths.decoder(model));
        Tensor expected = model.forward(TOKENS, 1, TOKENS.length);
        VariantFolder.write(dir, adapter, ATTENTION, "tiny");

        LlamaModel fresh = TinyModels.llama(F32, 3);
        VariantFolder.Stored stored = VariantFolder.read(dir);
        VariantAdapter loaded = VariantFolder.apply(stored, ModulePaths.decoder(fresh), F32);
        double diff = FiniteDifferences.maxDifference(fresh.forward(TOKENS, 1, TOKENS.length), expected);
        System.out.printf("%s: save -> load -> forward max |logit difference| %.2e, %,d values, %,d bytes on disk%n", spec, diff,
                stored.storedValues(), VariantFolder.bytesOnDisk(dir));
        assertThat(diff).isLessThanOrEqualTo(1e-6);
        assertThat(stored.storedValues()).isEqualTo(adapter.trainableCount());
        assertThat(loaded.variant().peftType()).isEqualTo("LOWRANK4J_FLORA");
        assertThat(FiniteDifferences.maxDifference(expected, TinyModels.llama(F32, 3).forward(TOKENS, 1, TOKENS.length))).as("the update acts")
                .isGreaterThan(1e-4);
        assertThat(stored.variant().describe(stored.fields(), stored.tensors()).get(0)).startsWith("FLoRA, view");

        Map<String, Tensor> merged = new LinkedHashMap<>();
        loaded.layers().forEach((path, layer) -> merged.put(path, layer.toDense()));
        loaded.mergeAndUnload(ModulePaths.decoder(fresh));
        for (Map.Entry<String, Tensor> e : merged.entrySet()) {
            Linear linear = ModulePaths.decoder(fresh).get(e.getKey());
            assertThat(linear.weight()).isInstanceOf(DenseWeight.class);
            assertThat(FiniteDifferences.maxDifference(linear.weight().toDense(), e.getValue())).as("merged = base + ΔW").isZero();
        }
        assertThat(FiniteDifferences.maxDifference(fresh.forward(TOKENS, 1, TOKENS.length), expected)).as("merged model").isLessThan(1e-4);
    }

    @Test
    void aBudgetGivesTheLargestUniformRankThatFits() {
        LlamaModel model = TinyModels.llama(F32, 3);
        // matrix view of q, v (16x16, 8x16) over 2 blocks: rank r costs 2·(r² + 32r) + 2·(r² + 24r)
        VariantAdapter matrix = create(model, List.of("q_proj", "v_proj"), "flora:budget=500");
        assertThat(matrix.trainableCount()).isEqualTo(4L * 9 + 2 * 32 * 3 + 2 * 24 * 3); // r = 3: 372 (r = 4 costs 512)
        assertThat(create(model, List.of("q_proj", "v_proj"), "flora:budget=512").trainableCount()).isEqualTo(512);
        // heads view, rank 3: q [4,4,16] -> ranks 3,3,3; v [2,4,16] -> ranks 2,3,3 (rank 4 costs 552)
        VariantAdapter heads = create(model, List.of("q_proj", "v_proj"), "flora:view=heads:budget=400");
        long q = 27 + 12 + 12 + 48, v = 18 + 4 + 12 + 48;
        assertThat(heads.trainableCount()).isEqualTo(2 * (q + v));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
        "flora:budget=100|a budget of 100 trainable values gives no layer rank 1",
        "flora:view=heads:ranks=3,4,4|rank 3 of mode heads is above its size 2 in model.layers.0.self_attn.k_proj",
        "flora:ranks=17,2|rank 17 of mode out is above its size 16",
        "flora:view=heads:heads=3|model.layers.0.self_attn.q_proj's out dim 16 is not divisible by 3 heads",
        "flora:view=heads:ranks=2,2|ranks gives 2 values but model.layers.0.self_attn.q_proj is viewed as",
        "flora:ranks=2,x|ranks must be whole numbers >= 1",
        "flora:rank=2:budget=900|give one of ranks, rank and budget",
        "flora:heads=2|heads=N applies to view=heads only",
        "flora:view=tensor|view must be one of",
        "flora:rnak=2|flora has no option 'rnak'"})
    void badOptionsAreRefusedInOneLine(String row) {
        String[] parts = row.split("\\|");
        LlamaModel model = TinyModels.llama(F32, 3);
        assertThatThrownBy(() -> create(model, ATTENTION, parts[0])).isInstanceOf(IllegalArgumentException.class).hasMessageContaining(parts[1])
                .hasMessageNotContaining("\n");
    }

    @Test
    void theHeadsViewOfALinearThatIsNoAttentionProjectionNeedsAHeadCount() {
        LlamaModel model = TinyModels.llama(F32, 3);
        assertThatThrownBy(() -> create(model, List.of("up_proj"), "flora:view=heads:rank=2")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("mlp.up_proj is not an attention projection of known heads");
        FloraWeight up = (FloraWeight) create(model, List.of("up_proj"), "flora:view=heads:heads=8:rank=2").layers().values().iterator().next();
        assertThat(up.view().sizes()).containsExactly(8, 3, 16); // 24 rows as 8 heads of 3
        assertThatThrownBy(() -> AdapterVariants.byName("flora").create(targets(model, ATTENTION), VariantSpec.parse("flora:view=heads"), 4, 8, 7, F32))
                .hasMessageContaining("not an attention projection of known heads");
    }
}
