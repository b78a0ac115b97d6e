package org.lowrank4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank4j.nn.generate.ByteTokenizer;

/** An OPT folder as facebook uploads them, with vocab.json and merges.txt but no tokenizer.json: named, then written. */
class TokenizerCommandTest {
    @Test
    void aFolderWithOnlyVocabAndMergesGetsItsTokenizerJson(@TempDir Path dir) throws Exception {
        Path model = Gpt2FolderCommandsTest.tinyOpt(dir.resolve("opt"));
        ObjectNode vocab = new ObjectMapper().createObjectNode();
        String[] symbols = ByteTokenizer.byteSymbols();
        for (int b = 0; b < 256; b++) {
            vocab.put(symbols[b], b);
        }
        Files.writeString(model.resolve("vocab.json"), vocab.toString());
        Files.writeString(model.resolve("merges.txt"), "#version: 0.2\n");

        assertThat(CliRun.refused("generate", "--model", model.toString(), "--prompt", "The")).contains("has no tokenizer.json")
                .contains("lowrank tokenizer --model " + model);
        Object[] r = CliRun.run("tokenizer", "--model", model.toString());
        assertThat((int) r[0]).as("stderr: %s", r[2]).isZero();
        assertThat(model.resolve("tokenizer.json")).exists();
        Object[] generated = CliRun.run("generate", "--model", model.toString(), "--prompt", "The Union", "--max-tokens", "4");
        assertThat((int) generated[0]).as("stderr: %s", generated[2]).isZero();
        assertThat((String) generated[1]).startsWith("The Union");
        assertThat(CliRun.refused("tokenizer", "--model", model.toString())).contains("already exists");
        assertThat(CliRun.refused("tokenizer", "--model", dir.toString())).contains("vocab.json and merges.txt");
        Files.write(model.resolve("merges.txt"), new byte[] {'#', (byte) 0xFF, (byte) 0xFE, (byte) 0xB9, '\n'});
        assertThat(CliRun.refused("tokenizer", "--model", model.toString(), "--out", dir.resolve("t.json").toString()))
                .contains(model.resolve("merges.txt") + " is not UTF-8 text: byte 0xFF at offset 1");
    }
}
