package org.lowrank4j.compress.tokenize;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A Hugging Face {@code tokenizer.json}, run offline through DJL's binding of the Rust tokenizers library.
 *
 * <p>Texts are encoded with the tokenizer's own special tokens, truncated to {@link #maxLength()} tokens, and a
 * batch is padded on the right to its longest member (not to a fixed length, whatever the file says). Padding
 * uses the pad id of the file's {@code padding} section, else the id of {@code [PAD]}/{@code <pad>}, else 0.
 *
 * <p>DJL extracts its native library into {@code DJL_CACHE_DIR}; when neither the system property nor the
 * environment variable is set, {@link #load} sets the property to {@code ~/.cache/lowrank4j/djl} and turns on
 * DJL's offline mode, so nothing is downloaded.
 */
public final class HfTokenizer implements AutoCloseable {

    /** Default truncation length, in tokens including special tokens. */
    public static final int DEFAULT_MAX_LENGTH = 128;

    private final Path path;
    private final HuggingFaceTokenizer tokenizer;
    private final int maxLength;
    private final long padId;
    private final int vocabularySize;

    private HfTokenizer(Path path, HuggingFaceTokenizer tokenizer, int maxLength, long padId, int vocabularySize) {
        this.path = path;
        this.tokenizer = tokenizer;
        this.maxLength = maxLength;
        this.padId = padId;
        this.vocabularySize = vocabularySize;
    }

    /** Loads a tokenizer.json with truncation at {@link #DEFAULT_MAX_LENGTH} tokens. */
    public static HfTokenizer load(Path tokenizerJson) {
        return load(tokenizerJson, DEFAULT_MAX_LENGTH);
    }

    /**
     * Loads a tokenizer.json.
     *
     * @param maxLength truncation length in tokens, special tokens included (at least 2)
     * @throws IllegalArgumentException if the file is missing, not JSON, not a Hugging Face tokenizer.json (see
     *                                  {@link TokenizerJson}), or the native library cannot load it
     */
    public static HfTokenizer load(Path tokenizerJson, int maxLength) {
        if (maxLength < 2) {
            throw new IllegalArgumentException("--max-length must be at least 2 tokens, got " + maxLength);
        }
        JsonNode root = TokenizerJson.read(tokenizerJson);
        int vocabularySize = TokenizerJson.vocabularySize(root, tokenizerJson);
        long padId = padId(root);
        ensureDjlCacheDir();
        try {
            HuggingFaceTokenizer.Builder builder = HuggingFaceTokenizer.builder()
                    .optTokenizerPath(tokenizerJson)
                    .optAddSpecialTokens(true)
                    .optTruncation(true)
                    .optMaxLength(maxLength)
                    .optPadding(false);
            // DJL lowers a max length above its "model max length" (512 unless a tokenizer_config.json says otherwise) to
            // that, without a word: the length asked for is the model's here
            builder.configure(java.util.Map.of("modelMaxLength", maxLength));
            HuggingFaceTokenizer tokenizer = builder.build();
            return new HfTokenizer(tokenizerJson, tokenizer, maxLength, padId, vocabularySize);
        } catch (IOException | RuntimeException e) {
            throw TokenizerJson.notLoadable(tokenizerJson, e);
        }
    }

    /** Token ids of one text, with special tokens, truncated, without padding. */
    public long[] ids(String text) {
        return realIds(tokenizer.encode(text));
    }

    /**
     * Token ids of a text pair, "[CLS] a [SEP] b [SEP]" for BERT, truncated to {@link #maxLength()} by taking tokens from
     * the longer of the two first; the segment of each token is 0 up to the first separator and 1 after it.
     */
    public long[] pairIds(String first, String second) {
        return realIds(tokenizer.encode(first, second));
    }

    /**
     * Encodes the pairs (first, each of {@code seconds}) as {@link #pairIds} does, with their token types (0 for the
     * first text and its special tokens, 1 for the second), padded on the right to the longest pair.
     */
    public EncodedBatch encodePairs(String first, List<String> seconds) {
        long[][] rows = new long[seconds.size()][];
        long[][] types = new long[seconds.size()][];
        int longest = 0;
        for (int i = 0; i < rows.length; i++) {
            Encoding e = tokenizer.encode(first, seconds.get(i));
            rows[i] = realIds(e);
            types[i] = java.util.Arrays.copyOf(e.getTypeIds(), rows[i].length);
            longest = Math.max(longest, rows[i].length);
        }
        return padded(rows, types, longest);
    }

    /** The id that closes the first text of a pair ([SEP] for BERT): the last id of an empty text's encoding. */
    public long pairSeparator() {
        long[] empty = ids("");
        if (empty.length == 0) {
            throw new IllegalArgumentException(path + " adds no special tokens, so it cannot encode a text pair");
        }
        return empty[empty.length - 1];
    }

    /** Encodes a batch: truncated to {@link #maxLength()}, padded on the right to the longest text. */
    public EncodedBatch encode(List<String> texts) {
        if (texts.isEmpty()) {
            return new EncodedBatch(new long[0][], new long[0][], new long[0][]);
        }
        Encoding[] encodings = tokenizer.batchEncode(texts);
        long[][] rows = new long[encodings.length][];
        long[][] types = new long[encodings.length][];
        int longest = 0;
        for (int i = 0; i < encodings.length; i++) {
            rows[i] = realIds(encodings[i]);
            types[i] = java.util.Arrays.copyOf(encodings[i].getTypeIds(), rows[i].length);
            longest = Math.max(longest, rows[i].length);
        }
        return padded(rows, types, longest);
    }

    /** Rows of ids and their token types, padded on the right with the pad id to {@code longest}, with the attention mask. */
    private EncodedBatch padded(long[][] rows, long[][] types, int longest) {
        long[][] ids = new long[rows.length][longest];
        long[][] mask = new long[rows.length][longest];
        long[][] typeIds = new long[rows.length][longest];
        for (int i = 0; i < rows.length; i++) {
            java.util.Arrays.fill(ids[i], padId);
            System.arraycopy(rows[i], 0, ids[i], 0, rows[i].length);
            java.util.Arrays.fill(mask[i], 0, rows[i].length, 1L);
            System.arraycopy(types[i], 0, typeIds[i], 0, rows[i].length);
        }
        return new EncodedBatch(ids, mask, typeIds);
    }

    /** The tokenizer.json this was loaded from. */
    public Path path() {
        return path;
    }

    public int maxLength() {
        return maxLength;
    }

    public long padId() {
        return padId;
    }

    /** One more than the largest id the tokenizer can produce (vocabulary and added tokens). */
    public int vocabularySize() {
        return vocabularySize;
    }

    @Override
    public void close() {
        tokenizer.close();
    }

    /** Keeps the positions the encoding marks as real tokens (drops any padding the file itself asks for). */
    private static long[] realIds(Encoding encoding) {
        long[] ids = encoding.getIds();
        long[] mask = encoding.getAttentionMask();
        int n = 0;
        while (n < ids.length && mask[n] != 0) {
            n++;
        }
        return java.util.Arrays.copyOf(ids, n);
    }

    private static long padId(JsonNode root) {
        JsonNode padding = root.path("padding");
        if (padding.has("pad_id")) {
            return padding.get("pad_id").asLong();
        }
        for (JsonNode added : root.path("added_tokens")) {
            String content = added.path("content").asText();
            if (content.equals("[PAD]") || content.equals("<pad>")) {
                return added.path("id").asLong();
            }
        }
        return 0L;
    }

    private static void ensureDjlCacheDir() {
        if (System.getProperty("DJL_CACHE_DIR") == null && System.getenv("DJL_CACHE_DIR") == null) {
            Path dir = Path.of(System.getProperty("user.home"), ".cache", "lowrank4j", "djl");
            try {
                Files.createDirectories(dir);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create DJL cache folder " + dir + "; set DJL_CACHE_DIR", e);
            }
            System.setProperty("DJL_CACHE_DIR", dir.toString());
        }
        if (System.getProperty("ai.djl.offline") == null) {
            System.setProperty("ai.djl.offline", "true");
        }
    }
}
