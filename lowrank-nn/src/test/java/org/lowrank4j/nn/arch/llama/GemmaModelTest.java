package org.lowrank4j.nn.arch.llama;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.nio.file.Files;
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
import org.lowrank4j.nn.layers.RotaryEmbedding;
import org.lowrank4j.nn.layers.SwiGluMlp;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;

/** Gemma, Gemma 2 and Gemma 3 (text) in the LLaMA-family runtime: what each config field changes, gradients, checkpoints, refusals. */
class GemmaModelTest {
    private static final Precision F64 = Precision.FLOAT64;

    /** Gemma: C = 8, 4 heads of head_dim 6 over 2 key/value heads, MLP 12, 2 layers, V = 11, tied; {@code act} null leaves hidden_act out. */
    static HfConfig tinyGemma(String act) {
        return HfConfig.parse("{\"model_type\": \"gemma\", \"hidden_size\": 8, \"intermediate_size\": 12, \"num_hidden_layers\": 2,"
                + " \"num_attention_heads\": 4, \"num_key_value_heads\": 2, \"head_dim\": 6, \"vocab_size\": 11, \"max_position_embeddings\": 16,"
                + (act == null ? "" : " \"hidden_act\": \"" + act + "\",") + " \"tie_word_embeddings\": true}", "gemma test config");
    }

    /**
     * Gemma 3: 3 layers, every second one full (sliding_window_pattern 2: layers 0 and 2 slide over 10 positions), head
     * norms, post-norms, query_pre_attn_scalar 5, linear RoPE scaling ×4 on the full layer, untied head; {@code extra}
     * adds fields (a sliding_window there replaces the 10).
     */
    static HfConfig tinyGemma3(String extra) {
        return HfConfig.parse("{\"model_type\": \"gemma3_text\", \"hidden_size\": 8, \"intermediate_size\": 12, \"num_hidden_layers\": 3,"
                + " \"num_attention_heads\": 4, \"num_key_value_heads\": 2, \"head_dim\": 4, \"query_pre_attn_scalar\": 5, \"vocab_size\": 11,"
                + " \"max_position_embeddings\": 64," + (extra.contains("\"sliding_window\"") ? "" : " \"sliding_window\": 10,")
                + " \"sliding_window_pattern\": 2, \"rope_theta\": 1000000.0,"
                + " \"rope_local_base_freq\": 10000.0, \"rope_scaling\": {\"rope_type\": \"linear\", \"factor\": 4.0},"
                + " \"hidden_activation\": \"gelu_pytorch_tanh\","
                + (extra.contains("\"final_logit_softcapping\"") ? "" : " \"final_logit_softcapping\": null,")
                + " \"tie_word_embeddings\": false" + extra + "}", "gemma3 test config");
    }

    /**
     * Gemma 2: 3 layers, the even ones sliding over 10 positions, post-norms, query_pre_attn_scalar 5, scores capped at 0.8
     * and logits at 1.5 (small, so that random weights reach the tanh's bend), untied head; {@code extra} adds fields.
     */
    static HfConfig tinyGemma2(String extra) {
        return HfConfig.parse("{\"model_type\": \"gemma2\", \"hidden_size\": 8, \"intermediate_size\": 12, \"num_hidden_layers\": 3,"
                + " \"num_attention_heads\": 4, \"num_key_value_heads\": 2, \"head_dim\": 4, \"query_pre_attn_scalar\": 5, \"vocab_size\": 11,"
                + " \"max_position_embeddings\": 64," + (extra.contains("\"sliding_window\"") ? "" : " \"sliding_window\": 10,")
                + (extra.contains("\"attn_logit_softcapping\"") ? "" : " \"attn_logit_softcapping\": 0.8,")
                + (extra.contains("\"final_logit_softcapping\"") ? "" : " \"final_logit_softcapping\": 1.5,")
                + " \"rope_theta\": 10000.0, \"hidden_activation\": \"gelu_pytorch_tanh\", \"tie_word_embeddings\": false" + extra + "}",
                "gemma2 test config");
    }

    private static void gradientCheck(String label, LlamaModel model, long seed) {
        LlamaModelTest.gradientCheck(label, model, seed);
    }

