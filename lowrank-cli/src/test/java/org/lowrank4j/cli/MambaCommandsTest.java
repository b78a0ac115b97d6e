package org.lowrank4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Mamba folder through the command line: train --arch mamba, compress --method dlrmamba, recover (distillation), perplexity
 * and generate on what they wrote; bad input as one line. The text is generated here (no data folder is read).
 */
class MambaCommandsTest {

    private static Path text(Path dir) throws IOException {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < 300; i++) {
            out.append("The state of the union is sound, number ").append(i % 17).append(". ");
        }
        Path file = dir.resolve("text.txt");
        Files.writeString(file, out.toString());
        return file;
    }

    @Test
    void trainCompressRecoverPerplexityAndGenerate(@TempDir Path dir) throws IOException {
        Path text = text(dir), model = dir.resolve("mamba"), low = dir.resolve("low"), recovered = dir.resolve("rec");
        String trained = CliRun.ok("train", "--arch", "mamba", "--data", text.toString(), "--out", model.toString(), "--hidden", "16", "--layers", "2",
                "--context", "32", "--batch", "2", "--steps", "3", "--warmup", "1");
        assertThat(trained).contains("trained 3 steps");
        assertThat(Files.readString(model.resolve("config.json"))).contains("\"model_type\" : \"mamba\"").contains("\"state_size\" : 16");
        String compressed = CliRun.ok("compress", "--model", model.toString(), "--method", "dlrmamba:state-rank=2", "--ratio", "0.5", "--out",
                low.toString());
        assertThat(compressed).contains("wrote " + low);
        assertThat(Files.readString(dir.resolve("low.json"))).contains("\"site\" : \"block 1 mixer.A_log\"").contains("\"rank\" : 2");
        String rec = CliRun.ok("recover", "--original", model.toString(), "--compressed", low.toString(), "--out", recovered.toString(), "--text",
                text.toString(), "--eval-text", text.toString(), "--eval-max-bytes", "2000", "--steps", "2", "--batch", "2");
        assertThat(rec).contains("recovered 2 steps").contains("before perplexity").contains("after  perplexity");
        assertThat(Files.readString(dir.resolve("rec.json"))).contains("\"state_weight\" : 1.0").contains("perplexity_after");
        assertThat(CliRun.ok("perplexity", "--model", recovered.toString(), "--text", text.toString(), "--max-bytes", "1000"))
                .contains("bits per byte");
        assertThat(CliRun.ok("generate", "--model", low.toString(), "--prompt", "The", "--max-tokens", "5")).isNotBlank();
    }

    @Test
    void badInputIsOneLine(@TempDir Path dir) throws IOException {
        Path text = text(dir), model = dir.resolve("mamba");
        CliRun.ok("train", "--arch", "mamba", "--data", text.toString(), "--out", model.toString(), "--hidden", "16", "--layers", "1",
                "--context", "16", "--batch", "2", "--steps", "1", "--warmup", "0");
        CliRun.assertError(CliRun.run("compress", "--model", model.toString(), "--method", "dlrmamba:state-rank=40", "--ratio", "0.5", "--out",
                dir.resolve("low").toString()), "state-rank 40 is above A_log's dimensions 32x16");
        CliRun.assertError(CliRun.run("compress", "--model", model.toString(), "--method", "svd", "--ratio", "0.3", "--out",
                dir.resolve("svd").toString()), "is a Mamba folder: compress it with --method dlrmamba");
        CliRun.assertError(CliRun.run("inspect", "--model", model.toString()), "inspect takes ONNX models and LLaMA-, GPT-2- and OPT-family"
                + " decoder folders; --model " + model + " is a Mamba folder");
        Object[] cskv = CliRun.run("cskv", "--model", model.toString(), "--out", dir.resolve("kv").toString(), "--init", "svd");
        CliRun.assertError(cskv, "CSKV shrinks the KV cache of LLaMA-family decoder folders (model_type llama,");
        assertThat((String) cskv[2]).contains("is a Mamba folder").doesNotContain("bert");
        CliRun.assertError(CliRun.run("train", "--arch", "rnn", "--data", text.toString(), "--out", dir.resolve("x").toString()),
                "--arch must be llama or mamba");
        Path broken = dir.resolve("broken");
        Files.createDirectories(broken);
        Files.copy(model.resolve("model.safetensors"), broken.resolve("model.safetensors"));
        Files.copy(model.resolve("tokenizer.json"), broken.resolve("tokenizer.json"));
        Files.writeString(broken.resolve("config.json"), "{\"model_type\": \"mamba\", \"hidden_size\": 16, \"num_hidden_layers\": 1}");
        CliRun.assertError(CliRun.run("perplexity", "--model", broken.toString(), "--text", text.toString()), "lacks the Mamba field state_size");
        CliRun.assertError(CliRun.run("recover", "--compressed", model.toString(), "--out", dir.resolve("r").toString(), "--text", text.toString()),
                "needs --original");
        // a batch of more windows than the text holds is refused up front (it ran out of memory at the first step), and leaves no folder
        Path trained = dir.resolve("big-train"), recovered = dir.resolve("big-recover");
        CliRun.assertError(CliRun.run("train", "--arch", "mamba", "--data", text.toString(), "--out", trained.toString(), "--hidden", "16", "--layers",
                "1", "--context", "16", "--batch", "100000", "--steps", "1", "--validation-fraction", "0"), "--batch 100000 is more than the ");
        assertThat(trained).doesNotExist();
        CliRun.assertError(CliRun.run("recover", "--original", model.toString(), "--compressed", model.toString(), "--out", recovered.toString(),
                "--text", text.toString(), "--steps", "1", "--batch", "100000"), "--batch 100000 is more than the ");
        assertThat(recovered).doesNotExist();
    }
}
