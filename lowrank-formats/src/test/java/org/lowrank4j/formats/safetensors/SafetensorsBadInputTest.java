package org.lowrank4j.formats.safetensors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every malformed file fails at open with a message naming the file and, where there is one, the tensor. */
class SafetensorsBadInputTest {
    @TempDir
    Path dir;

    private static String entry(String name, String dtype, String shape, long begin, long end) {
        return "\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape + ",\"data_offsets\":[" + begin
                + "," + end + "]}";
    }

    private Path file(String header, byte[] data) throws IOException {
        return RawSafetensors.write(dir.resolve("bad.safetensors"), header, data);
    }

    private void assertOpenFails(Path file, String... fragments) {
        assertThatThrownBy(() -> SafetensorsFile.open(file).close())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContainingAll(fragments);
    }

    @Test
    void truncatedHeader() throws IOException {
        byte[] header = ("{" + entry("w", "F32", "[2]", 0, 8) + "}").getBytes(StandardCharsets.UTF_8);
        // Declares the full header but the file stops half-way through it.
        Path file = RawSafetensors.write(dir.resolve("cut.safetensors"), header.length,
                Arrays.copyOf(header, header.length / 2), new byte[0]);
        assertOpenFails(file, "header length " + header.length, "truncated");
    }

    @Test
    void fileShorterThanTheLengthPrefix() throws IOException {
        Path file = Files.write(dir.resolve("tiny.safetensors"), new byte[] {1, 2, 3});
        assertOpenFails(file, "3 bytes", "too short");
    }

    @Test
    void absurdHeaderLength() throws IOException {
        Path file = RawSafetensors.write(dir.resolve("neg.safetensors"), -1L, new byte[16], new byte[0]);
        assertOpenFails(file, "header length 18446744073709551615");
    }

    @Test
    void offsetsPastTheEndOfTheData() throws IOException {
        Path file = file("{" + entry("a", "F32", "[1]", 0, 4) + "," + entry("layer.0.weight", "F32", "[2,2]", 4, 20)
                + "}", RawSafetensors.floats(1, 2, 3));
        assertOpenFails(file, "tensor 'layer.0.weight'", "[4, 20]", "past the end", "12 bytes");
    }

    @Test
    void shapeThatDoesNotMatchTheByteRange() throws IOException {
        Path file = file("{" + entry("w", "F16", "[3,2]", 0, 8) + "}", new byte[8]);
        assertOpenFails(file, "tensor 'w'", "[3, 2]", "F16", "needs 12 bytes", "hold 8");
    }

    @Test
    void unknownDtype() throws IOException {
        Path file = file("{" + entry("w", "F12", "[1]", 0, 2) + "}", new byte[2]);
        assertOpenFails(file, "tensor 'w'", "unknown dtype \"F12\"", "BF16");
    }

    @Test
    void overlappingTensors() throws IOException {
        Path file = file("{" + entry("a", "F32", "[2]", 0, 8) + "," + entry("b", "F32", "[2]", 4, 12) + "}",
                new byte[12]);
        assertOpenFails(file, "tensor 'b'", "overlaps tensor 'a'");
    }

    @Test
    void offsetsThatEndBeforeTheyBegin() throws IOException {
        Path file = file("{" + entry("w", "F32", "[0]", 8, 4) + "}", new byte[8]);
        assertOpenFails(file, "tensor 'w'", "end before");
    }

    @Test
    void headerThatIsNotAJsonObject() throws IOException {
        assertOpenFails(file("[1,2,3]", new byte[0]), "must be a JSON object", "array");
        assertOpenFails(file("{\"w\": {\"dtype\": ", new byte[0]), "not valid JSON");
        assertOpenFails(file("{\"w\": 3}", new byte[0]), "tensor 'w'", "must be an object");
    }

