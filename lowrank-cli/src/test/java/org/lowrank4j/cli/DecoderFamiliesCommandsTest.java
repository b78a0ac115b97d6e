package org.lowrank4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank4j.formats.hf.HfConfig;

/**
 * Folders of the LLaMA family's variants compress, generate past their windows and take a LoRA fine-tune through the CLI:
 * Gemma 3 (head norms, post-norms, sliding layers of window 4), Gemma 2 (post-norms, soft-capped scores and logits),
 * SmolLM3 (a layer without RoPE), Granite (its four multipliers), OLMo 2 (post-norms only, whole-projection q/k norms) and
 * Phi-3 (fused checkpoint projections, a window on every layer; LoRA on the fused qkv_proj, full fine-tuning runs).
 * MoDeGPT, whose statistics write out the plain pre-norm block, narrows SmolLM3 and Granite and refuses the post-normed
 * ones in one line.
 */
class DecoderFamiliesCommandsTest {

    @Test
    void eachFamilyCompressesGeneratesAndFineTunesAndModegptNarrowsOrRefusesInOneLine(@TempDir Path dir) throws IOException {
        HfConfig gemma3 = HfConfig.parse("{\"model_type\": \"gemma3_text\", \"hidden_size\": 16, \"intermediate_size\": 24,"
                + " \"num_hidden_layers\": 2, \"num_attention_heads\": 2, \"num_key_value_heads\": 1, \"head_dim\": 8,"
                + " \"query_pre_attn_scalar\": 8, \"vocab_size\": 256, \"max_position_embeddings\": 64, \"sliding_window\": 4,"
                + " \"sliding_window_pattern\": 2, \"hidden_activation\": \"gelu_pytorch_tanh\"}", "test");
        // Gemma 2: post-norms, layer 0 sliding over 4 positions, scores and logits soft-capped
        HfConfig gemma2 = HfConfig.parse("{\"model_type\": \"gemma2\", \"hidden_size\": 16, \"intermediate_size\": 24,"
                + " \"num_hidden_layers\": 2, \"num_attention_heads\": 2, \"num_key_value_heads\": 1, \"head_dim\": 8,"
                + " \"query_pre_attn_scalar\": 8, \"vocab_size\": 256, \"max_position_embeddings\": 64, \"sliding_window\": 4,"
                + " \"attn_logit_softcapping\": 2.0, \"final_logit_softcapping\": 3.0, \"hidden_activation\": \"gelu_pytorch_tanh\"}", "test");
        HfConfig smollm3 = HfConfig.parse("{\"model_type\": \"smollm3\", \"hidden_size\": 16, \"intermediate_size\": 24,"
                + " \"num_hidden_layers\": 2, \"num_attention_heads\": 2, \"num_key_value_heads\": 1, \"vocab_size\": 256,"
                + " \"max_position_embeddings\": 64, \"no_rope_layer_interval\": 2, \"use_sliding_window\": true, \"sliding_window\": 4}", "test");
        HfConfig granite = HfConfig.parse("{\"model_type\": \"granite\", \"hidden_size\": 16, \"intermediate_size\": 24,"
                + " \"num_hidden_layers\": 2, \"num_attention_heads\": 2, \"num_key_value_heads\": 1, \"vocab_size\": 256,"
                + " \"max_position_embeddings\": 64, \"embedding_multiplier\": 12.0, \"attention_multiplier\": 0.125,"
                + " \"residual_multiplier\": 0.22, \"logits_scaling\": 8.0, \"tie_word_embeddings\": true}", "test");
        HfConfig olmo2 = HfConfig.parse("{\"model_type\": \"olmo2\", \"hidden_size\": 16, \"intermediate_size\": 24,"
                + " \"num_hidden_layers\": 2, \"num_attention_heads\": 2, \"num_key_value_heads\": 1, \"vocab_size\": 256,"
                + " \"max_position_embeddings\": 64}", "test");
        HfConfig phi3 = HfConfig.parse("{\"model_type\": \"phi3\", \"hidden_size\": 16, \"intermediate_size\": 24,"
                + " \"num_hidden_layers\": 2, \"num_attention_heads\": 2, \"num_key_value_heads\": 1, \"vocab_size\": 256,"
                + " \"max_position_embeddings\": 64, \"sliding_window\": 4}", "test");
        Path text = dir.resolve("text.txt");
        Files.writeString(text, "The quick brown fox jumps over the lazy dog. ".repeat(40));
        for (HfConfig config : new HfConfig[] {gemma3, gemma2, smollm3, granite, olmo2, phi3}) {
            String name = config.modelType();
            Path folder = CliRun.randomDecoder(dir, name, config);
            Path compressed = dir.resolve(name + "-svd");
            Object[] r = CliRun.run("compress", "--model", folder.toString(), "--method", "svd", "--ratio", "0.3", "--out", compressed.toString());
            assertThat((int) r[0]).as("stderr: %s", r[2]).isZero();
            r = CliRun.run("generate", "--model", compressed.toString(), "--prompt", "The", "--temperature", "0", "--max-tokens", "12");
            assertThat((int) r[0]).as("stderr: %s", r[2]).isZero();
            assertThat((String) r[1]).startsWith("The");

            Path adapter = dir.resolve(name + "-lora");
            if (config == phi3) { // its checkpoints fuse the projections PEFT names: LoRA trains the fused qkv_proj; full fine-tuning runs
                r = CliRun.run("finetune", "--model", folder.toString(), "--data", text.toString(), "--out", adapter.toString(), "--rank", "2",
                        "--steps", "2", "--batch", "2", "--context", "16", "--held-out", "0.2");
                assertThat((int) r[0]).as("stderr: %s", r[2]).isZero();
                try (org.lowrank4j.formats.safetensors.SafetensorsFile file = org.lowrank4j.formats.safetensors.SafetensorsFile.open(
                        adapter.resolve("adapter_model.safetensors"))) {
                    assertThat(file.info("base_model.model.model.layers.0.self_attn.qkv_proj.lora_B.weight").shape()).containsExactly(16 + 2 * 8, 2);
                    assertThat(file.names()).contains("base_model.model.model.layers.1.self_attn.o_proj.lora_A.weight")
                            .noneMatch(n -> n.contains("q_proj"));
                }
                r = CliRun.run("adapter", "merge", "--model", folder.toString(), "--adapter", adapter.toString(), "--out",
                        dir.resolve(name + "-merged").toString());
                assertThat((int) r[0]).as("stderr: %s", r[2]).isZero();
                adapter = dir.resolve(name + "-full");
                r = CliRun.run("finetune", "--model", folder.toString(), "--data", text.toString(), "--out", adapter.toString(), "--adapter", "full",
                        "--steps", "2", "--batch", "2", "--context", "16", "--held-out", "0.2");
                assertThat((int) r[0]).as("stderr: %s", r[2]).isZero();
                assertThat(adapter.resolve("model.safetensors")).exists();
                continue;
            }
            r = CliRun.run("finetune", "--model", folder.toString(), "--data", text.toString(), "--out", adapter.toString(), "--rank", "2",
                    "--steps", "2", "--batch", "2", "--context", "16", "--held-out", "0.2");
            assertThat((int) r[0]).as("stderr: %s", r[2]).isZero();
            assertThat(adapter.resolve("adapter_model.safetensors")).exists();

            String[] modegpt = {"compress", "--model", folder.toString(), "--method", "modegpt", "--ratio", "0.3", "--calib", text.toString(),
                "--calib-windows", "2", "--out", dir.resolve(name + "-modegpt").toString()};
            if (config == smollm3 || config == granite) {
                r = CliRun.run(modegpt);
                assertThat((int) r[0]).as("stderr: %s", r[2]).isZero();
                r = CliRun.run("generate", "--model", dir.resolve(name + "-modegpt").toString(), "--prompt", "The", "--temperature", "0",
                        "--max-tokens", "12");
                assertThat((int) r[0]).as("stderr: %s", r[2]).isZero();
            } else {
                assertThat(CliRun.refused(modegpt)).contains(name).contains("post-norms");
                assertThat(dir.resolve(name + "-modegpt")).doesNotExist();
            }
        }
    }
}
