package org.lowrank4j.formats.hf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HfConfigTest {
    /** Shaped like sentence-transformers' all-MiniLM-L6-v2 config.json. */
    static final String MINILM = """
            {
              "_name_or_path": "nreimers/MiniLM-L6-H384-uncased",
              "architectures": ["BertModel"],
              "attention_probs_dropout_prob": 0.1,
              "gradient_checkpointing": false,
              "hidden_act": "gelu",
              "hidden_dropout_prob": 0.1,
              "hidden_size": 384,
              "initializer_range": 0.02,
              "intermediate_size": 1536,
              "layer_norm_eps": 1e-12,
              "max_position_embeddings": 512,
              "model_type": "bert",
              "num_attention_heads": 12,
              "num_hidden_layers": 6,
              "pad_token_id": 0,
              "position_embedding_type": "absolute",
              "transformers_version": "4.8.2",
              "type_vocab_size": 2,
              "use_cache": true,
              "vocab_size": 30522
            }
            """;

    /** A LLaMA-3-style decoder with grouped-query attention, several end ids and rope scaling. */
    static final String LLAMA_GQA = """
            {
              "architectures": ["LlamaForCausalLM"],
              "attention_bias": false,
              "bos_token_id": 128000,
              "eos_token_id": [128001, 128008, 128009],
              "head_dim": 64,
              "hidden_act": "silu",
              "hidden_size": 2048,
              "intermediate_size": 8192,
              "max_position_embeddings": 131072,
              "model_type": "llama",
              "num_attention_heads": 32,
              "num_hidden_layers": 16,
              "num_key_value_heads": 8,
              "rms_norm_eps": 1e-05,
              "rope_scaling": {"factor": 32.0, "rope_type": "llama3"},
              "rope_theta": 500000.0,
              "tie_word_embeddings": true,
              "torch_dtype": "bfloat16",
              "vocab_size": 128256
            }
            """;

    /** Shaped like the original GPT-2 small config.json (GPT-2 names, no n_inner). */
    static final String GPT2 = """
            {
              "activation_function": "gelu_new",
              "architectures": ["GPT2LMHeadModel"],
              "attn_pdrop": 0.1,
              "bos_token_id": 50256,
              "embd_pdrop": 0.1,
              "eos_token_id": 50256,
              "initializer_range": 0.02,
              "layer_norm_epsilon": 1e-05,
              "model_type": "gpt2",
              "n_ctx": 1024,
              "n_embd": 768,
              "n_head": 12,
              "n_layer": 12,
              "n_positions": 1024,
              "resid_pdrop": 0.1,
              "summary_type": "cls_index",
              "vocab_size": 50257
            }
            """;

    @TempDir
    Path dir;

    @Test
    void parsesAMiniLmBertConfig() {
        HfConfig config = HfConfig.parse(MINILM, "minilm/config.json");
        assertThat(config.architecture()).isEqualTo(HfArchitecture.BERT);
        assertThat(config.architectures()).containsExactly("BertModel");
        assertThat(config.hiddenSize()).isEqualTo(384);
        assertThat(config.intermediateSize()).isEqualTo(1536);
        assertThat(config.numHiddenLayers()).isEqualTo(6);
        assertThat(config.numAttentionHeads()).isEqualTo(12);
        assertThat(config.numKeyValueHeads()).isEqualTo(12);
        assertThat(config.headDim()).isEqualTo(32);
        assertThat(config.groupedQueryAttention()).isFalse();
        assertThat(config.vocabSize()).isEqualTo(30522);
        assertThat(config.maxPositionEmbeddings()).isEqualTo(512);
        assertThat(config.normEps()).isEqualTo(1e-12);
        assertThat(config.hiddenAct()).isEqualTo("gelu");
        assertThat(config.typeVocabSize()).isEqualTo(2);
        assertThat(config.tieWordEmbeddings()).isTrue();
        assertThat(config.padTokenId()).isZero();
        assertThat(config.bosTokenId()).isNull();
        assertThat(config.eosTokenIds()).isEmpty();
        assertThat(config.raw().get("position_embedding_type").asText()).isEqualTo("absolute");
    }

    @Test
    void parsesALlamaConfigWithGroupedQueryAttention() {
        HfConfig config = HfConfig.parse(LLAMA_GQA, "llama/config.json");
        assertThat(config.architecture()).isEqualTo(HfArchitecture.LLAMA);
        assertThat(config.numAttentionHeads()).isEqualTo(32);
        assertThat(config.numKeyValueHeads()).isEqualTo(8);
        assertThat(config.groupedQueryAttention()).isTrue();
        assertThat(config.headDim()).isEqualTo(64);
        assertThat(config.normEps()).isEqualTo(1e-5);
        assertThat(config.ropeTheta()).isEqualTo(500000.0);
        assertThat(config.hiddenAct()).isEqualTo("silu");
        assertThat(config.tieWordEmbeddings()).isTrue();
        assertThat(config.typeVocabSize()).isZero();
        assertThat(config.bosTokenId()).isEqualTo(128000);
        assertThat(config.eosTokenIds()).containsExactly(128001, 128008, 128009);
        assertThat(config.raw().path("rope_scaling").path("rope_type").asText()).isEqualTo("llama3");
        assertThat(config.rawBoolean("attention_bias", true)).isFalse();
    }

    @Test
    void mapsGpt2NamesAndDefaults() {
        HfConfig config = HfConfig.parse(GPT2, "gpt2/config.json");
        assertThat(config.architecture()).isEqualTo(HfArchitecture.GPT2);
        assertThat(config.hiddenSize()).isEqualTo(768);
        assertThat(config.numHiddenLayers()).isEqualTo(12);
        assertThat(config.numAttentionHeads()).isEqualTo(12);
        assertThat(config.intermediateSize()).isEqualTo(4 * 768);
        assertThat(config.maxPositionEmbeddings()).isEqualTo(1024);
        assertThat(config.normEps()).isEqualTo(1e-5);
        assertThat(config.hiddenAct()).isEqualTo("gelu_new");
        assertThat(config.tieWordEmbeddings()).isTrue();
        assertThat(config.eosTokenIds()).containsExactly(50256);
    }

    @Test
    void llamaFamilyCoversQwen2MistralAndSmolLm() {
        String qwen2 = LLAMA_GQA.replace("\"model_type\": \"llama\"", "\"model_type\": \"qwen2\"");
        String mistral = LLAMA_GQA.replace("\"model_type\": \"llama\"", "\"model_type\": \"mistral\"");
        assertThat(HfConfig.parse(qwen2, "q").architecture()).isEqualTo(HfArchitecture.LLAMA);
        assertThat(HfConfig.parse(mistral, "m").architecture()).isEqualTo(HfArchitecture.LLAMA);
        // SmolLM-135M declares itself as llama; 9 heads over 576 with 3 key/value heads.
        String smol = """
                {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 576,
                 "intermediate_size": 1536, "num_hidden_layers": 30, "num_attention_heads": 9,
                 "num_key_value_heads": 3, "vocab_size": 49152, "max_position_embeddings": 2048,
                 "rms_norm_eps": 1e-05, "rope_theta": 10000.0, "tie_word_embeddings": true,
                 "bos_token_id": 0, "eos_token_id": 0}
                """;
        HfConfig smolConfig = HfConfig.parse(smol, "smol");
        assertThat(smolConfig.headDim()).isEqualTo(64);
        assertThat(smolConfig.numKeyValueHeads()).isEqualTo(3);
        // No model_type: inferred from the class name.
        String noType = qwen2.replace("\"model_type\": \"qwen2\",", "")
                .replace("LlamaForCausalLM", "Qwen2ForCausalLM");
        HfConfig inferred = HfConfig.parse(noType, "n");
        assertThat(inferred.modelType()).isEqualTo("qwen2");
        assertThat(inferred.architecture()).isEqualTo(HfArchitecture.LLAMA);
    }

    @Test
    void readsRopeThetaFromRopeParameters() {
        String v5 = LLAMA_GQA.replace("\"rope_theta\": 500000.0,", "\"rope_parameters\": {\"rope_theta\": 1e6},");
        HfConfig config = HfConfig.parse(v5, "v5");
        assertThat(config.ropeTheta()).isEqualTo(1e6);
        assertThat(HfConfig.parse(config.toJson(), "again").ropeTheta()).isEqualTo(1e6);
    }

    @Test
    void unknownArchitectureNamesTheFieldTheValueAndTheSupportedOnes() {
        String falcon = MINILM.replace("\"model_type\": \"bert\"", "\"model_type\": \"falcon\"");
        HfConfig config = HfConfig.parse(falcon, "falcon/config.json");
        assertThatThrownBy(config::architecture)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContainingAll("model_type", "\"falcon\"", "bert", "llama", "qwen2", "mistral", "gpt2");

        String t5 = """
                {"architectures": ["T5ForConditionalGeneration"], "model_type": "t5", "d_model": 512,
                 "num_heads": 8, "num_layers": 6, "vocab_size": 32128}
                """;
        assertThatThrownBy(() -> HfConfig.parse(t5, "t5/config.json"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContainingAll("t5/config.json", "model_type = \"t5\" is not supported", "gpt2",
                        "'hidden_size' is missing");
    }

    @Test
    void validationNamesTheField() {
        String fiveHeads = MINILM.replace("\"num_attention_heads\": 12", "\"num_attention_heads\": 5");
        assertThatThrownBy(() -> HfConfig.parse(fiveHeads, "c.json"))
                .hasMessageContainingAll("c.json", "'num_attention_heads' = 5 does not divide", "'hidden_size' = 384");
        String twelveKvHeads = LLAMA_GQA.replace("\"num_key_value_heads\": 8", "\"num_key_value_heads\": 12");
        assertThatThrownBy(() -> HfConfig.parse(twelveKvHeads, "c.json"))
                .hasMessageContainingAll("'num_key_value_heads' = 12 does not divide", "'num_attention_heads' = 32");
        assertThatThrownBy(() -> HfConfig.parse(GPT2.replace("\"n_head\": 12", "\"n_head\": 7"), "g.json"))
                .hasMessageContainingAll("'n_head' = 7", "'n_embd' = 768");
        assertThatThrownBy(() -> HfConfig.parse(MINILM.replace("\"vocab_size\": 30522", "\"vocab_size\": 0"), "c.json"))
                .hasMessageContaining("field 'vocab_size' must be positive, found 0");
        String textSize = MINILM.replace("\"hidden_size\": 384", "\"hidden_size\": \"384\"");
        assertThatThrownBy(() -> HfConfig.parse(textSize, "c.json"))
                .hasMessageContaining("field 'hidden_size' must be an integer, found \"384\"");
        assertThatThrownBy(() -> HfConfig.parse(MINILM.replace("\"num_hidden_layers\": 6,", ""), "c.json"))
                .hasMessageContainingAll("field 'num_hidden_layers' is missing", "bert");
        assertThatThrownBy(() -> HfConfig.parse("[1]", "c.json")).hasMessageContaining("must be a JSON object");
        assertThatThrownBy(() -> HfConfig.parse("{\"a\": ", "c.json")).hasMessageContaining("not valid JSON");
    }

    @Test
    void writesAndReadsBackEachFamilyKeepingTheFileNames() throws IOException {
        for (String text : new String[] {MINILM, LLAMA_GQA, GPT2}) {
            HfConfig config = HfConfig.parse(text, "in");
            Path folder = Files.createTempDirectory(dir, "model");
            config.write(folder);
            HfConfig back = HfConfig.read(folder);
            assertThat(back).usingRecursiveComparison().ignoringFields("raw").isEqualTo(config);
            // Every field of the original file survives with its value, modelled or not.
            config.raw().properties().forEach(e -> assertThat(back.raw().get(e.getKey())).as(e.getKey())
                    .isEqualTo(e.getValue()));
            if (config.architecture() == HfArchitecture.GPT2) {
                assertThat(back.raw().has("n_embd")).isTrue();
                assertThat(back.raw().has("hidden_size")).isFalse();
            }
        }
        assertThat(HfConfig.parse(GPT2, "g").toJson()).contains("\"n_embd\": 768").endsWith("}\n");
    }

    @Test
    void buildsAndSavesANewDecoderConfig() throws IOException {
        HfConfig config = HfConfig.builder(HfArchitecture.LLAMA).hiddenSize(256).intermediateSize(688)
                .numHiddenLayers(4).numAttentionHeads(8).numKeyValueHeads(2).vocabSize(4096)
                .maxPositionEmbeddings(512).tieWordEmbeddings(true).bosTokenId(1).eosTokenIds(2)
                .put("torch_dtype", "float32").build();
        assertThat(config.headDim()).isEqualTo(32);
        assertThat(config.normEps()).isEqualTo(1e-6);
        assertThat(config.hiddenAct()).isEqualTo("silu");
        assertThat(config.raw().get("torch_dtype").asText()).isEqualTo("float32");
        Path file = dir.resolve("config.json");
        config.write(file);
        assertThat(HfConfig.read(file)).isEqualTo(config);

        assertThatThrownBy(() -> HfConfig.builder(HfArchitecture.BERT).hiddenSize(64).numHiddenLayers(2)
                .numAttentionHeads(4).vocabSize(100).build())
                .hasMessageContaining("field 'intermediate_size' must be positive, found 0");
        HfConfig gpt2 = HfConfig.builder(HfArchitecture.GPT2).hiddenSize(64).numHiddenLayers(2)
                .numAttentionHeads(4).vocabSize(100).build();
        assertThat(gpt2.intermediateSize()).isEqualTo(256);
        assertThat(gpt2.toJson()).contains("\"n_layer\": 2").doesNotContain("num_hidden_layers");
    }

    @Test
    void missingConfigFileIsNamed() {
        assertThatThrownBy(() -> HfConfig.read(dir)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContainingAll(dir.resolve("config.json").toString(), "does not exist");
    }
}
