package org.lowrank4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank4j.formats.hf.HfConfig;

/**
 * A Gemma 3 folder (head norms, post-norms, sliding layers of window 4) and a Gemma 2 folder (post-norms, soft-capped scores
 * and logits) compress, generate past their windows and take a LoRA fine-tune; MoDeGPT, whose statistics write out the
 * plain pre-norm block, refuses them in one line.
 */
class GemmaCommandsTest {

    @Test
    void gemma3AndGemma2CompressGenerateAndFineTuneAndModegptRefusesInOneLine(@TempDir Path dir) throws IOException {
        HfConfig gemma3 = HfConfig.parse("{\"model_type\": \"gemma3_text\", \"hidden_size\": 16, \"intermediate_size\": 24,"
                + " \"num_hidden_layers\": 2, \"num_attention_heads\": 2, \"num_key_value_heads\": 1, \"head_dim\": 8,"
                + " \"query_pre_attn_scalar\": 8, \"vocab_size\": 256, \"max_position_embeddings\": 64, \"sliding_window\": 4,"
                + " \"sliding_window_pattern\": 2, \"hidden_activation\": \"gelu_pytorch_tanh\"}", "test");
        // Gemma 2: post-norms, layer 0 sliding over 4 positions, scores and logits soft-capped
        HfConfig gemma2 = HfConfig.parse("{\"model_type\": \"gemma2\", \"hidden_size\": 16, \"intermediate_size\": 24,"
                + " \"num_hidden_layers\": 2, \"num_attention_heads\": 2, \"num_key_value_heads\": 1, \"head_dim\": 8,"
                + " \"query_pre_attn_scalar\": 8, \"vocab_size\": 256, \"max_position_embeddings\": 64, \"sliding_window\": 4,"
                + " \"attn_logit_softcapping\": 2.0, \"final_logit_softcapping\": 3.0, \"hidden_activation\": \"gelu_pytorch_tanh\"}", "test");
        Path text = dir.resolve("text.txt");
        Files.writeString(text, "The quick brown fox jumps over the lazy dog. ".repeat(40));
        for (HfConfig config : new HfConfig[] {gemma3, gemma2}) {
            String name = config.modelType();
            Path folder = CliRun.randomDecoder(dir, name, config);
            Path compressed = dir.resolve(name + "-svd");
            Object[] r = CliRun.run("compress", "--model", folder.toString(), "--method", "svd", "--ratio", "0.3", "--out", compressed.toString());
            assertThat((int) r[0]).as("stderr: %s", r[2]).isZero();
            r = CliRun.run("generate", "--model", compressed.toString(), "--prompt", "The", "--temperature", "0", "--max-tokens", "12");
            assertThat((int) r[0]).as("stderr: %s", r[2]).isZero();
            assertThat((String) r[1]).startsWith("The");

            Path adapter = dir.resolve(name + "-lora");
            r = CliRun.run("finetune", "--model", folder.toString(), "--data", text.toString(), "--out", adapter.toString(), "--rank", "2",
                    "--steps", "2", "--batch", "2", "--context", "16", "--held-out", "0.2");
            assertThat((int) r[0]).as("stderr: %s", r[2]).isZero();
            assertThat(adapter.resolve("adapter_model.safetensors")).exists();

            String refused = CliRun.refused("compress", "--model", folder.toString(), "--method", "modegpt", "--ratio", "0.3",
                    "--calib", text.toString(), "--out", dir.resolve(name + "-modegpt").toString());
            assertThat(refused).contains(name).contains("post-norms");
            assertThat(dir.resolve(name + "-modegpt")).doesNotExist();
        }
    }
}
