package org.lowrank4j.compress.tokenize;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank4j.compress.eval.RealModels;

class HfTokenizerTest {

    private static HfTokenizer miniLm;

    @BeforeAll
    static void load() {
        miniLm = HfTokenizer.load(RealModels.miniLmTokenizer());
    }

    @AfterAll
    static void close() {
        miniLm.close();
    }

    @Test
    void knownWordPieceIds() {
        assertThat(miniLm.ids("hello world")).containsExactly(101, 7592, 2088, 102);
        assertThat(miniLm.vocabularySize()).isEqualTo(30522);
        assertThat(miniLm.padId()).isZero();
    }

    @Test
    void batchIsPaddedToItsLongestTextNotToTheFilesFixedLength() {
        EncodedBatch batch = miniLm.encode(List.of("hello world", "hello world, hello again"));

        assertThat(batch.size()).isEqualTo(2);
        assertThat(batch.length()).isEqualTo(miniLm.ids("hello world, hello again").length).isLessThan(128);
        assertThat(batch.inputIds()[0]).startsWith(101, 7592, 2088, 102).endsWith(0);
        assertThat(batch.attentionMask()[0]).startsWith(1, 1, 1, 1).endsWith(0);
        assertThat(batch.tokenCount(0)).isEqualTo(4);
        assertThat(batch.tokenTypeIds()[1]).containsOnly(0);
        assertThat(batch.row(0).inputIds()[0]).containsExactly(101, 7592, 2088, 102);
    }

    @Test
    void truncatesToMaxLength() {
        try (HfTokenizer short8 = HfTokenizer.load(RealModels.miniLmTokenizer(), 8)) {
            long[] ids = short8.ids("one two three four five six seven eight nine ten eleven");
            assertThat(ids).hasSize(8);
            assertThat(ids[0]).isEqualTo(101);
            assertThat(ids[7]).isEqualTo(102);
        }
    }

    @Test
    void truncatesToAMaxLengthAbove512() {
        // DJL's HuggingFaceTokenizer lowers any max length above 512 to 512 unless told the model takes more
        String text = "word ".repeat(700);
        try (HfTokenizer long600 = HfTokenizer.load(RealModels.miniLmTokenizer(), 600);
                HfTokenizer long513 = HfTokenizer.load(RealModels.miniLmTokenizer(), 513)) {
            assertThat(long600.ids(text)).hasSize(600);
            assertThat(long513.ids(text)).hasSize(513);
            assertThat(long600.maxLength()).isEqualTo(600);
        }
    }

    @Test
    void notATokenizerJsonIsAClearError(@TempDir Path dir) throws IOException {
        Path config = dir.resolve("config.json");
        Files.writeString(config, "{\"hidden_size\": 384}");
        Path text = dir.resolve("vocab.txt");
        Files.writeString(text, "[PAD]\n[UNK]\n");

        assertThatThrownBy(() -> HfTokenizer.load(config))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("is not a Hugging Face tokenizer.json");
        assertThatThrownBy(() -> HfTokenizer.load(text))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not valid JSON");
        assertThatThrownBy(() -> HfTokenizer.load(dir.resolve("missing.json")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("does not exist");
    }
}
