package org.lowrank4j.formats.io;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.lowrank4j.formats.hf.HfConfig;
import org.lowrank4j.formats.onnx.OnnxModel;
import org.lowrank4j.formats.safetensors.SafetensorsFile;
import org.lowrank4j.formats.safetensors.SafetensorsModel;

/** The inputs every reader meets sooner or later: an empty file, a folder, a file that claims a huge header. */
class ReaderEdgeCasesTest {
    @TempDir
    Path dir;

    interface Reader {
        Object read(Path file) throws Exception;
    }

    static Stream<Arguments> readers() {
        return Stream.of(
                Arguments.of("ONNX", (Reader) OnnxModel::read),
                Arguments.of("safetensors file", (Reader) file -> {
                    SafetensorsFile.open(file).close();
                    return null;
                }),
                Arguments.of("safetensors model", (Reader) file -> {
                    SafetensorsModel.open(file).close();
                    return null;
                }),
                Arguments.of("config", (Reader) HfConfig::read));
    }

    private static void assertUserError(Path named, Reader reader, Path file) {
        Callable<Object> read = () -> reader.read(file);
        assertThat(ReaderOutcome.check(named.getFileName().toString(), file, read))
                .isEqualTo(ReaderOutcome.Kind.USER_ERROR);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("readers")
    void emptyFile(String kind, Reader reader) throws IOException {
        Path file = Files.write(dir.resolve("empty.bin"), new byte[0]);
        assertUserError(file, reader, file);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("readers")
    void folderWithoutTheFile(String kind, Reader reader) throws IOException {
        Path folder = Files.createDirectories(dir.resolve("a-folder"));
        assertUserError(folder, reader, folder);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("readers")
    void hugeDeclaredLength(String kind, Reader reader) throws IOException {
        // An 8-byte length of 2^62 (safetensors' header length; for protobuf a field tag and a varint length).
        ByteBuffer bytes = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN).putLong(1L << 62);
        bytes.put(0, (byte) 0x3a).put(1, (byte) 0xff).put(2, (byte) 0xff).put(3, (byte) 0xff).put(4, (byte) 0x7f);
        Path file = Files.write(dir.resolve("huge.bin"), bytes.array());
        assertUserError(file, reader, file);
    }
}
