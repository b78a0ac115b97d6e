package org.lowrank4j.compress.tokenize;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import org.lowrank4j.formats.io.MessageText;

/**
 * Checks a Hugging Face {@code tokenizer.json} in Java before the native tokenizers library sees it, so that
 * random bytes, another JSON file or a damaged tokenizer become one-line user errors naming the file instead of
 * whatever the native side does with them.
 *
 * <p>What is checked: UTF-8 JSON of a sane size holding an object; a {@code model} object whose {@code vocab} is of
 * the kind its {@code type} needs (token to non-negative id for BPE, WordPiece and WordLevel; a list of
 * {@code [piece, score]} pairs for Unigram); BPE merges as strings or pairs; {@code added_tokens} as objects with an
 * id and a content; and the pipeline sections (normalizer, pre-tokenizer, post-processor, decoder, truncation,
 * padding) as objects or null.
 */
public final class TokenizerJson {
    /** Largest tokenizer.json read; those of large multilingual models are tens of megabytes. */
    static final long MAX_FILE_BYTES = 256L << 20;

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Set<String> MODEL_TYPES = Set.of("BPE", "WordPiece", "WordLevel", "Unigram");
    private static final Set<String> SECTIONS = Set.of("normalizer", "pre_tokenizer", "post_processor", "decoder",
            "truncation", "padding");

    private TokenizerJson() {
    }

    /**
     * Reads and checks a tokenizer.json.
     *
     * @return the parsed JSON
     * @throws IllegalArgumentException naming the file and what is wrong with it
     */
    public static JsonNode read(Path file) {
        if (file == null || !Files.isRegularFile(file)) {
            throw new IllegalArgumentException("tokenizer file " + file + " does not exist or is not a file; give the "
                    + "model's tokenizer.json");
        }
        JsonNode root = parse(file);
        if (root == null || !root.isObject()) {
            throw notATokenizer(file, "it is not a JSON object");
        }
        JsonNode model = root.get("model");
        if (model == null || !model.isObject() || !model.has("vocab")) {
            throw notATokenizer(file, "no \"model\" section with a \"vocab\"");
        }
        checkModel(model, file);
        JsonNode added = root.get("added_tokens");
        if (added != null && !added.isNull()) {
            if (!added.isArray()) {
                throw invalid(file, "\"added_tokens\" must be a list");
            }
            for (JsonNode token : added) {
                if (!token.isObject() || !isId(token.get("id")) || !token.path("content").isTextual()) {
                    throw invalid(file, "each of \"added_tokens\" needs an integer \"id\" and a string \"content\", "
                            + "found " + MessageText.oneLine(token.toString()));
                }
            }
        }
        for (String section : SECTIONS) {
            JsonNode node = root.get(section);
            if (node != null && !node.isNull() && !node.isObject()) {
                throw invalid(file, "\"" + section + "\" must be an object or null, found "
                        + MessageText.oneLine(node.toString()));
            }
        }
        return root;
    }

