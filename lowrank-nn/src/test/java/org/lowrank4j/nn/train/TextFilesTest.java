package org.lowrank4j.nn.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Strict text reading: UTF-8 or a refusal with the offset, no binary, no special files, a cap. */
class TextFilesTest {
    @TempDir
    Path dir;

    @Test
    void utf8IsReadAndItsByteOrderMarkDropped() throws IOException {
        Path file = Files.write(dir.resolve("a.txt"), new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF, 'n', 'a', (byte) 0xC3, (byte) 0xAF, 'v', 'e'});
        assertThat(TextFiles.read(file)).isEqualTo("na\u00efve");
    }

    @Test
    void latin1IsRefusedAtTheOffsetOfTheFirstBadByte() throws IOException {
        Path file = Files.write(dir.resolve("latin1.txt"), "caf\u00e9 au lait".getBytes(StandardCharsets.ISO_8859_1));
        assertThatThrownBy(() -> TextFiles.read(file)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("latin1.txt is not UTF-8").hasMessageContaining("0xE9 at offset 3");
        Path truncated = Files.write(dir.resolve("cut.txt"), new byte[] {'a', 'b', (byte) 0xE2, (byte) 0x82});
        assertThatThrownBy(() -> TextFiles.read(truncated)).hasMessageContaining("offset 2");
    }

    @Test
    void aNulByteIsBinary() throws IOException {
        Path file = Files.write(dir.resolve("bin.txt"), new byte[] {'a', 'b', 'c', 0, 'd'});
        assertThatThrownBy(() -> TextFiles.read(file)).hasMessageContaining("bin.txt holds binary data").hasMessageContaining("offset 3");
    }

    @Test
    void specialFilesAndFoldersAreRefusedBeforeOpening() throws Exception {
        assertThatThrownBy(() -> TextFiles.read(dir)).hasMessageContaining("is a folder");
        assertThatThrownBy(() -> TextFiles.read(dir.resolve("missing.txt"))).hasMessageContaining("does not exist");
        Path zero = Path.of("/dev/zero");
        if (Files.exists(zero)) {
            assertThatThrownBy(() -> TextFiles.read(zero)).hasMessageContaining("/dev/zero is not a regular file (a character device)");
        }
        Path fifo = dir.resolve("fifo");
        if (new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor() == 0) {
            assertThatThrownBy(() -> TextFiles.read(fifo)).hasMessageContaining("a named pipe");
        }
    }

    @Test
    void aBudgetCapsTheTextOfSeveralFiles() throws IOException {
        Path a = Files.writeString(dir.resolve("a.txt"), "x".repeat(60)), b = Files.writeString(dir.resolve("b.txt"), "y".repeat(60));
        TextFiles.Budget budget = new TextFiles.Budget(100);
        assertThat(budget.read(a)).hasSize(60);
        assertThatThrownBy(() -> budget.read(b)).hasMessageContaining("b.txt").hasMessageContaining("limit of 100 bytes");
    }
}
