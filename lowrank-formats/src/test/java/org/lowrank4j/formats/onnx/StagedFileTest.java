package org.lowrank4j.formats.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank4j.formats.io.ExitCleanup;

class StagedFileTest {

    @Test
    void aModelStoppedWhileItIsWrittenLeavesTheEarlierFileAndNoHiddenOne(@TempDir Path dir) throws IOException {
        Path target = Files.writeString(dir.resolve("model.onnx"), "earlier model");
        try (StagedFile staged = StagedFile.create(target)) {
            staged.output().write("half of a new model".getBytes(StandardCharsets.UTF_8));
            try {
                ExitCleanup.exit(); // Ctrl-C: the shutdown hook runs while this write goes on
                assertThatThrownBy(staged::commit).isInstanceOf(IOException.class).hasMessageContaining("process is ending");
            } finally {
                ExitCleanup.resumeAfterTest();
            }
        }
        assertThat(Files.readString(target)).isEqualTo("earlier model");
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("model.onnx"); // the hook deleted the hidden file
        }
    }
}
