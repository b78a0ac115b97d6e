package org.lowrank4j.export;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank4j.formats.hf.HfArchitecture;
import org.lowrank4j.formats.hf.HfConfig;
import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.linalg.quant.QuantizationFormat;
import org.lowrank4j.linalg.quant.QuantizedMatrix;
import org.lowrank4j.linalg.quant.RoundToNearest;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.arch.llama.BlockShape;
import org.lowrank4j.nn.arch.llama.LlamaModel;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.weight.LowRankWeight;
import org.lowrank4j.nn.weight.QuantizedWeight;

/**
 * The exported LLaMA graph computes what the JVM runtime computes, in ONNX Runtime ({@link OnnxAgreement}), for dense,
 * low-rank, quantized (with input scale and branch), biased, untied and narrowed models.
 */
class LlamaGraphTest {
    private static final Precision F32 = Precision.FLOAT32;

    @TempDir
    Path dir;

    private static HfConfig config(String type, boolean tied) {
        return HfConfig.builder(HfArchitecture.LLAMA).modelType(type).hiddenSize(32).intermediateSize(48).numHiddenLayers(2)
                .numAttentionHeads(4).numKeyValueHeads(2).vocabSize(40).maxPositionEmbeddings(32).tieWordEmbeddings(tied).build();
    }

    private static LlamaModel random(HfConfig config, List<BlockShape> shapes, long seed) {
        LlamaModel model = new LlamaModel(config, F32, LlamaModel.impliesAttentionBias(config), shapes);
        Random random = new Random(seed);
        for (Parameter p : model.parameters()) {
            Tensor v = p.value();
            boolean norm = v.rank() == 1 && p.name().endsWith("norm.weight") || p.name().endsWith("layernorm.weight");
            for (int i = 0; i < v.size(); i++) {
                v.set(i, norm ? 1 + 0.2 * random.nextGaussian() : 0.2 * random.nextGaussian());
            }
        }
        return model;
    }

    @Test
    void aDenseModelWithGroupedQueriesAgreesInABatchAndThroughTheCache() throws Exception {
        LlamaModel model = random(config("llama", true), null, 1);
        assertAgrees(model);
    }

    @Test
    void biasesAnUntiedHeadLowRankAndQuantizedProjectionsAgree() throws Exception {
        LlamaModel model = random(config("qwen2", false), null, 2);
        Random random = new Random(3);
        Linear q = model.block(0).attention().query();
        q.setWeight(lowRank(q, 5, random));
        Linear down = ((org.lowrank4j.nn.layers.SwiGluMlp) model.block(1).mlp()).down();
        down.setWeight(lowRank(down, 7, random));
        Linear up = ((org.lowrank4j.nn.layers.SwiGluMlp) model.block(0).mlp()).up();
        up.setWeight(QuantizedWeight.of(up.name(), quantize(up, QuantizationFormat.asymmetric(4, 16), random), F32));
        Linear o = model.block(1).attention().output();
        float[] scale = new float[o.inFeatures()];
        for (int j = 0; j < scale.length; j++) {
            scale[j] = (float) Math.exp(0.3 * random.nextGaussian());
        }
        LowRankWeight branch = lowRank(o, 3, random);
        o.setWeight(QuantizedWeight.of(o.name(), quantize(o, QuantizationFormat.symmetric(4, 16), random), branch, scale, F32));
        Linear gate = ((org.lowrank4j.nn.layers.SwiGluMlp) model.block(1).mlp()).gate();
        gate.setWeight(QuantizedWeight.of(gate.name(), quantize(gate, QuantizationFormat.nf4(16), random), F32));

        DecoderGraph.Built built = assertAgrees(model);
        assertThat(built.sites()).extracting(DecoderExport.Site::name, DecoderExport.Site::form).contains(
                org.assertj.core.groups.Tuple.tuple("model.layers.0.self_attn.q_proj", "low-rank r=5"),
                org.assertj.core.groups.Tuple.tuple("model.layers.0.self_attn.k_proj", "dense"),
                org.assertj.core.groups.Tuple.tuple("lm_head", "dense"));
        assertThat(built.sites()).filteredOn(s -> s.name().equals("model.layers.1.self_attn.o_proj")).singleElement()
                .satisfies(s -> assertThat(s.form()).contains("quantized").contains("input scale").contains("branch r=3"));
        assertThat(built.model().nodes()).extracting(n -> n.getOpType()).contains("MatMulNBits", "MatMulBnb4");
    }

