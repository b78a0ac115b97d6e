package org.lowrank4j.compress.eval;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The real pretrained encoders of the langchain4j jars on the test classpath, copied once into
 * {@code target/test-models} so that they have a path (ONNX Runtime and file sizes want one).
 */
public final class RealModels {

    private static final Path FOLDER = Path.of("target", "test-models");

    private RealModels() {
    }

    /** all-MiniLM-L6-v2 (6 layers, 384 wide, mean pooling). */
    public static Path miniLmModel() {
        return extract("all-minilm-l6-v2.onnx");
    }

    public static Path miniLmTokenizer() {
        return extract("all-minilm-l6-v2-tokenizer.json");
    }

    /** bge-small-en-v1.5 (12 layers, 384 wide, CLS pooling). */
    public static Path bgeModel() {
        return extract("bge-small-en-v1.5.onnx");
    }

    public static Path bgeTokenizer() {
        return extract("bge-small-en-v1.5-tokenizer.json");
    }

    private static synchronized Path extract(String resource) {
        Path target = FOLDER.resolve(resource);
        try (InputStream in = RealModels.class.getResourceAsStream("/" + resource)) {
            if (in == null) {
                throw new IllegalStateException(resource + " is not on the test classpath (langchain4j embedding jars)");
            }
            if (Files.isRegularFile(target)) {
                return target;
            }
            Files.createDirectories(FOLDER);
            Path temp = Files.createTempFile(FOLDER, resource, ".tmp");
            Files.copy(in, temp, StandardCopyOption.REPLACE_EXISTING);
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot extract " + resource, e);
        }
    }
}
