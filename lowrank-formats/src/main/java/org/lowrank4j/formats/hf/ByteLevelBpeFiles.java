package org.lowrank4j.formats.hf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.lowrank4j.formats.io.MessageText;
import org.lowrank4j.formats.io.Utf8Text;

/**
 * The {@code tokenizer.json} of a GPT-2-style byte-level BPE that an upload keeps as {@code vocab.json} and
 * {@code merges.txt} only (GPT-2's and OPT's slow-tokenizer files; Hugging Face tokenizers and transformers.js read
 * {@code tokenizer.json}). What transformers' converter writes for such a tokenizer: a ByteLevel pre-tokenizer with
 * GPT-2's split pattern and no prefix space, the BPE model of the vocabulary and the merges in their order, a ByteLevel
 * decoder, a ByteLevel post-processor or, where {@code tokenizer_config.json} sets {@code add_bos_token} (OPT's), a template
 * that puts the bos_token before a sequence, and the special tokens that {@code tokenizer_config.json} or
 * {@code special_tokens_map.json} name (bos, eos, unk, pad…) as added tokens, so that they are never split.
 */
public final class ByteLevelBpeFiles {
    public static final String VOCAB = "vocab.json", MERGES = "merges.txt";

    private ByteLevelBpeFiles() {
    }

    /** True when the folder holds the two files a byte-level BPE is made of. */
    public static boolean present(Path folder) {
        return Files.isRegularFile(folder.resolve(VOCAB)) && Files.isRegularFile(folder.resolve(MERGES));
    }

