package org.lowrank4j.formats.safetensors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsModelTest {
    private static final String SHARD1 = "model-00001-of-00002.safetensors";
    private static final String SHARD2 = "model-00002-of-00002.safetensors";

    @TempDir
    Path dir;

    @BeforeEach
    void writeTwoShards() throws IOException {
        new SafetensorsWriter()
                .add("model.embed_tokens.weight", new long[] {4, 2}, new float[] {0, 1, 2, 3, 4, 5, 6, 7})
                .add("model.layers.0.mlp.up_proj.weight", SafetensorsDtype.BF16, new long[] {2, 2},
                        new float[] {1, 2, 3, 4})
                .metadata("format", "pt").write(dir.resolve(SHARD1));
        new SafetensorsWriter().add("model.norm.weight", SafetensorsDtype.F16, new long[] {2}, new float[] {0.5f, 1})
                .add("lm_head.weight", new long[] {4, 2}, new float[] {8, 9, 10, 11, 12, 13, 14, 15})
                .write(dir.resolve(SHARD2));
        writeIndex("\"model.embed_tokens.weight\": \"" + SHARD1 + "\", "
                + "\"model.layers.0.mlp.up_proj.weight\": \"" + SHARD1 + "\", "
                + "\"model.norm.weight\": \"" + SHARD2 + "\", \"lm_head.weight\": \"" + SHARD2 + "\"");
    }

    private void writeIndex(String weightMap) throws IOException {
        Files.writeString(dir.resolve(SafetensorsModel.INDEX_FILE),
                "{\"metadata\": {\"total_size\": 68}, \"weight_map\": {" + weightMap + "}}");
    }

    @Test
    void findsTensorsAcrossShardsFromTheFolderOrTheIndex() throws IOException {
        for (Path path : new Path[] {dir, dir.resolve(SafetensorsModel.INDEX_FILE)}) {
            try (SafetensorsModel model = SafetensorsModel.open(path)) {
                assertThat(model.path()).isEqualTo(dir.resolve(SafetensorsModel.INDEX_FILE));
                assertThat(model.shards()).hasSize(2);
                assertThat(model.names()).containsExactly("lm_head.weight", "model.embed_tokens.weight",
                        "model.layers.0.mlp.up_proj.weight", "model.norm.weight");
                assertThat(model.metadata()).containsEntry("total_size", "68");
                assertThat(model.readFloats("model.embed_tokens.weight", 4, 2)).containsExactly(0, 1, 2, 3, 4, 5, 6, 7);
                assertThat(model.readFloats("lm_head.weight")).containsExactly(8, 9, 10, 11, 12, 13, 14, 15);
                assertThat(model.readDoubles("model.norm.weight")).containsExactly(0.5, 1);
                assertThat(model.info("model.layers.0.mlp.up_proj.weight").dtype()).isEqualTo(SafetensorsDtype.BF16);
                assertThat(model.shardOf("model.norm.weight").path().getFileName().toString()).isEqualTo(SHARD2);
            }
        }
    }

    @Test
    void opensASingleFileDirectlyOrInItsFolder() throws IOException {
        Path single = Files.createDirectory(dir.resolve("single"));
        new SafetensorsWriter().add("w", new long[] {1}, new float[] {3}).metadata("format", "pt")
                .write(single.resolve(SafetensorsModel.SINGLE_FILE));
        try (SafetensorsModel model = SafetensorsModel.open(single)) {
            assertThat(model.names()).containsExactly("w");
            assertThat(model.readFloats("w")).containsExactly(3f);
            assertThat(model.metadata()).containsEntry("format", "pt");
        }
    }

    @Test
    void tensorMissingFromEveryShardIsNamed() throws IOException {
        try (SafetensorsModel model = SafetensorsModel.open(dir)) {
            assertThatThrownBy(() -> model.readFloats("model.layers.7.self_attn.q_proj.weight"))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContainingAll("tensor 'model.layers.7.self_attn.q_proj.weight' not found",
                            "2 shards");
            assertThatThrownBy(() -> model.requireShape("lm_head.weight", 2, 4))
                    .hasMessageContainingAll("tensor 'lm_head.weight'", "[4, 2]", "[2, 4]");
        }
    }

    @Test
    void missingShardFileIsNamed() throws IOException {
        writeIndex("\"model.norm.weight\": \"model-00003-of-00003.safetensors\"");
        assertThatThrownBy(() -> SafetensorsModel.open(dir))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContainingAll("model-00003-of-00003.safetensors", "does not exist", "model.norm.weight");
    }

    @Test
    void indexPointingAtTheWrongShardIsNamed() throws IOException {
        writeIndex("\"model.norm.weight\": \"" + SHARD1 + "\"");
        assertThatThrownBy(() -> SafetensorsModel.open(dir))
                .hasMessageContainingAll("tensor 'model.norm.weight'", SHARD1, "no such tensor");
    }

    @Test
    void malformedIndexOrShardOutsideTheFolder() throws IOException {
        Files.writeString(dir.resolve(SafetensorsModel.INDEX_FILE), "{\"metadata\": {}}");
        assertThatThrownBy(() -> SafetensorsModel.open(dir)).hasMessageContaining("missing \"weight_map\"");
        writeIndex("\"w\": \"../elsewhere.safetensors\"");
        assertThatThrownBy(() -> SafetensorsModel.open(dir)).hasMessageContaining("not a file inside");
        writeIndex("\"w\": 3");
        assertThatThrownBy(() -> SafetensorsModel.open(dir)).hasMessageContaining("tensor 'w'");
    }

    @Test
    void folderWithoutAModel() throws IOException {
        Path empty = Files.createDirectory(dir.resolve("empty"));
        assertThatThrownBy(() -> SafetensorsModel.open(empty))
                .hasMessageContainingAll(empty.toString(), SafetensorsModel.INDEX_FILE, SafetensorsModel.SINGLE_FILE);
    }
}
