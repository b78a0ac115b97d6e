package org.lowrank4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank4j.formats.hf.HfArchitecture;
import org.lowrank4j.formats.hf.HfConfig;

/**
 * Windows a command picks by itself stop at 2,048 tokens for a long-context model; a Mistral config's sliding window masks
 * its layers and leaves its context whole.
 */
class LongContextDefaultsTest {

    private static Path decoder(Path dir, String name, HfConfig config) throws IOException {
        return CliRun.randomDecoder(dir, name, config);
    }

    private static JsonNode perplexity(Path dir, Path model, Path text) throws IOException {
        Path json = dir.resolve(model.getFileName() + ".json");
        Object[] r = CliRun.run("perplexity", "--model", model.toString(), "--text", text.toString(), "--json", json.toString());
        assertThat((int) r[0]).as("stderr: %s", r[2]).isZero();
        return new ObjectMapper().readTree(json.toFile());
    }

    @Test
    void perplexityOfALongContextModelDefaultsToWindowsOf2048(@TempDir Path dir) throws IOException {
        Path text = dir.resolve("text.txt");
        StringBuilder sb = new StringBuilder();
        Random random = new Random(2);
        while (sb.length() < 5_000) {
            sb.append("word").append(random.nextInt(100)).append(random.nextInt(8) == 0 ? ".\n" : " ");
        }
        Files.writeString(text, sb);
        Path longModel = decoder(dir, "long", HfConfig.builder(HfArchitecture.LLAMA).hiddenSize(16).intermediateSize(24).numHiddenLayers(1)
                .numAttentionHeads(2).vocabSize(256).maxPositionEmbeddings(8192).tieWordEmbeddings(true).build());
        JsonNode scored = perplexity(dir, longModel, text);
        assertThat(scored.get("window").asInt()).isEqualTo(2048);
        assertThat(scored.get("windows").asInt()).isEqualTo(3); // two full windows and the rest

        Path mistral = decoder(dir, "mistral", HfConfig.builder(HfArchitecture.LLAMA).modelType("mistral").hiddenSize(16).intermediateSize(24)
                .numHiddenLayers(1).numAttentionHeads(2).vocabSize(256).maxPositionEmbeddings(64).tieWordEmbeddings(true).put("sliding_window", 16).build());
        // its layers mask by the window of 16, so the model keeps its 64 positions
        assertThat(perplexity(dir, mistral, text).get("window").asInt()).isEqualTo(64);
        String refused = CliRun.refused("perplexity", "--model", mistral.toString(), "--text", text.toString(), "--window", "65");
        assertThat(refused).contains("--window 65").contains("64 positions");
    }
}