    @Test
    void narrowedBlocksRotateEachKeptPairAtItsOwnFrequency() throws Exception {
        HfConfig config = config("llama", true);
        // head size 8 (4 pairs): block 0 keeps pairs {0, 2} and {1, 3} per key/value head, values of size 5; block 1 is whole
        List<BlockShape> shapes = List.of(new BlockShape(20, 4, 5, new int[][] {{0, 2}, {1, 3}}), BlockShape.full(48, 8, 2));
        assertAgrees(random(config, shapes, 4));
    }

    @Test
    void qwen3HeadNormsAgree() throws Exception {
        HfConfig config = HfConfig.builder(HfArchitecture.LLAMA).modelType("qwen3").hiddenSize(32).intermediateSize(48).numHiddenLayers(2)
                .numAttentionHeads(4).numKeyValueHeads(2).headDim(16).vocabSize(40).maxPositionEmbeddings(32).tieWordEmbeddings(true).build();
        LlamaModel model = random(config, null, 6);
        assertThat(model.block(1).attention().keyNorm()).isNotNull();
        assertAgrees(model);
    }

    @Test
    void gemmaGemma2AndGemma3Agree() throws Exception {
        // Gemma: norms of multiplier 1 + w, embeddings × √C, erf GeGLU, head_dim 12 apart from C / heads
        HfConfig gemma = HfConfig.parse("{\"model_type\": \"gemma\", \"hidden_size\": 32, \"intermediate_size\": 48, \"num_hidden_layers\": 2,"
                + " \"num_attention_heads\": 4, \"num_key_value_heads\": 1, \"head_dim\": 12, \"vocab_size\": 40,"
                + " \"max_position_embeddings\": 32, \"hidden_act\": \"gelu\"}", "gemma");
        assertAgrees(random(gemma, null, 7));
        // Gemma 3: tanh GeGLU, head norms, post-norms, score scale 1/√20, layers 0 and 2 sliding over 6 positions (the check
        // runs past them) with their own RoPE table
        HfConfig gemma3 = HfConfig.parse("{\"model_type\": \"gemma3_text\", \"hidden_size\": 32, \"intermediate_size\": 48,"
                + " \"num_hidden_layers\": 3, \"num_attention_heads\": 4, \"num_key_value_heads\": 2, \"head_dim\": 16,"
                + " \"query_pre_attn_scalar\": 20, \"vocab_size\": 40, \"max_position_embeddings\": 64, \"sliding_window\": 6,"
                + " \"sliding_window_pattern\": 2, \"rope_scaling\": {\"rope_type\": \"linear\", \"factor\": 4.0}}", "gemma3");
        DecoderGraph.Built built = assertAgrees(random(gemma3, null, 8));
        assertThat(built.model().graph().getInitializerList()).extracting(t -> t.getName()).filteredOn(n -> n.startsWith("rope."))
                .containsExactlyInAnyOrder("rope.0.cos", "rope.0.sin", "rope.1.cos", "rope.1.sin");
        // Gemma 2: post-norms, score scale 1/√20, scores capped at 1 and logits at 2 (small, so that the random weights
        // reach the bend), layers 0 and 2 sliding over 6 positions with the one RoPE table
        HfConfig gemma2 = HfConfig.parse("{\"model_type\": \"gemma2\", \"hidden_size\": 32, \"intermediate_size\": 48,"
                + " \"num_hidden_layers\": 3, \"num_attention_heads\": 4, \"num_key_value_heads\": 2, \"head_dim\": 16,"
                + " \"query_pre_attn_scalar\": 20, \"vocab_size\": 40, \"max_position_embeddings\": 64, \"sliding_window\": 6,"
                + " \"attn_logit_softcapping\": 1.0, \"final_logit_softcapping\": 2.0, \"tie_word_embeddings\": false}", "gemma2");
        built = assertAgrees(random(gemma2, null, 10));
        assertThat(built.model().graph().getNodeList()).extracting(n -> n.getName()).filteredOn(n -> n.contains("softcap_tanh")).hasSize(4);
    }