    @Test
    void malformedEntries() throws IOException {
        assertOpenFails(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", new byte[4]),
                "tensor 'w'", "\"shape\" must hold non-negative integers", "-1");
        assertOpenFails(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0]}}", new byte[4]),
                "tensor 'w'", "\"data_offsets\" must have 2 entries");
        assertOpenFails(file("{\"w\":{\"shape\":[1],\"data_offsets\":[0,4]}}", new byte[4]),
                "tensor 'w'", "\"dtype\"");
        assertOpenFails(file("{" + entry("w", "F32", "[1]", 0, 4) + "," + entry("w", "F32", "[1]", 0, 4) + "}",
                new byte[4]), "Duplicate field 'w'");
        assertOpenFails(file("{\"__metadata__\":[1]}", new byte[0]), "__metadata__");
    }

    @Test
    void missingTensorAndWrongShapeNameTheTensor() throws IOException {
        Path path = dir.resolve("ok.safetensors");
        new SafetensorsWriter().add("model.embed.weight", new long[] {2, 3}, new float[6]).write(path);
        try (SafetensorsFile file = SafetensorsFile.open(path)) {
            assertThatThrownBy(() -> file.readFloats("lm_head.weight"))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContainingAll("tensor 'lm_head.weight' not found", path.toString());
            assertThatThrownBy(() -> file.info("embed.weight"))
                    .hasMessageContainingAll("'embed.weight' not found", "similar names: model.embed.weight");
            assertThatThrownBy(() -> file.requireShape("model.embed.weight", 3, 2))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContainingAll("tensor 'model.embed.weight'", "has shape [2, 3]", "[3, 2] was expected");
            assertThat(file.requireShape("model.embed.weight", 2, 3).elementCount()).isEqualTo(6);
        }
    }

    @Test
    void readingAfterCloseFails() throws IOException {
        Path path = dir.resolve("c.safetensors");
        new SafetensorsWriter().add("w", new long[] {1}, new float[] {1}).write(path);
        SafetensorsFile file = SafetensorsFile.open(path);
        file.close();
        assertThatThrownBy(() -> file.readFloats("w")).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
    }

    @Test
    void writerRefusesItsInputsAndOpenFiles() throws IOException {
        Path input = dir.resolve("in.safetensors");
        new SafetensorsWriter().add("w", new long[] {2}, new float[] {1, 2}).write(input);
        SafetensorsWriter writer = new SafetensorsWriter().add("w", new long[] {2}, new float[] {3, 4});

        assertThatThrownBy(() -> writer.protect(input).write(dir.resolve("sub/../in.safetensors")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("is the input");
        try (SafetensorsFile open = SafetensorsFile.open(input)) {
            assertThatThrownBy(() -> new SafetensorsWriter().write(input))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("open for reading");
            assertThat(open.readFloats("w")).containsExactly(1f, 2f);
        }
        new SafetensorsWriter().add("w", new long[] {1}, new float[] {5}).write(input); // closed: allowed now
        try (SafetensorsFile reopened = SafetensorsFile.open(input)) {
            assertThat(reopened.readFloats("w")).containsExactly(5f);
        }
    }

    @Test
    void writerRejectsBadTensors() {
        SafetensorsWriter writer = new SafetensorsWriter().add("w", new long[] {2}, new float[2]);
        assertThatThrownBy(() -> writer.add("w", new long[] {1}, new float[1]))
                .hasMessageContaining("tensor 'w' was already added");
        assertThatThrownBy(() -> writer.add("v", new long[] {2, 3}, new float[5]))
                .hasMessageContainingAll("tensor 'v'", "[2, 3]", "6 elements", "5 values");
        assertThatThrownBy(() -> writer.add("i", SafetensorsDtype.I32, new long[] {1}, new float[1]))
                .hasMessageContainingAll("tensor 'i'", "I32");
        assertThatThrownBy(() -> writer.add("__metadata__", new long[] {1}, new float[1]))
                .hasMessageContaining("not allowed");
        assertThatThrownBy(() -> writer.write(dir.resolve("missing-folder/x.safetensors")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("does not exist");
    }
}
