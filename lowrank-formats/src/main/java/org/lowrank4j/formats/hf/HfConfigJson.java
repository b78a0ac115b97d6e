package org.lowrank4j.formats.hf;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.lowrank4j.formats.io.MessageText;

/** Reading {@link HfConfig} from config.json text and writing it back, and the checks on its values. */
final class HfConfigJson {
    static final JsonMapper JSON = JsonMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

    private HfConfigJson() {
    }

    /** A config field and the keys it goes by: the standard one first, then GPT-2's where it differs, then OPT's. */
    enum Field {
        HIDDEN("hidden_size", "n_embd"),
        INTERMEDIATE("intermediate_size", "n_inner", "ffn_dim"),
        LAYERS("num_hidden_layers", "n_layer"),
        HEADS("num_attention_heads", "n_head"),
        KV_HEADS("num_key_value_heads"),
        HEAD_DIM("head_dim"),
        VOCAB("vocab_size"),
        MAX_POSITIONS("max_position_embeddings", "n_positions", "n_ctx"),
        NORM_EPS("rms_norm_eps", "layer_norm_eps", "layer_norm_epsilon"),
        ACTIVATION("hidden_act", "activation_function"),
        ROPE_THETA("rope_theta"),
        TIE("tie_word_embeddings"),
        TYPE_VOCAB("type_vocab_size");

        final List<String> keys;

        Field(String... keys) {
            this.keys = List.of(keys);
        }

        /** The key a new config of this model type uses. */
        String written(String modelType) {
            if (isOpt(modelType)) { // the standard names but for these two
                return this == INTERMEDIATE ? "ffn_dim" : this == ACTIVATION ? "activation_function" : keys.get(0);
            }
            HfArchitecture architecture = HfArchitecture.forModelType(modelType).orElse(null);
            if (architecture == HfArchitecture.GPT2 && keys.size() > 1) {
                return this == NORM_EPS ? "layer_norm_epsilon" : keys.get(1);
            }
            if (architecture == HfArchitecture.BERT && this == NORM_EPS) {
                return "layer_norm_eps";
            }
            return keys.get(0);
        }

        /** The first of this field's keys present (and not null) in {@code raw}, or null. */
        String presentIn(ObjectNode raw) {
            for (String key : keys) {
                JsonNode value = raw.get(key);
                if (value != null && !value.isNull()) {
                    return key;
                }
            }
            return null;
        }

        /** The key to name in messages and to write: the one the file used, else the family's. */
        String nameIn(ObjectNode raw, String modelType) {
            String present = presentIn(raw);
            return present != null ? present : written(modelType);
        }
    }

    /** What a family's configs leave out: Hugging Face's defaults for that model type. */
    record Defaults(Integer maxPositions, double normEps, String activation, boolean tieWordEmbeddings,
            int typeVocabSize, boolean fourTimesWideMlp) {
        Defaults(Integer maxPositions, double normEps, String activation, boolean tieWordEmbeddings, int typeVocabSize) {
            this(maxPositions, normEps, activation, tieWordEmbeddings, typeVocabSize, false);
        }

        /** The MLP width a config without one gets: GPT-2's 4 × hidden, else none (null: the field is required). */
        Integer intermediate(int hidden) {
            return fourTimesWideMlp ? 4 * hidden : null;
        }

        static Defaults of(String modelType) {
            if (isOpt(modelType)) {
                return new Defaults(2048, 1e-5, "relu", true, 0);
            }
            HfArchitecture architecture = HfArchitecture.forModelType(modelType).orElse(null);
            if (architecture == null) {
                return new Defaults(null, 1e-5, "gelu", true, 0);
            }
            return switch (architecture) {
                case BERT -> new Defaults(512, 1e-12, "gelu", true, 2);
                case LLAMA -> new Defaults(2048, 1e-6, "silu", false, 0);
                case GPT2 -> new Defaults(1024, 1e-5, "gelu_new", true, 0, true);
            };
        }
    }

    static final double DEFAULT_ROPE_THETA = 10000;

    /** OPT, in the GPT-2 family, names its fields as LLaMA does but for {@code ffn_dim} and {@code activation_function}. */
    static boolean isOpt(String modelType) {
        return modelType != null && modelType.equalsIgnoreCase("opt");
    }

    /** A required field is absent; turned into a message that also mentions an unsupported model type. */
    private static final class MissingField extends RuntimeException {
        MissingField(String message) {
            super(message, null, false, false);
        }
    }

