package org.lowrank4j.nn.arch.llama;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank4j.formats.hf.HfConfig;
import org.lowrank4j.formats.safetensors.SafetensorsDtype;
import org.lowrank4j.formats.safetensors.SafetensorsModel;
import org.lowrank4j.nn.GradientCheck;
import org.lowrank4j.nn.generate.HfCheckpoint;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;

/** Phi-3 in the LLaMA-family runtime: its fused checkpoint tensors split on reading and join on writing; its window. */
class Phi3ModelTest {
    private static final Precision F64 = Precision.FLOAT64;

    /** Phi-3: C = 8, 4 heads of 2 over 2 key/value heads, MLP 12, 2 layers, V = 11, untied, every layer sliding over 3. */
    static HfConfig tinyPhi3() {
        return HfConfig.parse("{\"model_type\": \"phi3\", \"hidden_size\": 8, \"intermediate_size\": 12, \"num_hidden_layers\": 2,"
                + " \"num_attention_heads\": 4, \"num_key_value_heads\": 2, \"vocab_size\": 11, \"max_position_embeddings\": 16,"
                + " \"sliding_window\": 3, \"rms_norm_eps\": 1e-5, \"tie_word_embeddings\": false}", "phi3 test config");
    }

    @Test
    void itsCheckpointsFuseQkvAndGateUpAndReadBackTheSame(@TempDir Path dir) throws IOException {
        LlamaModel model = LlamaModel.create(tinyPhi3(), F64);
        GradientCheck.randomize(model, new Random(3), 0.5);
        model.save(dir);
        try (SafetensorsModel saved = SafetensorsModel.open(dir)) {
            assertThat(saved.requireShape("model.layers.1.self_attn.qkv_proj.weight", 8 + 2 * 4, 8)).isNotNull();
            assertThat(saved.requireShape("model.layers.1.mlp.gate_up_proj.weight", 2 * 12, 8)).isNotNull();
            assertThat(saved.contains("model.layers.1.self_attn.q_proj.weight")).isFalse();
            assertThat(saved.contains("model.layers.1.mlp.up_proj.weight")).isFalse();
            // the query rows come first, then the key rows, then the value rows; the gate rows before the up rows
            float[] qkv = saved.readFloats("model.layers.1.self_attn.qkv_proj.weight");
            Tensor k = model.block(1).attention().key().parameters().get(0).value();
            assertThat((double) qkv[8 * 8 + 3]).isCloseTo(k.get(3), org.assertj.core.api.Assertions.within(1e-6));
            float[] gateUp = saved.readFloats("model.layers.1.mlp.gate_up_proj.weight");
            Tensor up = ((org.lowrank4j.nn.layers.SwiGluMlp) model.block(1).mlp()).up().parameters().get(0).value();
            assertThat((double) gateUp[12 * 8 + 5]).isCloseTo(up.get(5), org.assertj.core.api.Assertions.within(1e-6));
        }
        int[] ids = LlamaModelTest.ids(2 * 6, 11, 4);
        LlamaModel loaded = LlamaModel.load(dir, F64);
        assertThat(GradientCheck.compare(loaded.forward(ids, 2, 6), model.forward(ids, 2, 6))).isLessThan(1e-6);
        // blockwise reading splits the same way
        try (LlamaBlocks blocks = LlamaBlocks.open(dir, F64)) {
            assertThat(GradientCheck.compare(blocks.readBlock(1).attention().value().parameters().get(0).value(),
                    loaded.block(1).attention().value().parameters().get(0).value())).isZero();
        }
    }

    @Test
    void everyLayerSlidesAndGradientsAndDecodingHold() {
        LlamaModel model = LlamaModel.create(tinyPhi3(), F64);
        assertThat(LlamaModelTest.windows(model)).containsExactly(3, 3);
        LlamaModelTest.gradientCheck("Phi-3 (every layer sliding over 3)", model, 5);
        assertThat(LlamaModelTest.cachedDecodingError(tinyPhi3())).isLessThan(1e-12);
    }

    @Test
    void aFusedTensorOfTheWrongHeightIsRefusedNamingIt(@TempDir Path dir) throws IOException {
        LlamaModel model = LlamaModel.create(tinyPhi3(), F64);
        Map<String, Tensor> tensors = LlamaWeights.tensors(model, LlamaWeights.Layout.MERGED);
        Map<String, Tensor> fused = Phi3.fuse(model.config(), tensors);
        fused.put("model.layers.0.self_attn.qkv_proj.weight", Tensor.zeros(F64, 15, 8));
        HfCheckpoint.write(dir, model.config(), fused, SafetensorsDtype.F32);
        assertThatThrownBy(() -> LlamaModel.load(dir, F64)).hasMessageContaining("model.layers.0.self_attn.qkv_proj.weight")
                .hasMessageContaining("16 rows were expected");
    }
}
