package org.lowrank4j.nn.arch.llama;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.lowrank4j.formats.hf.HfConfig;
import org.lowrank4j.nn.GradientCheck;
import org.lowrank4j.nn.tensor.Precision;

/** Granite in the LLaMA-family runtime: its four multipliers, where each applies, gradients and refusals. */
class GraniteModelTest {
    private static final Precision F64 = Precision.FLOAT64;

    /** Granite: C = 8, 4 heads of 2 over 2 key/value heads, 2 layers, V = 11, untied; the four multipliers, then {@code extra}. */
    static HfConfig tinyGranite(String multipliers) {
        return HfConfig.parse("{\"model_type\": \"granite\", \"hidden_size\": 8, \"intermediate_size\": 12, \"num_hidden_layers\": 2,"
                + " \"num_attention_heads\": 4, \"num_key_value_heads\": 2, \"vocab_size\": 11, \"max_position_embeddings\": 16,"
                + " \"tie_word_embeddings\": false" + multipliers + "}", "granite test config");
    }

    private static final String SCALARS = ", \"embedding_multiplier\": 3.0, \"attention_multiplier\": 0.25, \"residual_multiplier\": 0.4,"
            + " \"logits_scaling\": 2.5";

    @Test
    void theFourMultipliersAreReadFromTheConfig() {
        LlamaModel model = LlamaModel.create(tinyGranite(SCALARS), F64);
        assertThat(model.tokenEmbedding().scale()).isEqualTo(3.0);
        assertThat(model.block(1).attention().scale()).isEqualTo(0.25);
        assertThat(model.block(1).residualScale()).isEqualTo(0.4);
        assertThat(model.logitShaping().divisor()).isEqualTo(2.5);
        assertThat(model.logitShaping().cap()).isZero();
        // absent, each is 1 as the config class defaults it (so the score scale is 1, not head_dim^-1/2)
        LlamaModel plain = LlamaModel.create(tinyGranite(""), F64);
        assertThat(plain.tokenEmbedding().scale()).isEqualTo(1.0);
        assertThat(plain.block(0).attention().scale()).isEqualTo(1.0);
        assertThat(plain.block(0).residualScale()).isEqualTo(1.0);
        assertThat(plain.logitShaping()).isNull();
    }

    @Test
    void withUnitMultipliersItIsLlamaAndTheLogitsAreDividedByTheirScaling() {
        // every multiplier 1 and the attention's at head_dim^-1/2: the same weights give LLaMA's logits exactly
        LlamaModel granite = LlamaModel.create(tinyGranite(", \"attention_multiplier\": " + (1 / Math.sqrt(2))), F64);
        LlamaModel llama = LlamaModel.create(HfConfig.parse(tinyGranite("").raw().put("model_type", "llama").toString(), "t"), F64);
        GradientCheck.randomize(granite, new Random(3), 0.5);
        LlamaModelTest.copyWeights(granite, llama);
        int[] ids = LlamaModelTest.ids(2 * 6, 11, 4);
        assertThat(GradientCheck.compare(granite.forward(ids, 2, 6), llama.forward(ids, 2, 6))).isLessThan(1e-15);
        // logits_scaling s divides every logit by s
        LlamaModel divided = LlamaModel.create(tinyGranite(", \"attention_multiplier\": " + (1 / Math.sqrt(2)) + ", \"logits_scaling\": 4.0"), F64);
        LlamaModelTest.copyWeights(granite, divided);
        double[] z = llama.forward(ids, 2, 6).toDoubleArray(), y = divided.forward(ids, 2, 6).toDoubleArray();
        for (int i = 0; i < z.length; i++) {
            assertThat(y[i]).isCloseTo(z[i] / 4, within(1e-14));
        }
        // the residual and embedding multipliers each move the logits
        for (String field : new String[] {"residual_multiplier", "embedding_multiplier"}) {
            LlamaModel moved = LlamaModel.create(HfConfig.parse(tinyGranite(", \"attention_multiplier\": " + (1 / Math.sqrt(2))).raw()
                    .put(field, 0.5).toString(), "t"), F64);
            LlamaModelTest.copyWeights(granite, moved);
            assertThat(GradientCheck.compare(moved.forward(ids, 2, 6), llama.forward(ids, 2, 6))).as(field).isGreaterThan(1e-3);
        }
    }

    @Test
    void gradientsAndCachedDecodingHold() {
        LlamaModelTest.gradientCheck("Granite (all four multipliers)", LlamaModel.create(tinyGranite(SCALARS), F64), 5);
        assertThat(LlamaModelTest.cachedDecodingError(tinyGranite(SCALARS))).isLessThan(1e-12);
        assertThat(LlamaModelTest.cachedDecodingError(tinyGranite(""))).isLessThan(1e-12);
        // the tiled forward writes the block out, residual multiplier included
        LlamaModel model = LlamaModel.create(tinyGranite(SCALARS), Precision.FLOAT32); // what the tiled forward runs
        GradientCheck.randomize(model, new Random(8), 0.5);
        int[] ids = LlamaModelTest.ids(2 * 5, 11, 9);
        assertThat(GradientCheck.compare(org.lowrank4j.nn.stream.StreamingDecoder.forward(model, ids, 2, 5, org.lowrank4j.nn.stream.Tiles.DEFAULT,
                new org.lowrank4j.nn.stream.TransientMemory()), model.forward(ids, 2, 5))).isLessThan(1e-5);
    }

    @Test
    void aMultiplierThatIsNotAPositiveNumberIsRefusedNamingTheField() {
        assertThatThrownBy(() -> LlamaModel.create(tinyGranite(", \"residual_multiplier\": -0.2"), F64))
                .hasMessageContaining("config field residual_multiplier must be a positive number, found -0.2");
        assertThatThrownBy(() -> LlamaModel.create(tinyGranite(", \"logits_scaling\": \"8\""), F64))
                .hasMessageContaining("logits_scaling");
    }
}
