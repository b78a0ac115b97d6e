package org.lowrank4j.formats.safetensors;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.lowrank4j.formats.onnx.OnnxTensors;

class SafetensorsRoundTripTest {
    @TempDir
    Path dir;

    private static float[] randomValues(int n, long seed) {
        Random random = new Random(seed);
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = (float) random.nextGaussian() * 3;
        }
        values[0] = 0f;
        values[1] = -0f;
        values[2] = 1 + 0x1p-11f; // a tie for F16: rounds to even (1.0)
        values[3] = 1 + 0x1p-8f; // a tie for BF16: rounds to even (1.0)
        return values;
    }

    private static float rounded(SafetensorsDtype dtype, float value) {
        return switch (dtype) {
            case F32 -> value;
            case F16 -> OnnxTensors.halfToFloat(OnnxTensors.floatToHalf(value));
            case BF16 -> OnnxTensors.bfloat16ToFloat(OnnxTensors.floatToBfloat16(value));
            default -> throw new AssertionError(dtype);
        };
    }

    @ParameterizedTest
    @EnumSource(value = SafetensorsDtype.class, names = {"F32", "F16", "BF16"})
    void roundTripsEachWritableDtype(SafetensorsDtype dtype) throws IOException {
        float[] values = randomValues(7 * 13, 42);
        Path file = dir.resolve("m.safetensors");
        new SafetensorsWriter().add("w", dtype, new long[] {7, 13}, values).metadata("format", "pt").write(file);

        try (SafetensorsFile read = SafetensorsFile.open(file)) {
            TensorInfo info = read.info("w");
            assertThat(info.dtype()).isEqualTo(dtype);
            assertThat(info.shape()).containsExactly(7, 13);
            assertThat(info.byteLength()).isEqualTo(7 * 13L * dtype.byteSize());
            float[] back = read.readFloats("w");
            double[] backDouble = read.readDoubles("w");
            for (int i = 0; i < values.length; i++) {
                assertThat(back[i]).as("element %d", i).isEqualTo(rounded(dtype, values[i]));
                assertThat(backDouble[i]).isEqualTo(back[i]);
            }
            assertThat(read.metadata()).containsExactly(Map.entry("format", "pt"));
        }
        if (dtype != SafetensorsDtype.F32) {
            assertThat(rounded(dtype, values[2 + (dtype == SafetensorsDtype.BF16 ? 1 : 0)])).isEqualTo(1f);
        }
    }

    @Test
    void readsManyTensorsFromOneMappingAndKeepsSortedDeterministicLayout() throws IOException {
        SafetensorsWriter writer = new SafetensorsWriter().metadata("format", "pt");
        float[][] values = new float[5][];
        String[] names = {"z.bias", "a.weight", "m.weight", "scalar", "empty"};
        long[][] shapes = {{3}, {4, 5}, {2, 3, 2}, {}, {0, 4}};
        for (int t = 0; t < names.length; t++) {
            values[t] = randomValues(Math.max(4, (int) TensorInfo.elementCount(shapes[t])), t);
            values[t] = Arrays.copyOf(values[t], (int) TensorInfo.elementCount(shapes[t]));
            writer.add(names[t], shapes[t], values[t]);
        }
        Path first = dir.resolve("first.safetensors");
        Path second = dir.resolve("second.safetensors");
        writer.write(first);
        writer.write(second);
        assertThat(Files.readAllBytes(first)).isEqualTo(Files.readAllBytes(second));

        byte[] bytes = Files.readAllBytes(first);
        long headerLength = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertThat(headerLength % 8).isZero();
        String header = new String(bytes, 8, (int) headerLength, StandardCharsets.UTF_8);
        assertThat(header).startsWith("{\"__metadata__\":{\"format\":\"pt\"},\"a.weight\":");

        try (SafetensorsFile file = SafetensorsFile.open(first)) {
            assertThat(file.names()).containsExactly("a.weight", "empty", "m.weight", "scalar", "z.bias");
            assertThat(file.namesInFileOrder()).containsExactly("a.weight", "empty", "m.weight", "scalar", "z.bias");
            for (int t = 0; t < names.length; t++) {
                assertThat(file.readFloats(names[t], shapes[t])).containsExactly(values[t]);
            }
            assertThat(file.info("scalar").rank()).isZero();
            assertThat(file.info("scalar").elementCount()).isEqualTo(1);
            assertThat(file.bytes("m.weight").order()).isEqualTo(ByteOrder.LITTLE_ENDIAN);
            assertThat(file.bytes("m.weight").asFloatBuffer().get(5)).isEqualTo(values[2][5]);
            assertThat(file.bytes("m.weight").isReadOnly()).isTrue();
            assertThat(file.dataLength()).isEqualTo((20 + 0 + 12 + 1 + 3) * 4L);
        }
    }

    @Test
    void readsTensorsThatStraddleMappingWindows() throws IOException {
        float[] a = randomValues(37, 1);
        float[] b = randomValues(101, 2);
        Path file = dir.resolve("w.safetensors");
        new SafetensorsWriter().add("a", SafetensorsDtype.F16, new long[] {37}, a)
                .add("b", new long[] {101}, b).write(file);
        // 64-byte windows: "a" (74 bytes) and "b" (404 bytes) both cross window boundaries.
        try (SafetensorsFile small = SafetensorsFile.open(file, 64);
                SafetensorsFile large = SafetensorsFile.open(file)) {
            assertThat(small.readFloats("a")).containsExactly(large.readFloats("a"));
            assertThat(small.readFloats("b")).containsExactly(b);
            assertThat(small.readDoubles("b")).containsExactly(large.readDoubles("b"));
        }
        try (SafetensorsFile odd = SafetensorsFile.open(file, 7)) { // pieces of one element
            assertThat(odd.readFloats("b")).containsExactly(b);
        }
    }

    @Test
    void digestsTheWholeFileAsOnDiskWhateverTheWindowsOrWithoutMapping() throws Exception {
        Path file = dir.resolve("h.safetensors");
        new SafetensorsWriter().add("a", SafetensorsDtype.F16, new long[] {37}, randomValues(37, 1)).add("b", new long[] {101}, randomValues(101, 2))
                .metadata("format", "pt").write(file);
        String expected = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
        try (SafetensorsFile small = SafetensorsFile.open(file, 64); SafetensorsFile large = SafetensorsFile.open(file);
                SafetensorsFile unmapped = SafetensorsFile.openUnmapped(file)) {
            small.readFloats("b"); // a window mapped before the digest is fed as it is
            for (SafetensorsFile st : new SafetensorsFile[] {small, large, unmapped}) {
                java.security.MessageDigest digest = java.security.MessageDigest.getInstance("SHA-256");
                st.digest(digest);
                assertThat(java.util.HexFormat.of().formatHex(digest.digest())).isEqualTo(expected);
            }
        }
        Path empty = dir.resolve("empty.safetensors");
        new SafetensorsWriter().write(empty);
        try (SafetensorsFile st = SafetensorsFile.open(empty)) {
            java.security.MessageDigest digest = java.security.MessageDigest.getInstance("SHA-256");
            st.digest(digest);
            assertThat(digest.digest()).isEqualTo(java.security.MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(empty)));
        }
    }

    @Test
    void readsF64IntegerAndEightBitTypesAsNumbers() throws IOException {
        ByteBuffer data = ByteBuffer.allocate(16 + 8 + 2 + 3 + 2).order(ByteOrder.LITTLE_ENDIAN);
        data.putDouble(Math.PI).putDouble(-1e-300);
        data.putLong(-5);
        data.put((byte) 0x3c).put((byte) 0xc0); // F8_E5M2: 1.0 and -2.0
        data.put((byte) 0x38).put((byte) 0x01).put((byte) 0xfe); // F8_E4M3: 1.0, 2^-9, -448 (the largest)
        data.put((byte) 0xff).put((byte) 0x00); // U8: 255, 0
        String header = "{\"d\":{\"dtype\":\"F64\",\"shape\":[2],\"data_offsets\":[0,16]},"
                + "\"i\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[16,24]},"
                + "\"e5\":{\"dtype\":\"F8_E5M2\",\"shape\":[2],\"data_offsets\":[24,26]},"
                + "\"e4\":{\"dtype\":\"F8_E4M3\",\"shape\":[3],\"data_offsets\":[26,29]},"
                + "\"u\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[29,31]}}";
        Path file = RawSafetensors.write(dir.resolve("t.safetensors"), header, data.array());
        try (SafetensorsFile read = SafetensorsFile.open(file)) {
            assertThat(read.readDoubles("d")).containsExactly(Math.PI, -1e-300);
            assertThat(read.readFloats("d")).containsExactly((float) Math.PI, -0f);
            assertThat(read.readDoubles("i")).containsExactly(-5);
            assertThat(read.readFloats("e5")).containsExactly(1f, -2f);
            float[] e4 = read.readFloats("e4");
            assertThat(e4[0]).isEqualTo(1f);
            assertThat(e4[1]).isEqualTo(0x1p-9f);
            assertThat(e4[2]).isEqualTo(-448f);
            assertThat(read.readFloats("u")).containsExactly(255f, 0f);
        }
        // S.1111.111 is E4M3's NaN; a tensor holding it is refused on reading (SafetensorsNonFiniteTest).
        assertThat(ElementDecoding.e4m3ToFloat((byte) 0x7f)).isNaN();
    }

    @Test
    void acceptsHeaderPaddingAndIgnoresTensorOrderInTheHeader() throws IOException {
        String header = "{\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}     ";
        Path file = RawSafetensors.write(dir.resolve("p.safetensors"), header, RawSafetensors.floats(1, 2));
        try (SafetensorsFile read = SafetensorsFile.open(file)) {
            assertThat(read.readFloats("a")).containsExactly(1f);
            assertThat(read.readFloats("b")).containsExactly(2f);
            assertThat(read.metadata()).isEmpty();
        }
    }
}
