package org.lowrank4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank4j.formats.hf.HfArchitecture;
import org.lowrank4j.formats.hf.HfConfig;

/** A Qwen3 folder (per-head q/k norms) compresses and generates; CSKV, which cannot keep those norms, refuses it at once. */
class Qwen3CommandsTest {

    @Test
    void compressesAndGeneratesAndCskvRefusesInOneLine(@TempDir Path dir) throws IOException {
        HfConfig config = HfConfig.builder(HfArchitecture.LLAMA).modelType("qwen3").hiddenSize(16).intermediateSize(24).numHiddenLayers(1)
                .numAttentionHeads(2).numKeyValueHeads(1).headDim(16).vocabSize(256).maxPositionEmbeddings(64).tieWordEmbeddings(true).build();
        Path folder = CliRun.randomDecoder(dir, "qwen3", config);
        Path text = dir.resolve("text.txt");
        Files.writeString(text, "The quick brown fox jumps over the lazy dog. ".repeat(40));

        Path compressed = dir.resolve("svd");
        Object[] r = CliRun.run("compress", "--model", folder.toString(), "--method", "svd", "--ratio", "0.3", "--out", compressed.toString());
        assertThat((int) r[0]).as("stderr: %s", r[2]).isZero();
        r = CliRun.run("generate", "--model", compressed.toString(), "--prompt", "The", "--temperature", "0", "--max-tokens", "8");
        assertThat((int) r[0]).as("stderr: %s", r[2]).isZero();
        assertThat((String) r[1]).startsWith("The");

        String refused = CliRun.refused("cskv", "--model", folder.toString(), "--out", dir.resolve("cskv").toString(), "--calib", text.toString(),
                "--init", "asvd");
        assertThat(refused).contains("qwen3").contains("normalised per head");
        assertThat(dir.resolve("cskv")).doesNotExist();
    }
}