    @Test
    void mistralsSlidingWindowAgreesPastTheWindow() throws Exception {
        // every layer slides over 6 positions; the check runs 32 prompt tokens and 8 cached steps past them
        HfConfig mistral = HfConfig.builder(HfArchitecture.LLAMA).modelType("mistral").hiddenSize(32).intermediateSize(48).numHiddenLayers(2)
                .numAttentionHeads(4).numKeyValueHeads(2).vocabSize(40).maxPositionEmbeddings(64).put("sliding_window", 6).build();
        LlamaModel model = random(mistral, null, 9);
        assertThat(model.block(1).attention().window()).isEqualTo(6);
        assertAgrees(model);
    }

    @Test
    void smolLm3sLayersWithoutRopeAgree() throws Exception {
        // layers 1 and 3 without RoPE, and sliding over 6 positions (use_sliding_window), the others rotated and full
        HfConfig smol = HfConfig.parse("{\"model_type\": \"smollm3\", \"hidden_size\": 32, \"intermediate_size\": 48,"
                + " \"num_hidden_layers\": 4, \"num_attention_heads\": 4, \"num_key_value_heads\": 2, \"vocab_size\": 40,"
                + " \"max_position_embeddings\": 64, \"rope_theta\": 5000000.0, \"no_rope_layer_interval\": 2,"
                + " \"use_sliding_window\": true, \"sliding_window\": 6}", "smollm3");
        LlamaModel model = random(smol, null, 11);
        assertThat(model.block(1).attention().rope()).isNull();
        assertThat(model.block(1).attention().window()).isEqualTo(6);
        DecoderGraph.Built built = assertAgrees(model);
        assertThat(built.model().graph().getNodeList()).extracting(n -> n.getName()).filteredOn(n -> n.contains("_rope."))
                .hasSize(4); // queries and keys of layers 0 and 2
    }

    @Test
    void granitesMultipliersAgree() throws Exception {
        // embeddings ×12, scores ×1/64 (not 1/√8), each branch ×0.22 before its residual add, logits ÷8, tied head
        HfConfig granite = HfConfig.parse("{\"model_type\": \"granite\", \"hidden_size\": 32, \"intermediate_size\": 48,"
                + " \"num_hidden_layers\": 2, \"num_attention_heads\": 4, \"num_key_value_heads\": 2, \"vocab_size\": 40,"
                + " \"max_position_embeddings\": 64, \"embedding_multiplier\": 12.0, \"attention_multiplier\": 0.015625,"
                + " \"residual_multiplier\": 0.22, \"logits_scaling\": 8.0, \"tie_word_embeddings\": true}", "granite");
        DecoderGraph.Built built = assertAgrees(random(granite, null, 12));
        assertThat(built.model().graph().getNodeList()).extracting(n -> n.getName())
                .filteredOn(n -> n.contains("/attention_scaled.") || n.contains("/mlp_scaled.") || n.startsWith("lm_head/scaled")).hasSize(2 * 2 + 1);
    }