    /**
     * The tokenizer.json text for the folder's vocab.json and merges.txt.
     *
     * @throws IllegalArgumentException naming the file when the vocabulary is not an object of token -> id, a merge line is
     *                                  not two symbols, or a merge names a symbol the vocabulary lacks
     */
    public static String tokenizerJson(Path folder) throws IOException {
        Path vocabFile = folder.resolve(VOCAB), mergesFile = folder.resolve(MERGES);
        JsonNode vocab = read(vocabFile);
        if (!vocab.isObject() || vocab.isEmpty()) {
            throw new IllegalArgumentException(vocabFile + " must be a JSON object of token -> id");
        }
        java.util.Map<Integer, String> owner = new java.util.HashMap<>(); // two tokens of one id would decode to either
        vocab.fields().forEachRemaining(e -> {
            if (!e.getValue().canConvertToInt() || e.getValue().asInt() < 0) {
                throw new IllegalArgumentException(vocabFile + ": token " + MessageText.quoted(e.getKey()) + " has id " + e.getValue()
                        + ", not a non-negative integer");
            }
            String earlier = owner.putIfAbsent(e.getValue().asInt(), e.getKey());
            if (earlier != null) {
                throw new IllegalArgumentException(vocabFile + ": tokens " + MessageText.quoted(earlier) + " and " + MessageText.quoted(e.getKey())
                        + " both have id " + e.getValue().asInt() + "; each id belongs to one token");
            }
        });
        List<String> merges = new ArrayList<>();
        List<String> lines = Utf8Text.read(mergesFile).lines().toList();
        for (int n = 0; n < lines.size(); n++) {
            String line = lines.get(n);
            if (line.isBlank() || n == 0 && line.startsWith("#version")) {
                continue;
            }
            String[] pair = line.split(" ");
            if (pair.length != 2) {
                throw new IllegalArgumentException(mergesFile + " line " + (n + 1) + " is not two symbols: " + MessageText.quoted(line));
            }
            for (String symbol : pair) {
                if (!vocab.has(symbol)) {
                    throw new IllegalArgumentException(mergesFile + " line " + (n + 1) + " merges " + MessageText.quoted(symbol)
                            + ", which " + vocabFile.getFileName() + " does not hold");
                }
            }
            merges.add(line);
        }
        ObjectNode root = HfConfigJson.JSON.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        Path configFile = folder.resolve("tokenizer_config.json");
        JsonNode config = Files.isRegularFile(configFile) ? read(configFile) : null;
        for (String special : specialTokens(folder, config)) {
            if (vocab.has(special)) {
                ObjectNode t = added.addObject();
                t.put("id", vocab.get(special).asInt());
                t.put("content", special);
                t.put("single_word", false);
                t.put("lstrip", false);
                t.put("rstrip", false);
                t.put("normalized", true);
                t.put("special", true);
            }
        }
        root.putNull("normalizer");
        root.set("pre_tokenizer", byteLevel(false, true));
        String bos = bosToAdd(configFile, config);
        if (bos != null && !vocab.has(bos)) {
            throw new IllegalArgumentException(configFile + " adds the bos_token " + MessageText.quoted(bos)
                    + ", which " + vocabFile.getFileName() + " does not hold");
        }
        root.set("post_processor", bos == null ? byteLevel(true, false) : prependingTemplate(bos, vocab.get(bos).asInt()));
        root.set("decoder", byteLevel(true, true));
        ObjectNode model = root.putObject("model");
        model.put("type", "BPE");
        model.putNull("dropout");
        model.putNull("unk_token");
        model.put("continuing_subword_prefix", "");
        model.put("end_of_word_suffix", "");
        model.put("fuse_unk", false);
        model.put("byte_fallback", false);
        model.set("vocab", vocab);
        ArrayNode mergeList = model.putArray("merges");
        merges.forEach(mergeList::add);
        return HfConfigJson.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root);
    }

    /** The bos_token when tokenizer_config.json ({@code config}, or null) sets add_bos_token (OPT's), else null. */
    private static String bosToAdd(Path configFile, JsonNode config) {
        if (config == null || !config.path("add_bos_token").asBoolean(false)) {
            return null;
        }
        String content = tokenContent(config.path("bos_token"));
        if (content.isEmpty()) {
            throw new IllegalArgumentException(configFile + " sets add_bos_token but names no bos_token");
        }
        return content;
    }

    /** A special token's text, written as a string or as an object with its {@code content} ("" for neither). */
    private static String tokenContent(JsonNode token) {
        return token.isTextual() ? token.asText() : token.path("content").asText("");
    }

    /** The post-processor that puts {@code bos} before a sequence (and before the first of a pair), as transformers' converter writes it. */
    private static ObjectNode prependingTemplate(String bos, int id) {
        ObjectNode node = HfConfigJson.JSON.createObjectNode();
        node.put("type", "TemplateProcessing");
        ObjectNode special = HfConfigJson.JSON.createObjectNode();
        special.putObject("SpecialToken").put("id", bos).put("type_id", 0);
        ObjectNode a = HfConfigJson.JSON.createObjectNode(), b = HfConfigJson.JSON.createObjectNode();
        a.putObject("Sequence").put("id", "A").put("type_id", 0);
        b.putObject("Sequence").put("id", "B").put("type_id", 1);
        node.putArray("single").add(special).add(a);
        node.putArray("pair").add(special.deepCopy()).add(a.deepCopy()).add(b);
        ObjectNode token = node.putObject("special_tokens").putObject(bos);
        token.put("id", bos);
        token.putArray("ids").add(id);
        token.putArray("tokens").add(bos);
        return node;
    }

    private static ObjectNode byteLevel(boolean addPrefixSpace, boolean trimOffsets) {
        ObjectNode node = HfConfigJson.JSON.createObjectNode();
        node.put("type", "ByteLevel");
        node.put("add_prefix_space", addPrefixSpace);
        node.put("trim_offsets", trimOffsets);
        node.put("use_regex", true);
        return node;
    }

    /** The special tokens tokenizer_config.json ({@code config}, or null) and special_tokens_map.json name, in that order, once each. */
    private static Set<String> specialTokens(Path folder, JsonNode config) throws IOException {
        Set<String> out = new LinkedHashSet<>();
        Path map = folder.resolve("special_tokens_map.json");
        for (JsonNode root : new JsonNode[] {config, Files.isRegularFile(map) ? read(map) : null}) {
            if (root == null) {
                continue;
            }
            root.fields().forEachRemaining(e -> {
                String content = e.getKey().endsWith("_token") ? tokenContent(e.getValue()) : "";
                if (!content.isEmpty()) {
                    out.add(content);
                }
            });
        }
        return out;
    }

    private static JsonNode read(Path file) throws IOException {
        try {
            return HfConfigJson.JSON.readTree(file.toFile());
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException(file + " is not valid JSON: " + MessageText.oneLine(e.getOriginalMessage()));
        }
    }
}
