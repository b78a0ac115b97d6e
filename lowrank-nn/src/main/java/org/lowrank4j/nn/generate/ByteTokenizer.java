package org.lowrank4j.nn.generate;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.lowrank4j.formats.io.AtomicFiles;

/**
 * The simplest tokenizer: every UTF-8 byte is a token (ids 0–255), followed by optional special tokens (ids 256,
 * 257, … in the order given, e.g. {@code "<|endoftext|>"}). {@link #encode} never produces special tokens (text that
 * spells one is encoded as its bytes); {@link #decode} writes a special token as its text. Bytes that do not form
 * valid UTF-8 decode to U+FFFD.
 */
public final class ByteTokenizer implements Tokenizer {
    private static final ObjectMapper JSON = new ObjectMapper();

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

    /** Writes the byte-level tokenizer.json (atomically). */
    public static void writeJson(Path folder) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        root.putArray("added_tokens");
        root.putNull("normalizer");
        root.set("pre_tokenizer", byteLevel("ByteLevel"));
        root.putNull("post_processor");
        root.set("decoder", byteLevel("ByteLevel"));
        ObjectNode model = root.putObject("model");
        model.put("type", "BPE");
        model.putNull("dropout");
        model.putNull("unk_token");
        model.putNull("continuing_subword_prefix");
        model.putNull("end_of_word_suffix");
        model.put("fuse_unk", false);
        model.put("byte_fallback", false);
        ObjectNode vocab = model.putObject("vocab");
        String[] symbols = byteSymbols();
        for (int b = 0; b < 256; b++) {
            vocab.put(symbols[b], b);
        }
        model.putArray("merges");
        AtomicFiles.writeString(folder.resolve("tokenizer.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root));
    }

    private static ObjectNode byteLevel(String type) {
        ObjectNode node = JSON.createObjectNode();
        node.put("type", type);
        node.put("add_prefix_space", false);
        node.put("trim_offsets", true);
        node.put("use_regex", true);
        return node;
    }

    /** GPT-2's bytes_to_unicode: the printable character that stands for each byte in a byte-level vocabulary. */
    public static String[] byteSymbols() {
        String[] out = new String[256];
        int extra = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
            out[b] = new String(Character.toChars(printable ? b : 256 + extra++));
        }
        return out;
    }
}
