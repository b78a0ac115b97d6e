package org.lowrank4j.nn.arch.llama;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank4j.formats.hf.HfConfig;
import org.lowrank4j.formats.safetensors.SafetensorsModel;
import org.lowrank4j.nn.GradientCheck;
import org.lowrank4j.nn.block.PreNormBlock;
import org.lowrank4j.nn.layers.Attention;
import org.lowrank4j.nn.layers.RMSNorm;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;

/** OLMo 2 in the LLaMA-family runtime (post-norms without pre-norms, q/k norms over the whole projections), and OLMo 3's windows. */
class Olmo2ModelTest {
    private static final Precision F64 = Precision.FLOAT64;

    /** OLMo 2: C = 8, 4 heads of 2 over 2 key/value heads, 2 layers, V = 11, untied. */
    static HfConfig tinyOlmo2() {
        return HfConfig.parse("{\"model_type\": \"olmo2\", \"hidden_size\": 8, \"intermediate_size\": 12, \"num_hidden_layers\": 2,"
                + " \"num_attention_heads\": 4, \"num_key_value_heads\": 2, \"vocab_size\": 11, \"max_position_embeddings\": 16,"
                + " \"rms_norm_eps\": 1e-6, \"tie_word_embeddings\": false}", "olmo2 test config");
    }

    @Test
    void itsBlocksHavePostNormsOnlyAndItsQueryAndKeyNormsSpanTheProjections() {
        LlamaModel model = LlamaModel.create(tinyOlmo2(), F64);
        PreNormBlock block = model.block(1);
        assertThat(block.hasPreNorms()).isFalse();
        assertThat(block.hasPostNorms()).isTrue();
        assertThat(((RMSNorm) block.attentionPostNorm()).weight().name()).isEqualTo("model.layers.1.post_attention_layernorm.weight");
        assertThat(((RMSNorm) block.mlpPostNorm()).weight().name()).isEqualTo("model.layers.1.post_feedforward_layernorm.weight");
        Attention a = block.attention();
        assertThat(a.normsSpanHeads()).isTrue();
        assertThat(a.queryNorm().weight().value().size()).isEqualTo(4 * 2);
        assertThat(a.keyNorm().weight().value().size()).isEqualTo(2 * 2);
        assertThat(a.queryNorm().unitOffset()).isFalse();
        assertThat(LlamaModel.hasHeadNorms(model.config())).isTrue();
        assertThat(LlamaModel.hasPostNorms(model.config())).isTrue();
    }

    @Test
    void aNormOverTheWholeProjectionMixesTheHeads() {
        // scaling the query rows of head 0 changes the normalised queries of head 1 through the shared root-mean-square
        Attention plain = LlamaModel.create(tinyOlmo2(), F64).block(0).attention();
        GradientCheck.randomize(plain, new Random(3), 0.5);
        Tensor x = Tensor.gaussian(F64, new Random(4), 1, 1, 3, 8);
        Tensor before = plain.forward(x, null).copy();
        Tensor q = plain.query().parameters().get(0).value(); // the dense (8, 8) query weight, in place
        for (int j = 0; j < 2 * 8; j++) { // rows 0 and 1: head 0
            q.set(j, q.get(j) * 5);
        }
        assertThat(GradientCheck.compare(plain.forward(x, null), before)).isGreaterThan(1e-6);
    }

    @Test
    void gradientsCachedDecodingAndCheckpointsHold(@TempDir Path dir) throws IOException {
        LlamaModelTest.gradientCheck("OLMo 2 (post-norms only, whole-projection q/k norms)", LlamaModel.create(tinyOlmo2(), F64), 7);
        assertThat(LlamaModelTest.cachedDecodingError(tinyOlmo2())).isLessThan(1e-12);
        LlamaModel model = LlamaModel.create(tinyOlmo2(), F64);
        GradientCheck.randomize(model, new Random(9), 0.4);
        model.save(dir);
        try (SafetensorsModel saved = SafetensorsModel.open(dir)) {
            assertThat(saved.contains("model.layers.0.self_attn.q_norm.weight")).isTrue();
            assertThat(saved.contains("model.layers.0.input_layernorm.weight")).isFalse();
        }
        int[] ids = LlamaModelTest.ids(2 * 5, 11, 10);
        assertThat(GradientCheck.compare(LlamaModel.load(dir, F64).forward(ids, 2, 5), model.forward(ids, 2, 5))).isLessThan(1e-6);
    }

    /** OLMo 3: OLMo 2's layout, 4 layers, {@code extra} adds fields. */
    static HfConfig tinyOlmo3(String extra) {
        return HfConfig.parse(tinyOlmo2().raw().put("model_type", "olmo3").put("num_hidden_layers", 4).put("rope_theta", 500000.0).toString()
                .replace("}", extra + "}"), "t");
    }

    @Test
    void olmo3SlidesEveryLayerButEachFourthAndOtherwiseIsOlmo2() {
        LlamaModel model = LlamaModel.create(tinyOlmo3(""), F64);
        assertThat(LlamaModelTest.windows(model)).containsExactly(4096, 4096, 4096, 0);
        assertThat(model.block(0).hasPreNorms()).isFalse();
        assertThat(model.block(0).attention().normsSpanHeads()).isTrue();
        assertThat(LlamaModelTest.windows(LlamaModel.create(tinyOlmo3(", \"sliding_window\": 3"), F64))).containsExactly(3, 3, 3, 0);
        assertThat(LlamaModelTest.windows(LlamaModel.create(tinyOlmo3(", \"sliding_window\": null"), F64))).containsOnly(0);
        assertThat(LlamaModelTest.windows(LlamaModel.create(tinyOlmo3(", \"sliding_window\": 3, \"layer_types\": [\"full_attention\","
                + " \"sliding_attention\", \"full_attention\", \"full_attention\"]"), F64))).containsExactly(0, 3, 0, 0);
        LlamaModelTest.gradientCheck("OLMo 3 (window 3)", LlamaModel.create(tinyOlmo3(", \"sliding_window\": 3"), F64), 11);
        assertThat(LlamaModelTest.cachedDecodingError(tinyOlmo3(", \"sliding_window\": 3"))).isLessThan(1e-12);
        assertThatThrownBy(() -> LlamaModel.create(tinyOlmo3(", \"rope_scaling\": {\"rope_type\": \"yarn\", \"factor\": 8.0}"), F64))
                .hasMessageContaining("not supported for olmo3");
        assertThatThrownBy(() -> LlamaModel.create(HfConfig.parse(tinyOlmo3("").raw().without("rope_theta").toString(), "t"), F64))
                .hasMessageContaining("config field rope_theta is missing");
    }

    @Test
    void narrowedHeadsAreRefused() {
        assertThatThrownBy(() -> new LlamaModel(tinyOlmo2(), F64, false, Collections.nCopies(2, BlockShape.full(12, 2, 2))))
                .hasMessageContaining("narrowed heads are not supported for olmo2");
    }
}
