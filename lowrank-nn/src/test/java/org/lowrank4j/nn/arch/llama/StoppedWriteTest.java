package org.lowrank4j.nn.arch.llama;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A process stopped with SIGTERM while {@link LowRankFolder#writeFolder} fills its hidden folder leaves nothing behind:
 * the run's shutdown hook deletes the staging folder that the interrupted {@code finally} block never reaches.
 */
class StoppedWriteTest {

    /** Writes a folder whose contents never finish: one file in the hidden folder, then "ready", then a long sleep. */
    public static void main(String[] args) throws Exception {
        Path out = Path.of(args[0]);
        LowRankFolder.writeFolder(out, null, new Path[0], temp -> {
            Files.createDirectories(temp);
            Files.writeString(temp.resolve("model.safetensors"), "half a model");
            System.out.println("ready " + temp);
            System.out.flush();
            try {
                Thread.sleep(60_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
    }

    @Test
    void sigtermDuringTheWriteLeavesNoHiddenFolder(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("model-lr");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), StoppedWriteTest.class.getName(), out.toString())
                .redirectErrorStream(true).start();
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line = lines.readLine();
            assertThat(line).as("the child's first line").startsWith("ready ");
            Path hidden = Path.of(line.substring("ready ".length()));
            assertThat(hidden).exists();
            assertThat(hidden.getParent()).isEqualTo(dir);
            p.destroy(); // SIGTERM
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(hidden).doesNotExist();
        } finally {
            p.destroyForcibly();
        }
        try (Stream<Path> left = Files.list(dir)) {
            assertThat(left.toList()).as("what the stopped run left").isEqualTo(List.of());
        }
    }
}
