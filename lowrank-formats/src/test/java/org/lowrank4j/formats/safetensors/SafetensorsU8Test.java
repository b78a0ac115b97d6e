package org.lowrank4j.formats.safetensors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** U8 tensors (packed quantization codes) are written byte for byte beside float ones and read back unchanged. */
class SafetensorsU8Test {
    @TempDir
    Path dir;

    @Test
    void bytesRoundTripBesideFloats() throws Exception {
        byte[] codes = {0, 1, 127, (byte) 128, (byte) 200, (byte) 255};
        Path file = dir.resolve("q.safetensors");
        new SafetensorsWriter().add("a.qweight", new long[] {2, 3}, codes).add("a.qscales", new long[] {2}, new float[] {0.5f, -2f}).write(file);
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            assertThat(f.info("a.qweight").dtype()).isEqualTo(SafetensorsDtype.U8);
            ByteBuffer raw = f.bytes("a.qweight");
            byte[] back = new byte[raw.remaining()];
            raw.get(back);
            assertThat(back).containsExactly(codes);
            assertThat(f.readFloats("a.qweight")).containsExactly(0f, 1f, 127f, 128f, 200f, 255f);
            assertThat(f.readFloats("a.qscales")).containsExactly(0.5f, -2f);
        }
        assertThatThrownBy(() -> new SafetensorsWriter().add("x", new long[] {4}, new byte[3]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("holds 4 elements but 3 values");
    }
}
