package org.lowrank4j.compress.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.lowrank4j.nn.arch.llama.LlamaModel;
import org.lowrank4j.compress.tokenize.HfTextTokenizer;
import org.lowrank4j.formats.io.AtomicFiles;
import org.lowrank4j.nn.generate.ByteTokenizer;
import org.lowrank4j.nn.generate.Tokenizer;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.train.TextFiles;
import org.lowrank4j.nn.train.TextFolder;

/**
 * A decoder trained by {@code lowrank train}: {@code config.json} + {@code model.safetensors} (Hugging Face LLaMA
 * naming) and a {@code tokenizer.json}. The tokenizer is byte level: a Hugging Face byte-level BPE with the 256
 * byte symbols as ids 0–255 (id = byte value) and no merges, so Hugging Face tokenizers load it and its ids are
 * those of {@link ByteTokenizer}. Also reads the training and evaluation text.
 */
public final class DecoderFolder {
    public static final String TOKENIZER = "tokenizer.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private DecoderFolder() {
    }

    /** Loads a model folder written by {@code lowrank train} (float32) and checks its tokenizer. */
    public static LlamaModel loadModel(Path folder) throws IOException {
        requireModelFolder(folder);
        return LlamaModel.load(folder, Precision.FLOAT32);
    }

    public static void requireModelFolder(Path folder) {
        if (folder == null || !Files.isDirectory(folder)) {
            throw new IllegalArgumentException("model folder " + folder + " does not exist or is not a folder");
        }
        if (!Files.isRegularFile(folder.resolve("config.json"))) {
            throw new IllegalArgumentException("model folder " + folder + " has no config.json (is it a folder written by lowrank train?)");
        }
        if (!Files.isRegularFile(folder.resolve("model.safetensors"))) {
            throw new IllegalArgumentException("model folder " + folder + " has no model.safetensors");
        }
    }

    /**
     * The tokenizer of a model folder: the byte-level one {@link #writeByteTokenizer} writes is run as
     * {@link ByteTokenizer} (same ids, no native call); any other {@code tokenizer.json} through Hugging Face
     * tokenizers. Its vocabulary must fit the model's.
     */
    public static Tokenizer loadTokenizer(Path folder, int modelVocabulary) throws IOException {
        Path file = folder.resolve(TOKENIZER);
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("model folder " + folder + " has no " + TOKENIZER);
        }
        JsonNode root;
        try {
            root = JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new IllegalArgumentException(file + " is not valid JSON: " + e.getMessage());
        }
        JsonNode model = root.path("model");
        JsonNode vocab = model.path("vocab");
        String[] symbols = byteSymbols();
        boolean bytes = "BPE".equals(model.path("type").asText()) && model.path("merges").size() == 0 && vocab.size() == 256;
        for (int b = 0; bytes && b < 256; b++) {
            bytes = vocab.path(symbols[b]).asInt(-1) == b;
        }
        Tokenizer tokenizer = bytes ? new ByteTokenizer() : HfTextTokenizer.load(file);
        if (tokenizer.vocabSize() > modelVocabulary) {
            throw new IllegalArgumentException(file + " has " + tokenizer.vocabSize() + " token ids but the model in " + folder
                    + " only " + modelVocabulary + "; is it the model's own tokenizer?");
        }
        return tokenizer;
    }

    /** Writes the byte-level tokenizer.json (atomically). */
    public static void writeByteTokenizer(Path folder) throws IOException {
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
        AtomicFiles.writeString(folder.resolve(TOKENIZER), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root));
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

    /**
     * The text of a .txt file, or of a folder's .txt files in natural name order; with years, only the files whose
     * names start with a year in [from, to] (State of the Union style {@code YEAR_name.txt}).
     */
    public static String readText(Path path, Integer from, Integer to, String option) {
        if (path == null || !Files.exists(path)) {
            throw new IllegalArgumentException(option + " " + path + " does not exist");
        }
        String text;
        TextFiles.Budget budget = TextFiles.budget();
        if (Files.isDirectory(path)) {
            List<Path> files = new ArrayList<>();
            for (Path file : TextFolder.textFiles(path)) {
                if (from == null && to == null || inYears(file, from, to)) {
                    files.add(file);
                }
            }
            if (files.isEmpty()) {
                throw new IllegalArgumentException(option + " " + path + " holds no .txt file named YEAR_*.txt with a year in ["
                        + (from == null ? "any" : from) + ", " + (to == null ? "any" : to) + "]");
            }
            StringBuilder out = new StringBuilder();
            for (Path file : files) {
                String part = budget.read(file);
                out.append(part);
                if (!part.isEmpty() && !part.endsWith("\n")) {
                    out.append('\n');
                }
            }
            text = out.toString();
        } else {
            if (from != null || to != null) {
                throw new IllegalArgumentException("--from and --to select files of a folder, but " + option + " " + path + " is a file");
            }
            TextFiles.requireRegularFile(path, option);
            text = budget.read(path);
        }
        if (text.isBlank()) {
            throw new IllegalArgumentException(option + " " + path + " holds no text");
        }
        return text;
    }

    /** Whether the file's name starts with a year in [from, to] (null: unbounded). */
    public static boolean inYears(Path file, Integer from, Integer to) {
        String name = file.getFileName().toString();
        int end = 0;
        while (end < name.length() && Character.isDigit(name.charAt(end))) {
            end++;
        }
        if (end == 0 || end > 9) {
            return false;
        }
        int year = Integer.parseInt(name.substring(0, end));
        return (from == null || year >= from) && (to == null || year <= to);
    }

    /** The longest prefix of {@code text} whose UTF-8 encoding fits in {@code maxBytes} (whole code points only). */
    public static String firstBytes(String text, long maxBytes) {
        long bytes = 0;
        int end = 0;
        while (end < text.length()) {
            int cp = text.codePointAt(end);
            int size = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
            if (bytes + size > maxBytes) {
                break;
            }
            bytes += size;
            end += Character.charCount(cp);
        }
        return text.substring(0, end);
    }
}
