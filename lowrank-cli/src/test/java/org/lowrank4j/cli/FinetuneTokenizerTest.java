package org.lowrank4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank4j.compress.model.DecoderFolder;
import org.lowrank4j.formats.hf.HfArchitecture;
import org.lowrank4j.formats.hf.HfConfig;
import org.lowrank4j.nn.arch.llama.LlamaModel;
import org.lowrank4j.nn.tensor.Precision;

/**
 * {@code finetune} reads text with the model folder's own tokenizer.json (here the WordPiece one of all-MiniLM-L6-v2 over a
 * random decoder of its 30,522 ids): LoRA and full fine-tuning train on its tokens, score the same held-out characters
 * before and after (perplexity per token, bits per byte), and a full run's folder carries that tokenizer on;
 * {@code adapter perplexity} and a calibrated {@code adapter squeeze} read the same tokens.
 */
class FinetuneTokenizerTest {

    @Test
    void aModelWithItsOwnTokenizerFineTunesOnItsTokens(@TempDir Path dir) throws IOException {
        Path model = dir.resolve("model");
        Files.createDirectories(model);
        try (var in = FinetuneTokenizerTest.class.getResourceAsStream("/all-minilm-l6-v2-tokenizer.json")) {
            Files.copy(in, model.resolve(DecoderFolder.TOKENIZER));
        }
        HfConfig config = HfConfig.builder(HfArchitecture.LLAMA).hiddenSize(8).intermediateSize(16).numHiddenLayers(1).numAttentionHeads(2)
                .numKeyValueHeads(1).vocabSize(30522).maxPositionEmbeddings(64).tieWordEmbeddings(true).build();
        LlamaModel llama = LlamaModel.create(config, Precision.FLOAT32);
        llama.initialize(new Random(5));
        llama.save(model);
        String sentence = "The state of the union is strong, and the people of these states are at work. ";
        Path text = Files.writeString(dir.resolve("text.txt"), sentence.repeat(30));
        long heldOutBytes = Math.round(sentence.repeat(30).getBytes(StandardCharsets.UTF_8).length * 0.2);

        Path adapter = dir.resolve("lora");
        Object[] r = CliRun.run("finetune", "--model", model.toString(), "--data", text.toString(), "--out", adapter.toString(), "--rank", "2",
                "--steps", "3", "--batch", "2", "--context", "16", "--held-out", "0.2", "--lr", "1e-2");
        assertThat((int) r[0]).as("stderr: %s", r[2]).isZero();
        String printed = (String) r[1];
        assertThat(printed).contains("base    held-out perplexity").contains(" per token, ").contains("(" + String.format("%,d", heldOutBytes) + " bytes)");
        assertThat(adapter.resolve("adapter_model.safetensors")).exists();
        // adapter perplexity scores the same held-out characters with the same tokenizer: finetune's "adapted" line again
        r = CliRun.run("adapter", "perplexity", "--model", model.toString(), "--adapter", adapter.toString(), "--data", text.toString(),
                "--held-out", "0.2");
        assertThat((int) r[0]).as("stderr: %s", r[2]).isZero();
        String adaptedLine = printed.lines().filter(l -> l.startsWith("adapted")).findFirst().orElseThrow();
        assertThat((String) r[1]).contains(adaptedLine);
        // a calibrated squeeze, then tuning towards the original adapter, both on the model's own tokens
        r = CliRun.run("adapter", "squeeze", "--adapter", adapter.toString(), "--model", model.toString(), "--rank", "1", "--data",
                text.toString(), "--held-out", "0.2", "--tune-steps", "2", "--out", dir.resolve("squeezed").toString());
        assertThat((int) r[0]).as("stderr: %s", r[2]).isZero();
        assertThat((String) r[1]).contains("squeezed 4 modules to rank 1").contains("nats per token");

        Path full = dir.resolve("full");
        r = CliRun.run("finetune", "--model", model.toString(), "--data", text.toString(), "--out", full.toString(), "--adapter", "full",
                "--steps", "2", "--batch", "2", "--context", "16", "--held-out", "0.2");
        assertThat((int) r[0]).as("stderr: %s", r[2]).isZero();
        assertThat(Files.readString(full.resolve(DecoderFolder.TOKENIZER))).isEqualTo(Files.readString(model.resolve(DecoderFolder.TOKENIZER)));
        r = CliRun.run("perplexity", "--model", full.toString(), "--text", text.toString(), "--max-bytes", "300");
        assertThat((int) r[0]).as("stderr: %s", r[2]).isZero();
    }
}
