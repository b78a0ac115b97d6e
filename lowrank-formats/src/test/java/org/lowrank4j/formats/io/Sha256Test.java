package org.lowrank4j.formats.io;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Sha256Test {

    @Test
    void aTextGivesTheStandardsTestVector() {
        // FIPS 180-2, appendix B.1: the message "abc"
        assertThat(Sha256.ofText("abc")).isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    @Test
    void aFileLongerThanOneReadBlockHashesAsItsBytesInOnePiece(@TempDir Path dir) throws IOException {
        StringBuilder text = new StringBuilder();
        for (int i = 0; text.length() < 200_000; i++) { // three 64 KiB blocks and a part
            text.append("line ").append(i).append(" é\n");
        }
        Path file = dir.resolve("text.txt");
        Files.writeString(file, text, StandardCharsets.UTF_8);
        assertThat(Sha256.ofFile(file)).isEqualTo(Sha256.ofText(text.toString())).hasSize(64).matches("[0-9a-f]+");

        MessageDigest parts = Sha256.digest();
        Sha256.addFile(parts, file);
        Sha256.addFile(parts, file);
        assertThat(Sha256.hex(parts)).isEqualTo(Sha256.ofText(text.toString() + text));
    }
}
