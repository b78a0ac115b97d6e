package org.lowrank4j.formats.io;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExitCleanupTest {

    @Test
    void registeredPathsAreDeletedAndForgottenOnesKept(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve(".out.tmp"), "partial");
        Path folder = Files.createDirectories(dir.resolve(".folder.tmp").resolve("inner"));
        Files.writeString(folder.resolve("x.bin"), "x");
        Path kept = Files.writeString(dir.resolve("kept.onnx"), "done");
        ExitCleanup.register(file);
        ExitCleanup.register(folder.getParent());
        ExitCleanup.register(kept);
        ExitCleanup.forget(kept); // renamed into place by its writer
        assertThat(ExitCleanup.pending(file)).isTrue();
        assertThat(ExitCleanup.pending(kept)).isFalse();

        ExitCleanup.deletePending();

        assertThat(file).doesNotExist();
        assertThat(folder.getParent()).doesNotExist();
        assertThat(kept).exists();
        assertThat(ExitCleanup.pending(file)).isFalse();
    }

    @Test
    void anAtomicWriteForgetsItsStagingFileWhenDone(@TempDir Path dir) throws Exception {
        Path target = dir.resolve("out.json");
        Path[] staged = new Path[1];
        AtomicFiles.write(target, out -> {
            try (var files = Files.list(dir)) {
                staged[0] = files.filter(p -> p.getFileName().toString().endsWith(".tmp")).findFirst().orElseThrow();
            }
            assertThat(ExitCleanup.pending(staged[0])).isTrue();
            out.write(1);
        });
        assertThat(ExitCleanup.pending(staged[0])).isFalse();
        assertThat(target).hasBinaryContent(new byte[] {1});
    }
}