    @Test
    void gradientsMatchFiniteDifferences() {
        gradientCheck("Gemma (erf GeGLU, norms 1 + w, embeddings ×√C)", LlamaModel.create(tinyGemma("gelu"), F64), 1);
        gradientCheck("Gemma (tanh GeGLU)", LlamaModel.create(tinyGemma("gelu_pytorch_tanh"), F64), 3);
        gradientCheck("Gemma 3 (head norms, post-norms, two RoPE tables)", LlamaModel.create(tinyGemma3(""), F64), 5);
        gradientCheck("Gemma 2 (post-norms, soft-capped scores and logits)", LlamaModel.create(tinyGemma2(""), F64), 7);
        gradientCheck("Gemma 3 with a logit soft-cap", LlamaModel.create(tinyGemma3(", \"final_logit_softcapping\": 1.5"), F64), 8);
    }

    @Test
    void gemmaReadsItsNormsEmbeddingScaleAndActivationFromTheConfig() {
        LlamaModel model = LlamaModel.create(tinyGemma("gelu"), F64);
        assertThat(model.tokenEmbedding().scale()).isCloseTo(Math.sqrt(8), within(1e-15));
        RMSNorm norm = (RMSNorm) model.block(0).attentionNorm();
        assertThat(norm.unitOffset()).isTrue();
        assertThat(norm.weight().value().toDoubleArray()).containsOnly(0.0); // a multiplier of one, stored as its deviation
        assertThat(model.norm().unitOffset()).isTrue();
        assertThat(((SwiGluMlp) model.block(1).mlp()).activation()).isEqualTo(SwiGluMlp.Activation.GELU_ERF);
        assertThat(((SwiGluMlp) LlamaModel.create(tinyGemma("gelu_pytorch_tanh"), F64).block(0).mlp()).activation())
                .isEqualTo(SwiGluMlp.Activation.GELU_TANH);
        assertThat(((SwiGluMlp) LlamaModel.create(tinyGemma(null), F64).block(0).mlp()).activation()) // the config class's default
                .isEqualTo(SwiGluMlp.Activation.GELU_TANH);
        assertThat(model.block(0).hasPostNorms()).isFalse();
        assertThat(model.block(0).attention().scale()).isCloseTo(1 / Math.sqrt(6), within(1e-15));
        assertThat(model.block(0).attention().queryNorm()).isNull();
        // a LLaMA config keeps plain norms, scale 1 and SwiGLU
        LlamaModel llama = LlamaModel.create(LlamaModelTest.tiny(), F64);
        assertThat(llama.tokenEmbedding().scale()).isEqualTo(1.0);
        assertThat(((RMSNorm) llama.block(0).attentionNorm()).unitOffset()).isFalse();
        assertThat(((SwiGluMlp) llama.block(0).mlp()).activation()).isEqualTo(SwiGluMlp.Activation.SILU);
    }