    private static JsonNode parse(Path file) {
        try {
            long size = Files.size(file);
            if (size > MAX_FILE_BYTES) {
                throw notATokenizer(file, size + " bytes is more than the " + MAX_FILE_BYTES + " a tokenizer.json may "
                        + "have");
            }
            String text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(Files.readAllBytes(file))).toString();
            return JSON.readTree(text);
        } catch (CharacterCodingException e) {
            throw notATokenizer(file, "not UTF-8 text");
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(file + " is not a tokenizer.json (not valid JSON: "
                    + MessageText.oneLine(e.getOriginalMessage()) + ")", e);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read tokenizer file " + file + ": "
                    + MessageText.oneLine(e.toString()), e);
        }
    }

    private static void checkModel(JsonNode model, Path file) {
        JsonNode typeNode = model.get("type");
        String type = null;
        if (typeNode != null && !typeNode.isNull()) {
            if (!typeNode.isTextual() || !MODEL_TYPES.contains(typeNode.asText())) {
                throw invalid(file, "model type " + MessageText.oneLine(typeNode.toString()) + " is not one of "
                        + MODEL_TYPES);
            }
            type = typeNode.asText();
        }
        JsonNode vocab = model.get("vocab");
        boolean pieces = type == null ? vocab.isArray() : type.equals("Unigram");
        if (pieces ? !vocab.isArray() : !vocab.isObject()) {
            throw invalid(file, "the \"vocab\" of a " + (type == null ? "" : type + " ") + "model must be "
                    + (pieces ? "a list of [piece, score] pairs" : "an object of token ids") + ", found "
                    + vocab.getNodeType().toString().toLowerCase(java.util.Locale.ROOT));
        }
        if (pieces) {
            for (JsonNode piece : vocab) {
                if (!piece.isArray() || piece.size() != 2 || !piece.get(0).isTextual() || !piece.get(1).isNumber()) {
                    throw invalid(file, "a Unigram vocab entry must be a [piece, score] pair, found "
                            + MessageText.oneLine(piece.toString()));
                }
            }
        } else {
            for (Map.Entry<String, JsonNode> entry : vocab.properties()) {
                if (!isId(entry.getValue())) {
                    throw invalid(file, "the id of token " + MessageText.quoted(entry.getKey())
                            + " must be a non-negative integer, found " + MessageText.oneLine(entry.getValue().toString()));
                }
            }
        }
        JsonNode merges = model.get("merges");
        if (merges != null && !merges.isNull()) {
            if (!merges.isArray()) {
                throw invalid(file, "the model's \"merges\" must be a list");
            }
            for (JsonNode merge : merges) {
                boolean pair = merge.isArray() && merge.size() == 2 && merge.get(0).isTextual()
                        && merge.get(1).isTextual();
                if (!merge.isTextual() && !pair) {
                    throw invalid(file, "a merge must be \"a b\" or [\"a\", \"b\"], found "
                            + MessageText.oneLine(merge.toString()));
                }
            }
        }
    }

    private static boolean isId(JsonNode node) {
        return node != null && node.isIntegralNumber() && node.canConvertToInt() && node.asInt() >= 0;
    }

    /**
     * One more than the largest id the vocabulary and the added tokens use, from JSON that {@link #read} accepted.
     *
     * @throws IllegalArgumentException naming the file when there is no token at all
     */
    public static int vocabularySize(JsonNode root, Path file) {
        JsonNode vocab = root.path("model").path("vocab");
        long max = -1;
        if (vocab.isObject()) {
            for (Iterator<JsonNode> it = vocab.elements(); it.hasNext(); ) {
                max = Math.max(max, it.next().asLong(-1));
            }
        } else if (vocab.isArray()) {
            max = vocab.size() - 1L;
        }
        for (JsonNode added : root.path("added_tokens")) {
            max = Math.max(max, added.path("id").asLong(-1));
        }
        if (max < 0) {
            throw invalid(file, "the vocabulary is empty");
        }
        return (int) Math.min(max + 1, Integer.MAX_VALUE);
    }

    /** Wraps what the native library threw while loading a file that passed {@link #read}. */
    public static IllegalArgumentException notLoadable(Path file, Exception cause) {
        return new IllegalArgumentException(file + " is not a tokenizer.json that Hugging Face tokenizers can load: "
                + MessageText.oneLine(String.valueOf(cause.getMessage()), 400), cause);
    }

    private static IllegalArgumentException notATokenizer(Path file, String why) {
        return new IllegalArgumentException(file + " is not a Hugging Face tokenizer.json (" + why + "); give the "
                + "model's tokenizer.json, not its config or vocab.txt");
    }

    private static IllegalArgumentException invalid(Path file, String why) {
        return new IllegalArgumentException(file + " is not a valid tokenizer.json: " + why);
    }
}
