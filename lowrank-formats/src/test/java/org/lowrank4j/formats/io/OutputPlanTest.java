package org.lowrank4j.formats.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OutputPlanTest {

    @Test
    void refusesAnOutputThatIsAnInputEvenThroughALink(@TempDir Path dir) throws IOException {
        Path input = Files.writeString(dir.resolve("in.onnx"), "x");
        Path link = Files.createSymbolicLink(dir.resolve("link.onnx"), input);
        assertThatThrownBy(() -> OutputPlan.of("--out", link, true).input("--model", input).check())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("is the --model input");
        assertThat(Files.readString(input)).isEqualTo("x");
    }

    @Test
    void refusesAnOutputFolderHoldingAnInput(@TempDir Path dir) throws IOException {
        Path folder = Files.createDirectories(dir.resolve("model"));
        Path input = Files.writeString(folder.resolve("config.json"), "{}");
        assertThatThrownBy(() -> OutputPlan.of("--out", folder, true).input("--model", input).check())
                .hasMessageContaining("holds the --model input");
    }

    @Test
    void refusesAnOutputOnTheFilesAnInputFolderIsReadFromEvenWithForce(@TempDir Path dir) throws IOException {
        Path adapter = Files.createDirectories(dir.resolve("adapter"));
        Path weights = Files.writeString(adapter.resolve("adapter_model.safetensors"), "weights");
        Files.writeString(adapter.resolve("adapter_config.json"), "{}");
        assertThatThrownBy(() -> OutputPlan.of("--out", weights, true).input("--adapter", adapter).check())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("is a file the --adapter folder")
                .hasMessageContaining("adapter_model.safetensors");
        assertThatThrownBy(() -> OutputPlan.of("--json", adapter.resolve("adapter_config.json"), true).input("--adapter", adapter).check())
                .hasMessageContaining("--adapter folder");
        Files.writeString(adapter.resolve("tokenizer.json"), "{}");
        assertThatThrownBy(() -> OutputPlan.of("--out", dir.resolve("new"), true).sidecar(adapter.resolve("tokenizer.json"))
                .input("--adapter", adapter).check()).hasMessageContaining("would write " + adapter.resolve("tokenizer.json"));
        assertThat(Files.readString(weights)).isEqualTo("weights");
        // a record written beside the inputs (perplexity --json into the model folder) is still allowed
        assertThat(OutputPlan.of("--json", adapter.resolve("perplexity.json"), false).input("--adapter", adapter).check()).isEmpty();
        // and so is a new weights file beside the inputs: it replaces nothing they are read from
        assertThat(OutputPlan.of("--out", adapter.resolve("merged.onnx"), false).input("--adapter", adapter).check()).isEmpty();
    }

    @Test
    void aPlanThatCreatesParentsChecksWithoutCreatingThem(@TempDir Path dir) throws IOException {
        Path model = Files.createDirectories(dir.resolve("model"));
        Files.writeString(model.resolve("config.json"), "{}");
        Path inside = model.resolve("new").resolve("results");
        assertThatThrownBy(() -> OutputPlan.of("--out", inside, true).folderOutput(true).createsParents().input("--model", model).check())
                .hasMessage("--out " + inside + " is inside the --model folder " + model + "; choose a folder outside every input");
        assertThat(model.resolve("new")).doesNotExist();
        Path missing = dir.resolve("a").resolve("b").resolve("results");
        assertThat(OutputPlan.of("--out", missing, false).folderOutput(true).createsParents().input("--model", model).check()).isEmpty();
        assertThat(dir.resolve("a")).doesNotExist();
        assertThatThrownBy(() -> OutputPlan.of("--out", missing, false).folderOutput(true).check()).hasMessageContaining("does not exist; create it first");
        Path file = Files.writeString(dir.resolve("notes.txt"), "x");
        assertThatThrownBy(() -> OutputPlan.of("--out", file.resolve("x").resolve("results"), false).createsParents().check())
                .hasMessageContaining(file + " is a file, not a folder");
    }

    @Test
    void refusesAnOutputFolderInsideAnInputFolderButNotAFileBesideIt(@TempDir Path dir) throws IOException {
        Path model = Files.createDirectories(dir.resolve("model"));
        Files.writeString(model.resolve("config.json"), "{}");
        assertThatThrownBy(() -> OutputPlan.of("--out", model.resolve("sub"), false).folderOutput(true).input("--model", model).check())
                .hasMessage("--out " + model.resolve("sub") + " is inside the --model folder " + model + "; choose a folder outside every input");
        assertThat(OutputPlan.of("--out", dir.resolve("beside"), false).folderOutput(true).input("--model", model).check()).isEmpty();
        assertThat(OutputPlan.of("--json", model.resolve("perplexity.json"), false).input("--model", model).check()).isEmpty();
    }

    @Test
    void anExistingOutputIsDescribedByTheCommandAfterTheInputsAreChecked(@TempDir Path dir) throws IOException {
        Path out = Files.createDirectories(dir.resolve("run"));
        java.util.function.Function<Path, String> describe = p -> p.equals(out) ? "holds an earlier run: say what to do" : null;
        assertThatThrownBy(() -> OutputPlan.of("--out", out, false).whenPresent(describe).check())
                .hasMessage("--out " + out + " holds an earlier run: say what to do");
        assertThatThrownBy(() -> OutputPlan.of("--out", out, false).whenPresent(describe).input("--model", out).check())
                .hasMessageContaining("is the --model input");
        Path plain = Files.createDirectories(dir.resolve("plain"));
        assertThatThrownBy(() -> OutputPlan.of("--out", plain, false).whenPresent(describe).check()).hasMessageContaining("already exists; pass --force");
        assertThat(OutputPlan.of("--out", out, true).whenPresent(describe).check()).containsExactly(out);
    }

    @Test
    void refusesTwoOutputsOnOneFile(@TempDir Path dir) {
        Path out = dir.resolve("m.json");
        assertThatThrownBy(() -> OutputPlan.of("--out", out, false).sidecar(dir.resolve("m.json")).check()).hasMessageContaining("are the same file");
    }

    @Test
    void existingOutputsNeedForce(@TempDir Path dir) throws IOException {
        Path out = Files.writeString(dir.resolve("m.onnx"), "old");
        Path record = dir.resolve("m.json");
        assertThatThrownBy(() -> OutputPlan.of("--out", out, false).sidecar(record).check()).hasMessageContaining("pass --force");
        assertThat(OutputPlan.of("--out", out, true).sidecar(record).check()).containsExactly(out);
        assertThatThrownBy(() -> OutputPlan.of("--out", dir.resolve("no").resolve("m.onnx"), true).check()).hasMessageContaining("does not exist")
                .hasMessageContaining("--out " + dir.resolve("no").resolve("m.onnx") + ": the folder it goes in, " + dir.resolve("no").toAbsolutePath());
    }

    @Test
    void removesOnlyTheStagingFilesOfDeadProcesses(@TempDir Path dir) throws IOException {
        Path target = dir.resolve("m.onnx");
        long dead = 4_000_000;
        while (ProcessHandle.of(dead).isPresent()) {
            dead++;
        }
        Path stale = Files.writeString(dir.resolve(".m.onnx.lowrank-" + dead + "-ab.tmp"), "x");
        Path staleFolder = Files.createDirectories(dir.resolve(".m.onnx.lowrank-" + dead + "-cd.old"));
        Files.writeString(staleFolder.resolve("model.safetensors"), "x");
        Path live = AtomicFiles.createSibling(target);
        Path other = Files.writeString(dir.resolve(".other.onnx.lowrank-" + dead + "-ef.tmp"), "x");
        assertThat(AtomicFiles.removeStale(target)).isEqualTo(2);
        assertThat(stale).doesNotExist();
        assertThat(staleFolder).doesNotExist();
        assertThat(live).exists();
        assertThat(other).exists();
    }

    /** A folder first written after long work is tried up front: a name the file system refuses is refused before the work. */
    @Test
    void anOutputCreatedAfterLongWorkIsTriedFirstAndLeftAsItWas(@TempDir Path dir) throws IOException {
        Path tooLong = dir.resolve("x".repeat(300)); // past NAME_MAX (255 bytes) of the common file systems
        assertThatThrownBy(() -> OutputPlan.of("--out", tooLong, false).createdAfterLongWork().check()).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("--out " + tooLong + " cannot be created (").hasMessageEndingWith("); choose another path");
        assertThat(OutputPlan.of("--out", tooLong, false).check()).as("without the option, as before").isEmpty();
        Path fresh = dir.resolve("fresh");
        assertThat(OutputPlan.of("--out", fresh, false).createdAfterLongWork().check()).isEmpty();
        assertThat(fresh).doesNotExist(); // tried, and taken away again
        Path existing = Files.createDirectories(dir.resolve("existing"));
        Files.writeString(existing.resolve("notes.txt"), "mine");
        assertThat(OutputPlan.of("--out", existing, true).createdAfterLongWork().check()).containsExactly(existing);
        assertThat(Files.readString(existing.resolve("notes.txt"))).isEqualTo("mine");
        try (java.util.stream.Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("existing");
        }
    }
}