    static HfConfig parse(String text, String source) {
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(source + ": not valid JSON: " + MessageText.oneLine(e.getOriginalMessage()),
                    e);
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException(source + ": a config must be a JSON object");
        }
        ObjectNode raw = (ObjectNode) root;
        try {
            List<String> architectures = strings(raw, "architectures");
            String modelType = text(raw, "model_type", null);
            if (modelType == null) {
                modelType = architectures.stream().map(HfArchitecture::modelTypeOfClassName)
                        .flatMap(Optional::stream).findFirst().orElse("");
            }
            HfArchitecture architecture = HfArchitecture.forModelType(modelType).orElse(null);
            Defaults defaults = Defaults.of(modelType);
            try {
                int hidden = integer(raw, Field.HIDDEN, modelType, null);
                int heads = integer(raw, Field.HEADS, modelType, null);
                return new HfConfig(modelType, architectures,
                        hidden,
                        integer(raw, Field.INTERMEDIATE, modelType, defaults.intermediate(hidden)),
                        integer(raw, Field.LAYERS, modelType, null),
                        heads,
                        integer(raw, Field.KV_HEADS, modelType, heads),
                        integer(raw, Field.HEAD_DIM, modelType, heads > 0 ? hidden / heads : 0),
                        integer(raw, Field.VOCAB, modelType, null),
                        integer(raw, Field.MAX_POSITIONS, modelType, defaults.maxPositions()),
                        number(raw, Field.NORM_EPS, defaults.normEps()),
                        text(raw, Field.ACTIVATION.nameIn(raw, modelType), defaults.activation()),
                        ropeTheta(raw),
                        bool(raw, Field.TIE.keys.get(0), defaults.tieWordEmbeddings()),
                        integer(raw, Field.TYPE_VOCAB, modelType, defaults.typeVocabSize()),
                        tokenId(raw, "bos_token_id"),
                        tokenIds(raw, "eos_token_id"),
                        tokenId(raw, "pad_token_id"),
                        raw);
            } catch (MissingField e) {
                if (architecture == null) {
                    throw new IllegalArgumentException("model_type = \"" + modelType + "\" is not supported "
                            + "(supported: " + HfArchitecture.supportedModelTypes() + ") and " + e.getMessage());
                }
                throw new IllegalArgumentException(e.getMessage() + " (model_type \"" + modelType + "\")");
            }
        } catch (IllegalArgumentException e) {
            // The message quotes values from the file; keep it on one line and of a readable length.
            throw new IllegalArgumentException(source + ": " + MessageText.oneLine(e.getMessage(), 600), e);
        }
    }

    private static int integer(ObjectNode raw, Field field, String modelType, Integer fallback) {
        String key = field.presentIn(raw);
        if (key == null) {
            if (fallback == null) {
                throw new MissingField("field '" + field.written(modelType) + "' is missing"
                        + (field.keys.size() > 1 ? " (also looked for " + field.keys + ")" : ""));
            }
            return fallback;
        }
        JsonNode value = raw.get(key);
        if (!value.isIntegralNumber() || !value.canConvertToInt()) {
            throw new IllegalArgumentException("field '" + key + "' must be an integer, found " + value);
        }
        return value.asInt();
    }

    private static double number(ObjectNode raw, Field field, double fallback) {
        String key = field.presentIn(raw);
        if (key == null) {
            return fallback;
        }
        JsonNode value = raw.get(key);
        if (!value.isNumber()) {
            throw new IllegalArgumentException("field '" + key + "' must be a number, found " + value);
        }
        return value.asDouble();
    }

    /** The RoPE base a config class assumes when the file names none: Gemma 3's 10⁶, SmolLM3's 2·10⁶, else 10⁴. */
    private static double defaultRopeTheta(String modelType) {
        return switch (modelType.toLowerCase(java.util.Locale.ROOT)) {
            case "gemma3_text" -> 1_000_000;
            case "smollm3" -> 2_000_000;
            default -> DEFAULT_ROPE_THETA;
        };
    }

    private static double ropeTheta(ObjectNode raw) {
        if (Field.ROPE_THETA.presentIn(raw) != null) {
            return number(raw, Field.ROPE_THETA, DEFAULT_ROPE_THETA);
        }
        JsonNode nested = raw.path("rope_parameters").path("rope_theta");
        if (nested.isMissingNode() || nested.isNull()) {
            return defaultRopeTheta(raw.path("model_type").asText(""));
        }
        if (!nested.isNumber()) {
            throw new IllegalArgumentException("field 'rope_parameters.rope_theta' must be a number, found " + nested);
        }
        return nested.asDouble();
    }

    private static String text(ObjectNode raw, String key, String fallback) {
        JsonNode value = raw.get(key);
        if (value == null || value.isNull()) {
            return fallback;
        }
        if (!value.isTextual()) {
            throw new IllegalArgumentException("field '" + key + "' must be a string, found " + value);
        }
        return value.asText();
    }

    private static boolean bool(ObjectNode raw, String key, boolean fallback) {
        JsonNode value = raw.get(key);
        if (value == null || value.isNull()) {
            return fallback;
        }
        if (!value.isBoolean()) {
            throw new IllegalArgumentException("field '" + key + "' must be true or false, found " + value);
        }
        return value.asBoolean();
    }

    private static List<String> strings(ObjectNode raw, String key) {
        JsonNode value = raw.get(key);
        if (value == null || value.isNull()) {
            return List.of();
        }
        if (value.isTextual()) {
            return List.of(value.asText());
        }
        List<String> out = new ArrayList<>();
        if (value.isArray()) {
            for (JsonNode item : value) {
                if (!item.isTextual()) {
                    throw new IllegalArgumentException("field '" + key + "' must list strings, found " + value);
                }
                out.add(item.asText());
            }
            return out;
        }
        throw new IllegalArgumentException("field '" + key + "' must be a list of strings, found " + value);
    }

    private static Integer tokenId(ObjectNode raw, String key) {
        JsonNode value = raw.get(key);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isIntegralNumber() || !value.canConvertToInt()) {
            throw new IllegalArgumentException("field '" + key + "' must be an integer token id, found " + value);
        }
        return value.asInt();
    }

    private static List<Integer> tokenIds(ObjectNode raw, String key) {
        JsonNode value = raw.get(key);
        if (value == null || value.isNull()) {
            return List.of();
        }
        if (!value.isArray()) {
            return List.of(tokenId(raw, key));
        }
        List<Integer> ids = new ArrayList<>();
        for (JsonNode item : value) {
            if (!item.isIntegralNumber() || !item.canConvertToInt()) {
                throw new IllegalArgumentException("field '" + key + "' must hold integer token ids, found " + value);
            }
            ids.add(item.asInt());
        }
        return ids;
    }

    /** The checks of {@link HfConfig}'s constructor; messages name fields as {@code raw} spells them. */
    static void validate(String modelType, int hidden, int intermediate, int layers, int heads, int kvHeads,
            int headDim, int vocab, int maxPositions, double normEps, double ropeTheta, int typeVocab,
            ObjectNode raw) {
        positive(hidden, Field.HIDDEN.nameIn(raw, modelType));
        positive(intermediate, Field.INTERMEDIATE.nameIn(raw, modelType));
        positive(layers, Field.LAYERS.nameIn(raw, modelType));
        positive(heads, Field.HEADS.nameIn(raw, modelType));
        positive(kvHeads, Field.KV_HEADS.nameIn(raw, modelType));
        positive(vocab, Field.VOCAB.nameIn(raw, modelType));
        positive(maxPositions, Field.MAX_POSITIONS.nameIn(raw, modelType));
        if (Field.HEAD_DIM.presentIn(raw) == null && hidden % heads != 0) {
            throw new IllegalArgumentException("field '" + Field.HEADS.nameIn(raw, modelType) + "' = " + heads
                    + " does not divide field '" + Field.HIDDEN.nameIn(raw, modelType) + "' = " + hidden);
        }
        positive(headDim, Field.HEAD_DIM.nameIn(raw, modelType));
        if (Field.HEAD_DIM.presentIn(raw) == null && headDim * heads != hidden) {
            throw new IllegalArgumentException("head_dim " + headDim + " times " + heads + " heads is not field '"
                    + Field.HIDDEN.nameIn(raw, modelType) + "' = " + hidden + "; give head_dim explicitly");
        }
        if (heads % kvHeads != 0) {
            throw new IllegalArgumentException("field '" + Field.KV_HEADS.nameIn(raw, modelType) + "' = " + kvHeads
                    + " does not divide field '" + Field.HEADS.nameIn(raw, modelType) + "' = " + heads);
        }
        if (!(normEps > 0) || Double.isInfinite(normEps)) {
            throw new IllegalArgumentException("field '" + Field.NORM_EPS.nameIn(raw, modelType)
                    + "' must be a positive number, found " + normEps);
        }
        if (!(ropeTheta > 0) || Double.isInfinite(ropeTheta)) {
            throw new IllegalArgumentException("field 'rope_theta' must be a positive number, found " + ropeTheta);
        }
        if (typeVocab < 0) {
            throw new IllegalArgumentException("field 'type_vocab_size' must not be negative, found " + typeVocab);
        }
    }

    private static void positive(int value, String key) {
        if (value <= 0) {
            throw new IllegalArgumentException("field '" + key + "' must be positive, found " + value);
        }
    }

    /** {@code config.raw()} with the modelled fields put back, under the keys the file used or the family's. */
    static ObjectNode toJsonNode(HfConfig config) {
        ObjectNode out = config.raw();
        HfArchitecture architecture = HfArchitecture.forModelType(config.modelType()).orElse(null);
        if (!config.modelType().isEmpty()) {
            out.put("model_type", config.modelType());
        }
        if (!config.architectures().isEmpty()) {
            ArrayNode list = out.putArray("architectures");
            config.architectures().forEach(list::add);
        }
        ObjectNode before = config.raw();
        out.put(Field.HIDDEN.nameIn(before, config.modelType()), config.hiddenSize());
        out.put(Field.INTERMEDIATE.nameIn(before, config.modelType()), config.intermediateSize());
        out.put(Field.LAYERS.nameIn(before, config.modelType()), config.numHiddenLayers());
        out.put(Field.HEADS.nameIn(before, config.modelType()), config.numAttentionHeads());
        if (architecture == HfArchitecture.LLAMA || Field.KV_HEADS.presentIn(before) != null
                || config.numKeyValueHeads() != config.numAttentionHeads()) {
            out.put(Field.KV_HEADS.keys.get(0), config.numKeyValueHeads());
        }
        if (Field.HEAD_DIM.presentIn(before) != null
                || config.headDim() * config.numAttentionHeads() != config.hiddenSize()) {
            out.put(Field.HEAD_DIM.keys.get(0), config.headDim());
        }
        out.put(Field.VOCAB.keys.get(0), config.vocabSize());
        out.put(Field.MAX_POSITIONS.nameIn(before, config.modelType()), config.maxPositionEmbeddings());
        if (!isOpt(config.modelType()) || Field.NORM_EPS.presentIn(before) != null) { // OPT's LayerNorms take PyTorch's 1e-5, no field
            out.put(Field.NORM_EPS.nameIn(before, config.modelType()), config.normEps());
        }
        // Gemma 2 and 3 name their activation hidden_activation, and Gemma 3's newer configs keep one rope_theta per layer type
        // inside rope_parameters: neither gets a top-level default it did not have
        boolean namesHiddenActivation = config.modelType().equalsIgnoreCase("gemma3_text") || config.modelType().equalsIgnoreCase("gemma2");
        boolean perLayerTypeRope = false;
        for (JsonNode entry : before.path("rope_parameters")) {
            perLayerTypeRope |= entry.isObject();
        }
        if (!namesHiddenActivation || Field.ACTIVATION.presentIn(before) != null) {
            out.put(Field.ACTIVATION.nameIn(before, config.modelType()), config.hiddenAct());
        }
        if (Field.ROPE_THETA.presentIn(before) == null && before.path("rope_parameters").has("rope_theta")) {
            ((ObjectNode) out.get("rope_parameters")).put("rope_theta", config.ropeTheta());
        } else if (architecture == HfArchitecture.LLAMA && !perLayerTypeRope || Field.ROPE_THETA.presentIn(before) != null) {
            out.put(Field.ROPE_THETA.keys.get(0), config.ropeTheta());
        }
        out.put(Field.TIE.keys.get(0), config.tieWordEmbeddings());
        if (architecture == HfArchitecture.BERT || Field.TYPE_VOCAB.presentIn(before) != null
                || config.typeVocabSize() != 0) {
            out.put(Field.TYPE_VOCAB.keys.get(0), config.typeVocabSize());
        }
        if (config.bosTokenId() != null) {
            out.put("bos_token_id", config.bosTokenId());
        }
        if (config.eosTokenIds().size() == 1 && !before.path("eos_token_id").isArray()) {
            out.put("eos_token_id", config.eosTokenIds().get(0));
        } else if (!config.eosTokenIds().isEmpty()) {
            ArrayNode ids = out.putArray("eos_token_id");
            config.eosTokenIds().forEach(ids::add);
        }
        if (config.padTokenId() != null) {
            out.put("pad_token_id", config.padTokenId());
        }
        return out;
    }

    static String toJson(HfConfig config) {
        DefaultIndenter indenter = new DefaultIndenter("  ", "\n");
        DefaultPrettyPrinter printer = new DefaultPrettyPrinter()
                .withSeparators(Separators.createDefaultInstance()
                        .withObjectFieldValueSpacing(Separators.Spacing.AFTER));
        printer.indentObjectsWith(indenter);
        printer.indentArraysWith(indenter);
        try {
            return JSON.writer(printer).writeValueAsString(toJsonNode(config)) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise config", e);
        }
    }
}
