package org.lowrank4j.formats.safetensors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading a floating-point tensor that holds NaN or an infinity is refused, naming the file and the tensor. */
class SafetensorsNonFiniteTest {
    @TempDir
    Path dir;

    private static void assertRefused(Path file, ThrowingRead read, String tensor, long index) {
        assertThatThrownBy(read::run)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContainingAll(file.toString(), "tensor '" + tensor + "'",
                        "non-finite values (first at index " + index + ")", "damaged")
                .hasMessageNotContaining("\n");
    }

    @FunctionalInterface
    private interface ThrowingRead {
        void run() throws Exception;
    }

    @Test
    void nanInF32IsRefusedAsFloatsAndAsDoubles() throws IOException {
        Path file = dir.resolve("m.safetensors");
        new SafetensorsWriter().add("w", new long[] {2, 3}, new float[] {1, 2, 3, Float.NaN, 5, 6}).write(file);
        try (SafetensorsFile opened = SafetensorsFile.open(file)) {
            assertRefused(file, () -> opened.readFloats("w"), "w", 3);
            assertRefused(file, () -> opened.readDoubles("w"), "w", 3);
        }
        try (SafetensorsModel model = SafetensorsModel.open(dir)) {
            assertRefused(file, () -> model.readFloats("w", 2, 3), "w", 3);
        }
    }

    @Test
    void infinityInHalfTypesAndF64IsRefused() throws IOException {
        Path file = dir.resolve("m.safetensors");
        new SafetensorsWriter()
                .add("half", SafetensorsDtype.F16, new long[] {3}, new float[] {1, 1e6f, 2}) // 1e6 overflows F16
                .add("brain", SafetensorsDtype.BF16, new long[] {2}, new float[] {Float.NEGATIVE_INFINITY, 0})
                .add("wide", new long[] {2}, new double[] {0, Double.POSITIVE_INFINITY})
                .write(file);
        try (SafetensorsFile opened = SafetensorsFile.open(file)) {
            assertRefused(file, () -> opened.readFloats("half"), "half", 1);
            assertRefused(file, () -> opened.readDoubles("brain"), "brain", 0);
            assertRefused(file, () -> opened.readDoubles("wide"), "wide", 1);
        }
    }

    @Test
    void aScalarInfinityAndIntegerTensorsAreRead() throws IOException {
        String header = "{\"mask_fill\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4]},"
                + "\"ids\":{\"dtype\":\"I32\",\"shape\":[2],\"data_offsets\":[4,12]}}";
        byte[] data = RawSafetensors.concat(RawSafetensors.floats(Float.NEGATIVE_INFINITY),
                new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0x7f, (byte) 0x7f, 0, 0, (byte) 0x80, (byte) 0x7f});
        Path file = RawSafetensors.write(dir.resolve("m.safetensors"), header, data);
        try (SafetensorsFile opened = SafetensorsFile.open(file)) {
            assertThat(opened.readFloats("mask_fill")).containsExactly(Float.NEGATIVE_INFINITY);
            // The bits of NaN and +inf read as I32 are ordinary integers.
            assertThat(opened.readDoubles("ids")).containsExactly(0x7f7fffff, 0x7f800000);
        }
    }
}
