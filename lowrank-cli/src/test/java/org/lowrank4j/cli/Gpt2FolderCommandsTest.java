package org.lowrank4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank4j.formats.hf.HfArchitecture;
import org.lowrank4j.formats.hf.HfConfig;
import org.lowrank4j.nn.arch.gpt2.Gpt2Model;
import org.lowrank4j.nn.generate.ByteTokenizer;
import org.lowrank4j.nn.generate.Perplexity;
import org.lowrank4j.nn.tensor.Precision;

/**
 * A GPT-2-style folder (config.json with model_type gpt2, Hugging Face's safetensors layout, a byte-level tokenizer),
 * tiny and random, written here: generate and perplexity run it, the perplexity figure is the runtime's own on the
 * same tokens, and compress refuses it in one line.
 */
class Gpt2FolderCommandsTest {
    private static final String TEXT = "The Congress met in the capital and the treaty was signed in the spring. ".repeat(4);

    private static Path tinyGpt2(Path folder) throws Exception {
        Files.createDirectories(folder);
        HfConfig config = HfConfig.builder(HfArchitecture.GPT2).hiddenSize(16).numHiddenLayers(2).numAttentionHeads(2).vocabSize(256)
                .maxPositionEmbeddings(32).build();
        Gpt2Model model = new Gpt2Model(config, Precision.FLOAT32);
        model.initialize(new Random(4));
        model.save(folder);
        ByteTokenizer.writeJson(folder);
        return folder;
    }

    @Test
    void generateAndPerplexityRunAGpt2Folder(@TempDir Path dir) throws Exception {
        Path model = tinyGpt2(dir.resolve("gpt2"));
        Path text = Files.writeString(dir.resolve("text.txt"), TEXT);
        Object[] generated = CliRun.run("generate", "--model", model.toString(), "--prompt", "The Congress", "--max-tokens", "12");
        assertThat((int) generated[0]).as("stderr: %s", generated[2]).isZero();
        assertThat((String) generated[1]).startsWith("The Congress");

        Path json = dir.resolve("ppl.json");
        Object[] ppl = CliRun.run("perplexity", "--model", model.toString(), "--text", text.toString(), "--json", json.toString());
        assertThat((int) ppl[0]).as("stderr: %s", ppl[2]).isZero();
        JsonNode figures = new ObjectMapper().readTree(json.toFile());
        // the same windows scored by the runtime's GPT-2 directly (byte ids, the model's 32 positions)
        int[] ids = new ByteTokenizer().encode(TEXT);
        double direct = Perplexity.evaluate(Gpt2Model.load(model, Precision.FLOAT32), ids, 32, TEXT.getBytes(StandardCharsets.UTF_8).length).perplexity();
        assertThat(figures.get("perplexity").asDouble()).isCloseTo(direct, org.assertj.core.data.Offset.offset(1e-9 * direct));
        assertThat(direct).isFinite().isGreaterThan(100).isLessThan(600); // a random byte model sits near the 256 of a uniform guess
    }

    @Test
    void compressRefusesAGpt2FolderInOneLine(@TempDir Path dir) throws Exception {
        Path model = tinyGpt2(dir.resolve("gpt2"));
        Object[] r = CliRun.run("compress", "--model", model.toString(), "--method", "svd", "--ratio", "0.2", "--out", dir.resolve("out").toString());
        assertThat((int) r[0]).isNotZero();
        assertThat(((String) r[2]).strip()).contains("is GPT-2 (model_type gpt2)").doesNotContain("\n");
        assertThat(dir.resolve("out")).doesNotExist();
    }
}
