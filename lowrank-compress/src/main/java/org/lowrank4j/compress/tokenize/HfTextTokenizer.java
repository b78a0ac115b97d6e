package org.lowrank4j.compress.tokenize;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import org.lowrank4j.nn.generate.Tokenizer;

/**
 * A Hugging Face {@code tokenizer.json} (through DJL's binding of the Rust tokenizers, offline) as the runtime's
 * {@link Tokenizer}: no special tokens added, no truncation, no padding, so a long text becomes one token stream.
 */
public final class HfTextTokenizer implements Tokenizer, AutoCloseable {
    private final HuggingFaceTokenizer tokenizer;
    private final Path file;
    private final int vocabSize;

    private HfTextTokenizer(HuggingFaceTokenizer tokenizer, Path file, int vocabSize) {
        this.tokenizer = tokenizer;
        this.file = file;
        this.vocabSize = vocabSize;
    }

    /** Loads {@code tokenizer.json}; an unreadable file is a user error naming it. */
    public static HfTextTokenizer load(Path file) {
        if (System.getProperty("DJL_CACHE_DIR") == null && System.getenv("DJL_CACHE_DIR") == null) {
            System.setProperty("DJL_CACHE_DIR", Path.of(System.getProperty("user.home"), ".cache", "lowrank4j", "djl").toString());
        }
        System.setProperty("ai.djl.offline", "true");
        TokenizerJson.read(file); // checked in Java first, so a damaged file never reaches the native library
        HuggingFaceTokenizer t;
        try {
            t = HuggingFaceTokenizer.builder().optTokenizerPath(file).optAddSpecialTokens(false).optTruncation(false)
                    .optPadding(false).build();
        } catch (IOException | RuntimeException e) {
            throw TokenizerJson.notLoadable(file, e);
        }
        return new HfTextTokenizer(t, file, vocabularySize(file));
    }

    /** One more than the largest id the vocabulary and the added tokens use. */
    private static int vocabularySize(Path file) {
        try {
            JsonNode root = new ObjectMapper().readTree(file.toFile());
            int max = -1;
            for (JsonNode id : (Iterable<JsonNode>) () -> root.path("model").path("vocab").elements()) {
                max = Math.max(max, id.asInt(-1));
            }
            for (JsonNode added : root.path("added_tokens")) {
                max = Math.max(max, added.path("id").asInt(-1));
            }
            if (max < 0) {
                throw new IllegalArgumentException(file + " has no vocabulary (model.vocab) to size the model's output against");
            }
            return max + 1;
        } catch (IOException e) {
            throw new IllegalArgumentException(file + " is not valid JSON: " + e.getMessage());
        }
    }

    @Override
    public int[] encode(String text) {
        Encoding e = tokenizer.encode(text);
        long[] ids = e.getIds();
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = Math.toIntExact(ids[i]);
        }
        return out;
    }

    @Override
    public String decode(int[] ids) {
        long[] wide = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] >= vocabSize) {
                throw new IllegalArgumentException("token id " + ids[i] + " is outside the vocabulary of " + file + " [0, " + vocabSize + ")");
            }
            wide[i] = ids[i];
        }
        return tokenizer.decode(wide, false);
    }

    @Override
    public int vocabSize() {
        return vocabSize;
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
