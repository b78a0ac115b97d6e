package org.lowrank4j.serve;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Random;
import org.lowrank4j.formats.hf.HfArchitecture;
import org.lowrank4j.formats.hf.HfConfig;
import org.lowrank4j.nn.arch.llama.LlamaModel;
import org.lowrank4j.nn.generate.ByteTokenizer;
import org.lowrank4j.nn.tensor.Precision;

/**
 * Models for the server tests, never read from the user's cache: all-MiniLM-L6-v2 and bge-small-en-v1.5 from the
 * langchain4j jars on the test classpath, copied into {@code target/test-models/NAME} as encoder folders; a tiny random-weight
 * byte-level decoder written into a folder the test gives.
 */
final class TestModels {
    static final String MINILM = "all-minilm-l6-v2";
    static final String BGE = "bge-small-en-v1.5";
    private static final Path FOLDER = Path.of("target", "test-models", MINILM);

    private TestModels() {
    }

    /** bge-small-en-v1.5 (CLS pooling) from langchain4j's jar, as an encoder folder: a model no test of the server was written for. */
    static synchronized Path bgeFolder() {
        Path folder = Path.of("target", "test-models", BGE);
        copy("/bge-small-en-v1.5.onnx", folder.resolve("model.onnx"));
        copy("/bge-small-en-v1.5-tokenizer.json", folder.resolve("tokenizer.json"));
        return folder;
    }

    /** The encoder folder (model.onnx + tokenizer.json). */
    static synchronized Path miniLmFolder() {
        copy("/all-minilm-l6-v2.onnx", FOLDER.resolve("model.onnx"));
        copy("/all-minilm-l6-v2-tokenizer.json", FOLDER.resolve("tokenizer.json"));
        return FOLDER;
    }

    /** A 2-block LLaMA decoder with random weights, 256 byte tokens and {@code positions} positions. */
    static Path tinyDecoder(Path folder, int positions) throws IOException {
        Files.createDirectories(folder);
        HfConfig config = HfConfig.builder(HfArchitecture.LLAMA).hiddenSize(32).intermediateSize(48).numHiddenLayers(2).numAttentionHeads(4)
                .numKeyValueHeads(2).vocabSize(ByteTokenizer.BYTES).maxPositionEmbeddings(positions).tieWordEmbeddings(true).build();
        LlamaModel model = LlamaModel.create(config, Precision.FLOAT32);
        model.initialize(new Random(11));
        model.save(folder);
        ByteTokenizer.writeJson(folder);
        return folder;
    }

    private static void copy(String resource, Path target) {
        if (Files.isRegularFile(target)) {
            return;
        }
        try (InputStream in = TestModels.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException(resource + " is not on the test classpath (the langchain4j-embeddings-* jars)");
            }
            Files.createDirectories(target.getParent());
            Path temp = Files.createTempFile(target.getParent(), target.getFileName().toString(), ".tmp");
            Files.copy(in, temp, StandardCopyOption.REPLACE_EXISTING);
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy " + resource, e);
        }
    }
}
