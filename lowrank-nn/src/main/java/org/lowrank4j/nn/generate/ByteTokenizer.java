package org.lowrank4j.nn.generate;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The simplest tokenizer: every UTF-8 byte is a token (ids 0–255), followed by optional special tokens (ids 256,
 * 257, … in the order given, e.g. {@code "<|endoftext|>"}). {@link #encode} never produces special tokens (text that
 * spells one is encoded as its bytes); {@link #decode} writes a special token as its text. Bytes that do not form
 * valid UTF-8 decode to U+FFFD.
 */
public final class ByteTokenizer implements Tokenizer {
    /** Number of byte tokens. */
    public static final int BYTES = 256;

    private final List<String> specials;

    public ByteTokenizer(List<String> specialTokens) {
        if (specialTokens.stream().anyMatch(s -> s == null || s.isEmpty()) || specialTokens.stream().distinct().count() != specialTokens.size()) {
            throw new IllegalArgumentException("special tokens must be distinct non-empty strings, got " + specialTokens);
        }
        this.specials = List.copyOf(specialTokens);
    }

    /** Bytes only: a vocabulary of 256. */
    public ByteTokenizer() {
        this(List.of());
    }

    /**
     * The id of a special token.
     *
     * @throws IllegalArgumentException when it is not one of this tokenizer's special tokens
     */
    public int specialId(String token) {
        int i = specials.indexOf(token);
        if (i < 0) {
            throw new IllegalArgumentException("\"" + token + "\" is not a special token of this tokenizer " + specials);
        }
        return BYTES + i;
    }

    @Override
    public int[] encode(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        int[] ids = new int[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            ids[i] = bytes[i] & 0xFF;
        }
        return ids;
    }

    @Override
    public String decode(int[] ids) {
        StringBuilder out = new StringBuilder();
        ByteArrayOutputStream pending = new ByteArrayOutputStream();
        for (int n = 0; n < ids.length; n++) {
            int id = ids[n];
            if (id < 0 || id >= vocabSize()) {
                throw new IllegalArgumentException("token id " + id + " at index " + n + " is outside the byte vocabulary [0, " + vocabSize() + ")");
            }
            if (id < BYTES) {
                pending.write(id);
            } else {
                out.append(pending.toString(StandardCharsets.UTF_8)).append(specials.get(id - BYTES));
                pending.reset();
            }
        }
        return out.append(pending.toString(StandardCharsets.UTF_8)).toString();
    }

    @Override
    public int vocabSize() {
        return BYTES + specials.size();
    }
}