    @Test
    void gemmasPartsComputeWhatTheirFormulasSay() {
        Random random = new Random(11);
        // a norm with a unit offset and weight w is the plain norm with weight 1 + w, forward and backward
        RMSNorm offset = new RMSNorm("offset", 5, 1e-6, true, F64), plain = new RMSNorm("plain", 5, 1e-6, F64);
        for (int i = 0; i < 5; i++) {
            double w = random.nextGaussian();
            offset.weight().value().set(i, w);
            plain.weight().value().set(i, 1 + w);
        }
        Tensor x = Tensor.gaussian(F64, random, 1, 3, 5), dy = Tensor.gaussian(F64, random, 1, 3, 5);
        assertThat(GradientCheck.compare(offset.forward(x), plain.forward(x))).isLessThan(1e-15);
        assertThat(GradientCheck.compare(offset.backward(dy), plain.backward(dy))).isLessThan(1e-15);
        assertThat(GradientCheck.compare(offset.multiplier(), plain.weight().value())).isLessThan(1e-15);
        // the embedding's rows come out times √C
        LlamaModel model = LlamaModel.create(tinyGemma("gelu"), F64);
        GradientCheck.randomize(model, random, 0.4);
        Tensor rows = model.tokenEmbedding().forward(new int[] {4}, null, 1, 1, 0);
        assertThat(rows.get(2)).isCloseTo(Math.sqrt(8) * model.tokenEmbedding().token().value().get(4 * 8 + 2), within(1e-14));
        // GeGLU: gelu(g)·u with the erf or the tanh GELU
        double g = 0.7, u = -1.3;
        Tensor gate = Tensor.zeros(F64, 1), up = Tensor.zeros(F64, 1), out = Tensor.zeros(F64, 1);
        gate.set(0, g);
        up.set(0, u);
        SwiGluMlp.Activation.GELU_TANH.forward(org.lowrank4j.nn.tensor.Kernels.of(out), out, gate, up);
        assertThat(out.get(0)).isCloseTo(0.5 * g * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (g + 0.044715 * g * g * g))) * u, within(1e-15));
        SwiGluMlp.Activation.GELU_ERF.forward(org.lowrank4j.nn.tensor.Kernels.of(out), out, gate, up);
        assertThat(out.get(0)).isCloseTo(0.7580363477769269 * 0.7 * u, within(1e-12)); // Φ(0.7) = 0.75803634777692697
    }

    @Test
    void gemma3ReadsItsLayersFromTheConfig() {
        LlamaModel model = LlamaModel.create(tinyGemma3(""), F64);
        PreNormBlock block = model.block(1);
        assertThat(block.hasPostNorms()).isTrue();
        assertThat(((RMSNorm) block.attentionPostNorm()).weight().name()).isEqualTo("model.layers.1.post_attention_layernorm.weight");
        assertThat(((RMSNorm) block.mlpNorm()).weight().name()).isEqualTo("model.layers.1.pre_feedforward_layernorm.weight");
        assertThat(((RMSNorm) block.mlpPostNorm()).weight().name()).isEqualTo("model.layers.1.post_feedforward_layernorm.weight");
        Attention a = block.attention();
        assertThat(a.scale()).isCloseTo(1 / Math.sqrt(5), within(1e-15));
        assertThat(a.queryNorm().unitOffset()).isTrue();
        // layers 0 and 2 slide and share the local table (base 10,000); layer 1 is full (base 10^6, frequencies / 4)
        RotaryEmbedding local = model.block(0).attention().rope(), global = a.rope();
        assertThat(model.block(2).attention().rope()).isSameAs(local);
        assertThat(global).isNotSameAs(local);
        double[] localFrequencies = RotaryEmbedding.standardFrequencies(4, 1e4), globalFrequencies = RotaryEmbedding.standardFrequencies(4, 1e6);
        assertThat(local.cos(0, 3, 1)).isCloseTo(Math.cos(3 * localFrequencies[1]), within(1e-12));
        assertThat(global.cos(0, 3, 1)).isCloseTo(Math.cos(3 * globalFrequencies[1] / 4), within(1e-12));
        // layer_types, when given, decides instead of the pattern
        LlamaModel listed = LlamaModel.create(tinyGemma3(", \"layer_types\": [\"full_attention\", \"sliding_attention\", \"full_attention\"]"), F64);
        assertThat(listed.block(0).attention().rope()).isSameAs(listed.block(2).attention().rope()).isNotSameAs(listed.block(1).attention().rope());
        // the sliding layers mask by their window, so the model keeps its whole context
        assertThat(model.block(0).attention().window()).isEqualTo(10);
        assertThat(model.block(1).attention().window()).isZero();
        assertThat(model.maxPositions()).isEqualTo(64);
        // without rope_theta, the full layers take Gemma3TextConfig's default base of 10^6, not LLaMA's 10^4
        assertThat(HfConfig.parse(tinyGemma3("").raw().without("rope_theta").toString(), "t").ropeTheta()).isEqualTo(1_000_000.0);
    }

    @Test
    void gemma2ReadsItsLayersAndCapsFromTheConfig() {
        LlamaModel model = LlamaModel.create(tinyGemma2(""), F64);
        PreNormBlock block = model.block(1);
        assertThat(block.hasPostNorms()).isTrue();
        assertThat(((RMSNorm) block.attentionPostNorm()).weight().name()).isEqualTo("model.layers.1.post_attention_layernorm.weight");
        assertThat(((RMSNorm) block.mlpNorm()).weight().name()).isEqualTo("model.layers.1.pre_feedforward_layernorm.weight");
        assertThat(block.attention().queryNorm()).isNull();
        assertThat(block.attention().scale()).isCloseTo(1 / Math.sqrt(5), within(1e-15));
        assertThat(model.tokenEmbedding().scale()).isCloseTo(Math.sqrt(8), within(1e-15));
        // even layers slide, every layer caps its scores, and one RoPE table serves all
        assertThat(new int[] {model.block(0).attention().window(), model.block(1).attention().window(), model.block(2).attention().window()})
                .containsExactly(10, 0, 10);
        for (int i = 0; i < 3; i++) {
            assertThat(model.block(i).attention().softcap()).isEqualTo(0.8);
            assertThat(model.block(i).attention().rope()).isSameAs(model.block(0).attention().rope());
        }
        assertThat(model.logitSoftcap()).isEqualTo(1.5);
        assertThat(LlamaModel.capsScores(model.config())).isTrue();
        // the config class's defaults, 50 and 30, when the fields are absent; null turns a cap off
        HfConfig defaults = HfConfig.parse(tinyGemma2("").raw().without(java.util.List.of("attn_logit_softcapping", "final_logit_softcapping"))
                .toString(), "t");
        LlamaModel byDefault = LlamaModel.create(defaults, F64);
        assertThat(byDefault.block(0).attention().softcap()).isEqualTo(50.0);
        assertThat(byDefault.logitSoftcap()).isEqualTo(30.0);
        LlamaModel uncapped = LlamaModel.create(tinyGemma2(", \"attn_logit_softcapping\": null, \"final_logit_softcapping\": null"), F64);
        assertThat(uncapped.block(0).attention().softcap()).isZero();
        assertThat(uncapped.logitSoftcap()).isZero();
        // Gemma 3 reads no score cap, and a logit cap only when its config sets one
        assertThat(LlamaModel.create(tinyGemma3(""), F64).logitSoftcap()).isZero();
        assertThat(LlamaModel.create(tinyGemma3(", \"final_logit_softcapping\": 2.5"), F64).logitSoftcap()).isEqualTo(2.5);
    }

    @Test
    void theLogitCapIsCapTimesTanhOfTheUncappedLogits() {
        // the same weights with and without the logit cap (scores uncapped in both): every logit is 1.5·tanh(z / 1.5)
        LlamaModel capped = LlamaModel.create(tinyGemma2(", \"attn_logit_softcapping\": null"), F64);
        LlamaModel plain = LlamaModel.create(tinyGemma2(", \"attn_logit_softcapping\": null, \"final_logit_softcapping\": null"), F64);
        GradientCheck.randomize(capped, new Random(21), 0.6);
        LlamaModelTest.copyWeights(capped, plain);
        int[] ids = LlamaModelTest.ids(2 * 6, capped.vocabSize(), 22);
        double[] z = plain.forward(ids, 2, 6).toDoubleArray(), y = capped.forward(ids, 2, 6).toDoubleArray();
        double largest = 0;
        for (int i = 0; i < z.length; i++) {
            assertThat(y[i]).isCloseTo(1.5 * Math.tanh(z[i] / 1.5), within(1e-13));
            largest = Math.max(largest, Math.abs(z[i]));
        }
        assertThat(largest).as("the uncapped logits reach the cap's bend").isGreaterThan(1.5);
        // the same holds for the logits that generation and perplexity compute from the hidden states (logitsOf)
        Tensor features = capped.decodeFeatures(ids, 2, 6, capped.newCache(2, 6));
        assertThat(GradientCheck.compare(capped.logitsOf(features), capped.forward(ids, 2, 6))).isLessThan(1e-13);
        // the score cap changes the logits; a cap far above every score changes them by almost nothing
        LlamaModel scoresCapped = LlamaModel.create(tinyGemma2(", \"attn_logit_softcapping\": 0.05"), F64);
        LlamaModel scoresLoose = LlamaModel.create(tinyGemma2(", \"attn_logit_softcapping\": 1e6"), F64);
        LlamaModelTest.copyWeights(capped, scoresCapped);
        LlamaModelTest.copyWeights(capped, scoresLoose);
        assertThat(GradientCheck.compare(scoresLoose.forward(ids, 2, 6), capped.forward(ids, 2, 6))).isLessThan(1e-9);
        assertThat(GradientCheck.compare(scoresCapped.forward(ids, 2, 6), capped.forward(ids, 2, 6))).isGreaterThan(1e-3);
    }

    @Test
    void aSlidingLayerSeesItselfAndTheWindowMinusOnePositionsBeforeIt() {
        // three sliding layers of window 3: position 9 reads positions 9 − 3·2 = 3 and after, never 2
        LlamaModel model = LlamaModel.create(tinyGemma3(", \"sliding_window\": 3,"
                + " \"layer_types\": [\"sliding_attention\", \"sliding_attention\", \"sliding_attention\"]"), F64);
        GradientCheck.randomize(model, new Random(12), 0.4);
        int[] ids = LlamaModelTest.ids(10, model.vocabSize(), 13);
        double[] base = LlamaModelTest.lastRow(model, ids);
        int[] changed = ids.clone();
        changed[2] = (changed[2] + 1) % model.vocabSize();
        assertThat(LlamaModelTest.lastRow(model, changed)).containsExactly(base);
        changed = ids.clone();
        changed[3] = (changed[3] + 1) % model.vocabSize();
        assertThat(LlamaModelTest.maxDifference(LlamaModelTest.lastRow(model, changed), base)).isGreaterThan(1e-6);
        gradientCheck("Gemma 3, sliding window 3 over 5 positions", model, 14);
    }

    @Test
    void cachedDecodingGivesTheFullForwardLogits() {
        for (HfConfig config : new HfConfig[] {tinyGemma("gelu"), tinyGemma3(""), tinyGemma3(", \"sliding_window\": 3"), tinyGemma2(""),
                tinyGemma2(", \"sliding_window\": 3")}) {
            assertThat(LlamaModelTest.cachedDecodingError(config)).as(config.modelType()).isLessThan(1e-12);
        }
    }

    @Test
    void savedFoldersKeepTheStoredWeightsUnderTheirHuggingFaceNames(@TempDir Path dir) throws IOException {
        LlamaModel model = LlamaModel.create(tinyGemma3(""), F64);
        GradientCheck.randomize(model, new Random(9), 0.4);
        model.save(dir);
        try (SafetensorsModel saved = SafetensorsModel.open(dir)) {
            assertThat(saved.contains("model.layers.2.post_feedforward_layernorm.weight")).isTrue();
            assertThat(saved.contains("model.layers.0.self_attn.q_norm.weight")).isTrue();
            float[] w = saved.readFloats("model.norm.weight", new long[] {8});
            assertThat((double) w[3]).isCloseTo(model.norm().weight().value().get(3), within(1e-6)); // w, not 1 + w
        }
        String written = Files.readString(dir.resolve("config.json"));
        assertThat(written).contains("\"hidden_activation\"").doesNotContain("\"hidden_act\""); // no LLaMA default added
        LlamaModel loaded = LlamaModel.load(dir, F64);
        int[] ids = LlamaModelTest.ids(2 * 5, model.vocabSize(), 10);
        assertThat(GradientCheck.compare(loaded.forward(ids, 2, 5), model.forward(ids, 2, 5))).isLessThan(1e-6); // saved as float32
        // the stored weight is a deviation from one: read as a plain multiplier, the logits move
        ((RMSNorm) loaded.block(0).mlpPostNorm()).weight().value().fill(1);
        assertThat(GradientCheck.compare(loaded.forward(ids, 2, 5), model.forward(ids, 2, 5))).isGreaterThan(1e-3);
    }

    @Test
    void whatTheRuntimeDoesNotComputeIsRefusedNamingTheField() {
        assertThatThrownBy(() -> LlamaModel.create(tinyGemma2(", \"final_logit_softcapping\": -30"), F64))
                .hasMessageContaining("final_logit_softcapping must be a positive number or null, found -30");
        assertThatThrownBy(() -> LlamaModel.create(tinyGemma2(", \"attn_logit_softcapping\": \"50\""), F64))
                .hasMessageContaining("attn_logit_softcapping must be a positive number or null");
        assertThatThrownBy(() -> LlamaModel.create(tinyGemma2(", \"use_bidirectional_attention\": true"), F64))
                .hasMessageContaining("use_bidirectional_attention");
        assertThatThrownBy(() -> LlamaModel.create(HfConfig.parse(tinyGemma2("").raw().without("head_dim").toString(), "t"), F64))
                .hasMessageContaining("config field head_dim is missing");
        assertThatThrownBy(() -> LlamaModel.create(tinyGemma3(", \"use_bidirectional_attention\": true"), F64))
                .hasMessageContaining("use_bidirectional_attention");
        assertThatThrownBy(() -> LlamaModel.create(tinyGemma("relu"), F64)).hasMessageContaining("hidden_act = \"relu\"");
        assertThatThrownBy(() -> LlamaModel.create(tinyGemma3(", \"layer_types\": [\"full_attention\"]"), F64))
                .hasMessageContaining("layer_types must list one type for each of the 3 layers");
        assertThatThrownBy(() -> LlamaModel.create(tinyGemma3(", \"layer_types\": [\"full_attention\", \"chunked\", \"full_attention\"]"), F64))
                .hasMessageContaining("layer_types[1]");
        // Gemma's attention never applies attn_logit_softcapping, so the field is read as Hugging Face reads it: not at all
        assertThat(LlamaModel.create(tinyGemma3(", \"attn_logit_softcapping\": 50.0"), F64).maxPositions()).isEqualTo(64);
        assertThatThrownBy(() -> LlamaModel.create(tinyGemma3(", \"sliding_window\": 0"), F64)).hasMessageContaining("sliding_window");
        // narrowing (MoDeGPT) and the tiled forward do not cover Gemma 3's head norms or post-norms
        assertThatThrownBy(() -> new LlamaModel(tinyGemma3(""), F64, false, Collections.nCopies(3, BlockShape.full(12, 4, 2))))
                .hasMessageContaining("narrowed heads are not supported");
        LlamaModel gemma3 = LlamaModel.create(tinyGemma3(""), F64);
        assertThatThrownBy(() -> org.lowrank4j.nn.stream.StreamingDecoder.forward(gemma3, new int[3], 1, 3, org.lowrank4j.nn.stream.Tiles.DEFAULT,
                new org.lowrank4j.nn.stream.TransientMemory())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new org.lowrank4j.nn.cskv.CskvModel(gemma3, Collections.nCopies(3, null), 4)).hasMessageContaining("gemma3_text");
        // nor Gemma 2's post-norms and score caps
        LlamaModel gemma2 = LlamaModel.create(tinyGemma2(""), F64);
        assertThatThrownBy(() -> new LlamaModel(tinyGemma2(""), F64, false, Collections.nCopies(3, BlockShape.full(12, 4, 2))))
                .hasMessageContaining("narrowed heads are not supported for gemma2");
        assertThatThrownBy(() -> org.lowrank4j.nn.stream.StreamingDecoder.forward(gemma2, new int[3], 1, 3, org.lowrank4j.nn.stream.Tiles.DEFAULT,
                new org.lowrank4j.nn.stream.TransientMemory())).hasMessageContaining("post-norms");
        assertThatThrownBy(() -> org.lowrank4j.nn.stream.StreamingAttention.forward(gemma2.block(0).attention(), Tensor.zeros(F64, 1, 3, 8), null,
                org.lowrank4j.nn.stream.Tiles.DEFAULT, new org.lowrank4j.nn.stream.TransientMemory())).hasMessageContaining("soft-cap");
        assertThatThrownBy(() -> new org.lowrank4j.nn.cskv.CskvModel(gemma2, Collections.nCopies(3, null), 4)).hasMessageContaining("soft-cap");
    }
}
