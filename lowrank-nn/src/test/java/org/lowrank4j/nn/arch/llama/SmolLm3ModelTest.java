package org.lowrank4j.nn.arch.llama;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.lowrank4j.formats.hf.HfConfig;
import org.lowrank4j.nn.GradientCheck;
import org.lowrank4j.nn.tensor.Precision;

/** SmolLM3 in the LLaMA-family runtime: which layers go without RoPE, which slide, and what a NoPE layer computes. */
class SmolLm3ModelTest {
    private static final Precision F64 = Precision.FLOAT64;

    /** SmolLM3: C = 8, 4 heads over 2 key/value heads, 4 layers, V = 11, tied; {@code extra} adds fields. */
    static HfConfig tinySmolLm3(String extra) {
        return HfConfig.parse("{\"model_type\": \"smollm3\", \"hidden_size\": 8, \"intermediate_size\": 12, \"num_hidden_layers\": 4,"
                + " \"num_attention_heads\": 4, \"num_key_value_heads\": 2, \"vocab_size\": 11, \"max_position_embeddings\": 32,"
                + " \"rope_theta\": 5000000.0" + extra + "}", "smollm3 test config");
    }

    private static boolean[] withRope(LlamaModel model) {
        boolean[] out = new boolean[model.config().numHiddenLayers()];
        for (int i = 0; i < out.length; i++) {
            out[i] = model.block(i).attention().rope() != null;
        }
        return out;
    }

    @Test
    void everyFourthLayerGoesWithoutRopeUnlessTheConfigListsTheLayers() {
        LlamaModel byDefault = LlamaModel.create(tinySmolLm3(""), F64);
        assertThat(withRope(byDefault)).containsExactly(true, true, true, false);
        assertThat(byDefault.block(0).attention().rope()).isSameAs(byDefault.block(2).attention().rope());
        assertThat(withRope(LlamaModel.create(tinySmolLm3(", \"no_rope_layer_interval\": 2"), F64))).containsExactly(true, false, true, false);
        // a 1 means RoPE, a 0 none, whatever the field's name says
        assertThat(withRope(LlamaModel.create(tinySmolLm3(", \"no_rope_layers\": [0, 1, 1, 0]"), F64))).containsExactly(false, true, true, false);
        // the config class's RoPE base when the file gives none is 2·10⁶
        assertThat(HfConfig.parse(tinySmolLm3("").raw().without("rope_theta").toString(), "t").ropeTheta()).isEqualTo(2_000_000.0);
        // a LLaMA config keeps RoPE everywhere, whatever stray field it carries
        assertThat(withRope(LlamaModel.create(HfConfig.parse(LlamaModelTest.tiny().raw().put("no_rope_layer_interval", 1).toString(), "t"), F64)))
                .containsOnly(true);
    }

    @Test
    void theNoRopeLayersSlideOnlyWhenTheConfigSwitchesTheWindowOn() {
        assertThat(LlamaModelTest.windows(LlamaModel.create(tinySmolLm3(", \"sliding_window\": 3"), F64))).containsOnly(0);
        assertThat(LlamaModelTest.windows(LlamaModel.create(tinySmolLm3(", \"use_sliding_window\": true, \"sliding_window\": 3"), F64)))
                .containsExactly(0, 0, 0, 3);
        assertThat(LlamaModelTest.windows(LlamaModel.create(tinySmolLm3(", \"use_sliding_window\": true, \"sliding_window\": 3, \"layer_types\":"
                + " [\"sliding_attention\", \"full_attention\", \"full_attention\", \"full_attention\"]"), F64))).containsExactly(3, 0, 0, 0);
        assertThat(LlamaModelTest.windows(LlamaModel.create(tinySmolLm3(", \"use_sliding_window\": true, \"sliding_window\": null"), F64))).containsOnly(0);
    }

    @Test
    void withoutRopeTheLastPositionSeesItsPastAsASet() {
        // one layer without RoPE: the last position attends to the earlier tokens' keys and values, each a function of its token
        // alone, so its logits do not change when those tokens are shuffled; with RoPE they do
        int[] ids = LlamaModelTest.ids(7, 11, 3), shuffled = ids.clone();
        shuffled[0] = ids[4];
        shuffled[4] = ids[0];
        shuffled[1] = ids[2];
        shuffled[2] = ids[1];
        assertThat(shuffled).isNotEqualTo(ids);
        LlamaModel nope = LlamaModel.create(oneLayer("[0]"), F64);
        GradientCheck.randomize(nope, new Random(4), 0.5);
        assertThat(LlamaModelTest.maxDifference(LlamaModelTest.lastRow(nope, ids), LlamaModelTest.lastRow(nope, shuffled))).isLessThan(1e-12);
        LlamaModel roped = LlamaModel.create(oneLayer("[1]"), F64);
        GradientCheck.randomize(roped, new Random(4), 0.5);
        assertThat(LlamaModelTest.maxDifference(LlamaModelTest.lastRow(roped, ids), LlamaModelTest.lastRow(roped, shuffled))).isGreaterThan(1e-6);
    }

    private static HfConfig oneLayer(String flags) {
        return HfConfig.parse(tinySmolLm3(", \"no_rope_layers\": " + flags).raw().put("num_hidden_layers", 1).toString(), "t");
    }

    @Test
    void gradientsAndCachedDecodingHoldWithNoRopeAndWindowedLayers() {
        HfConfig config = tinySmolLm3(", \"no_rope_layer_interval\": 2, \"use_sliding_window\": true, \"sliding_window\": 3");
        LlamaModelTest.gradientCheck("SmolLM3 (layers 1 and 3 without RoPE, sliding over 3)", LlamaModel.create(config, F64), 6);
        assertThat(LlamaModelTest.cachedDecodingError(config)).isLessThan(1e-12);
        assertThat(LlamaModelTest.cachedDecodingError(tinySmolLm3(""))).isLessThan(1e-12);
    }

    @Test
    void narrowedBlocksKeepTheirLayersWithoutRope() {
        LlamaModel narrowed = new LlamaModel(tinySmolLm3(""), F64, false, java.util.Collections.nCopies(4, BlockShape.full(12, 2, 2)));
        assertThat(withRope(narrowed)).containsExactly(true, true, true, false);
    }

    @Test
    void malformedFlagsAreRefusedNamingTheField() {
        assertThatThrownBy(() -> LlamaModel.create(tinySmolLm3(", \"no_rope_layers\": [1, 1, 0]"), F64))
                .hasMessageContaining("no_rope_layers must list a 0 or 1 for each of the 4 layers");
        assertThatThrownBy(() -> LlamaModel.create(tinySmolLm3(", \"no_rope_layers\": [1, 2, 1, 0]"), F64))
                .hasMessageContaining("no_rope_layers[1] = 2");
        assertThatThrownBy(() -> LlamaModel.create(tinySmolLm3(", \"no_rope_layer_interval\": 0"), F64))
                .hasMessageContaining("no_rope_layer_interval must be at least 1");
        assertThatThrownBy(() -> LlamaModel.create(tinySmolLm3(", \"use_sliding_window\": true, \"sliding_window\": -2"), F64))
                .hasMessageContaining("sliding_window");
    }
}
