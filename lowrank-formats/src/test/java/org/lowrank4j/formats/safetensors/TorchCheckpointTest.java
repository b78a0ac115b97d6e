package org.lowrank4j.formats.safetensors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A state dict in torch.save's zip layout (src/test/resources/torch/make_fixture.py wrote it the way torch does, without
 * torch): names, shapes, element types, offsets into a shared storage, the refusal of a strided view, and files that are
 * not PyTorch checkpoints.
 */
class TorchCheckpointTest {
    @TempDir
    Path dir;

    private Path fixture() throws IOException {
        Path file = dir.resolve("pytorch_model.bin");
        try (InputStream in = TorchCheckpointTest.class.getResourceAsStream("/torch/tiny-state-dict.bin")) {
            Files.copy(in, file);
        }
        return file;
    }

    @Test
    void readsTheTensorsOfAStateDict() throws IOException {
        try (TorchCheckpoint ckpt = TorchCheckpoint.open(fixture())) {
            assertThat(ckpt.names()).containsExactly("a.bias", "a.t", "a.view", "a.weight", "b");
            assertThat(ckpt.info("a.weight").shape()).containsExactly(2, 3);
            assertThat(ckpt.info("a.weight").dtype()).isEqualTo(SafetensorsDtype.F32);
            assertThat(ckpt.readFloats("a.weight")).containsExactly(-1f, -0.5f, 0f, 0.5f, 1f, 1.5f);
            assertThat(ckpt.info("a.bias").dtype()).isEqualTo(SafetensorsDtype.F16);
            assertThat(ckpt.readFloats("a.bias")).containsExactly(0.25f, -2f, 65504f);
            assertThat(ckpt.readDoubles("b")).containsExactly(1.0, -3.0, 0.15625, 256.0); // bfloat16
            assertThat(ckpt.readFloats("a.view")).containsExactly(0f, 0.5f); // elements 2 and 3 of a.weight's storage
            assertThat(ckpt.readFloats("a.weight", 2, 3)).hasSize(6);
            assertThatThrownBy(() -> ckpt.readFloats("a.weight", 3, 2)).hasMessageContaining("has shape [2, 3] but [3, 2] was expected");
            assertThatThrownBy(() -> ckpt.readFloats("a.t")).hasMessageContaining("not contiguously").hasMessageContaining("[1, 3]");
            assertThatThrownBy(() -> ckpt.info("c")).hasMessageContaining("missing tensor 'c'");
        }
    }

    @Test
    void aModelFolderWithOnlyPytorchModelBinOpensThroughCheckpointFolder() throws IOException {
        fixture();
        assertThat(CheckpointFolder.hasWeights(dir)).isTrue();
        try (TensorSource source = CheckpointFolder.open(dir)) {
            assertThat(source).isInstanceOf(TorchCheckpoint.class);
            assertThat(source.contains("b")).isTrue();
        }
        Files.writeString(dir.resolve(CheckpointFolder.TORCH_INDEX), "{}");
        Files.delete(dir.resolve(CheckpointFolder.TORCH_FILE));
        assertThatThrownBy(() -> CheckpointFolder.open(dir)).hasMessageContaining("sharded PyTorch checkpoint");
    }

    @Test
    void filesThatAreNotCheckpointsAreRefusedInOneLine() throws IOException {
        Path text = Files.writeString(dir.resolve("old.bin"), "not a zip");
        assertThatThrownBy(() -> TorchCheckpoint.open(text)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("older than PyTorch 1.6").message().doesNotContain("\n");
        Path zip = dir.resolve("other.bin");
        try (ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(zip))) {
            out.putNextEntry(new ZipEntry("x/readme.txt"));
            out.write(1);
        }
        assertThatThrownBy(() -> TorchCheckpoint.open(zip)).hasMessageContaining("without PREFIX/data.pkl");
        // a pickle of something else than a dict of tensors: a bare list
        Path list = dir.resolve("list.bin");
        try (ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(list))) {
            out.putNextEntry(new ZipEntry("archive/data.pkl"));
            out.write(new byte[] {(byte) 0x80, 2, ']', '.'}); // PROTO 2, EMPTY_LIST, STOP
        }
        assertThatThrownBy(() -> TorchCheckpoint.open(list)).hasMessageContaining("not a state dict");
    }
}
