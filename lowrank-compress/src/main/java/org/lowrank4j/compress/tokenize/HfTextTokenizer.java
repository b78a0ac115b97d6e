package org.lowrank4j.compress.tokenize;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
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
        JsonNode root = TokenizerJson.read(file); // checked in Java first, so a damaged file never reaches the native library
        HuggingFaceTokenizer t;
        try {
            t = HuggingFaceTokenizer.builder().optTokenizerPath(file).optAddSpecialTokens(false).optTruncation(false)
                    .optPadding(false).build();
        } catch (IOException | RuntimeException e) {
            throw TokenizerJson.notLoadable(file, e);
        }
        return new HfTextTokenizer(t, file, TokenizerJson.vocabularySize(root, file));
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

    /** {@inheritDoc} The leading ids of the tokenizer's post-processor (its template), before {@link #encode}'s. */
    @Override
    public int[] encodePrompt(String text) {
        int[] plain = encode(text);
        long[] all = tokenizer.encode(text, true, false).getIds();
        int lead = 0; // where the plain ids start inside the ids with special tokens
        while (lead + plain.length <= all.length && !startsAt(all, lead, plain)) {
            lead++;
        }
        if (lead + plain.length > all.length) {
            return plain; // a template that rewrites the sequence itself: keep the plain ids
        }
        int[] out = new int[lead + plain.length];
        for (int i = 0; i < lead; i++) {
            out[i] = Math.toIntExact(all[i]);
        }
        System.arraycopy(plain, 0, out, lead, plain.length);
        return out;
    }

    private static boolean startsAt(long[] all, int at, int[] part) {
        for (int i = 0; i < part.length; i++) {
            if (all[at + i] != part[i]) {
                return false;
            }
        }
        return true;
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