    @Test
    void olmo2sPostNormsAndWholeProjectionNormsAgree() throws Exception {
        HfConfig olmo2 = HfConfig.parse("{\"model_type\": \"olmo2\", \"hidden_size\": 32, \"intermediate_size\": 48,"
                + " \"num_hidden_layers\": 2, \"num_attention_heads\": 4, \"num_key_value_heads\": 2, \"vocab_size\": 40,"
                + " \"max_position_embeddings\": 64, \"rms_norm_eps\": 1e-6, \"tie_word_embeddings\": false}", "olmo2");
        LlamaModel model = random(olmo2, null, 13);
        assertThat(model.block(0).hasPreNorms()).isFalse();
        assertAgrees(model);
        // OLMo 3: the same layout with layers 0 and 2 sliding over 6 positions
        HfConfig olmo3 = HfConfig.parse(olmo2.raw().put("model_type", "olmo3").put("rope_theta", 500000.0).put("sliding_window", 6).putPOJO("layer_types",
                List.of("sliding_attention", "full_attention", "sliding_attention", "full_attention")).put("num_hidden_layers", 4).toString(), "olmo3");
        LlamaModel windowed = random(olmo3, null, 15);
        assertThat(windowed.block(2).attention().window()).isEqualTo(6);
        assertAgrees(windowed);
    }

    @Test
    void phi3sWindowOnEveryLayerAgrees() throws Exception {
        HfConfig phi3 = HfConfig.parse("{\"model_type\": \"phi3\", \"hidden_size\": 32, \"intermediate_size\": 48,"
                + " \"num_hidden_layers\": 2, \"num_attention_heads\": 4, \"num_key_value_heads\": 2, \"vocab_size\": 40,"
                + " \"max_position_embeddings\": 64, \"sliding_window\": 6, \"tie_word_embeddings\": false}", "phi3");
        LlamaModel model = random(phi3, null, 14);
        assertThat(model.block(1).attention().window()).isEqualTo(6);
        assertAgrees(model);
    }

    @Test
    void scaledRopeAgreesAndItsTablesAreWrittenOnce() throws Exception {
        // YaRN multiplies cos and sin by its attention factor (1.14 here); LLaMA 3's scaling changes only frequencies
        for (java.util.Map<String, Object> scaling : List.of(java.util.Map.<String, Object>of("rope_type", "yarn", "factor", 4.0),
                java.util.Map.<String, Object>of("rope_type", "llama3", "factor", 8.0, "low_freq_factor", 1.0, "high_freq_factor", 4.0,
                        "original_max_position_embeddings", 8))) {
            HfConfig config = HfConfig.builder(HfArchitecture.LLAMA).hiddenSize(32).intermediateSize(48).numHiddenLayers(2).numAttentionHeads(4)
                    .numKeyValueHeads(2).vocabSize(40).maxPositionEmbeddings(32).put("rope_scaling", scaling).build();
            DecoderGraph.Built built = assertAgrees(random(config, null, 5));
            assertThat(built.model().graph().getInitializerList()).extracting(t -> t.getName()).filteredOn(n -> n.startsWith("rope."))
                    .containsExactlyInAnyOrder("rope.0.cos", "rope.0.sin");
        }
    }

    private DecoderGraph.Built assertAgrees(LlamaModel model) throws Exception {
        DecoderGraph.Built built = LlamaGraph.build(model, null);
        OnnxAgreement.assertAgrees(dir, model, built);
        return built;
    }

    private static LowRankWeight lowRank(Linear l, int rank, Random random) {
        return new LowRankWeight(new Parameter(l.name() + ".A", Tensor.gaussian(F32, random, 0.3, l.outFeatures(), rank)),
                new Parameter(l.name() + ".B", Tensor.gaussian(F32, random, 0.3, rank, l.inFeatures())));
    }

    private static QuantizedMatrix quantize(Linear l, QuantizationFormat format, Random random) {
        double[] w = new double[l.outFeatures() * l.inFeatures()];
        for (int i = 0; i < w.length; i++) {
            w[i] = 0.2 * random.nextGaussian();
        }
        return RoundToNearest.quantize(DoubleMatrix.wrap(w, l.outFeatures(), l.inFeatures()), format);
    }
}
