package org.lowrank4j.formats.hf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import org.lowrank4j.formats.io.AtomicFiles;

/**
 * The fields of a Hugging Face {@code config.json} that the JVM runtime needs, under one naming whatever the model
 * family calls them (GPT-2's {@code n_embd}, {@code n_layer}, {@code n_head}, {@code n_positions}/{@code n_ctx},
 * {@code n_inner}, {@code layer_norm_epsilon}, {@code activation_function}, and OPT's {@code ffn_dim} map to the fields
 * below), with the family's defaults where the file omits a field, plus the whole JSON in {@link #raw()} for anything
 * else (rope scaling, attention bias, sliding windows...).
 *
 * <p>Construction validates: every size positive, heads dividing the hidden size (unless the file gives
 * {@code head_dim}), key/value heads dividing the heads. Messages name the field as the file spells it.
 *
 * @param modelType             {@code model_type}, or inferred from {@code architectures} when absent
 * @param architectures         the Hugging Face class names, e.g. {@code LlamaForCausalLM}; may be empty
 * @param hiddenSize            width of the residual stream
 * @param intermediateSize      width of the MLP's hidden layer
 * @param numHiddenLayers       number of transformer blocks
 * @param numAttentionHeads     query heads per block
 * @param numKeyValueHeads      key/value heads (fewer than the query heads under grouped-query attention)
 * @param headDim               width of one head ({@code hidden_size / num_attention_heads} unless given)
 * @param vocabSize             number of token ids
 * @param maxPositionEmbeddings longest sequence the positions cover
 * @param normEps               epsilon of LayerNorm or RMSNorm
 * @param hiddenAct             activation name as Hugging Face spells it ({@code gelu}, {@code silu}, ...)
 * @param ropeTheta             base of the rotary embedding frequencies
 * @param tieWordEmbeddings     whether the output projection reuses the token embedding
 * @param typeVocabSize         number of token types (BERT segment ids); 0 where there are none
 * @param bosTokenId            beginning-of-sequence id, or null
 * @param eosTokenIds           end-of-sequence ids (some configs give several); may be empty
 * @param padTokenId            padding id, or null
 * @param raw                   the whole JSON object; copied in and out
 */
public record HfConfig(
        String modelType,
        List<String> architectures,
        int hiddenSize,
        int intermediateSize,
        int numHiddenLayers,
        int numAttentionHeads,
        int numKeyValueHeads,
        int headDim,
        int vocabSize,
        int maxPositionEmbeddings,
        double normEps,
        String hiddenAct,
        double ropeTheta,
        boolean tieWordEmbeddings,
        int typeVocabSize,
        Integer bosTokenId,
        List<Integer> eosTokenIds,
        Integer padTokenId,
        ObjectNode raw) {

    /** The usual file name in a Hugging Face model folder. */
    public static final String FILE_NAME = "config.json";
    /** Largest config file read; real ones are a few kilobytes. */
    static final long MAX_FILE_BYTES = 16L << 20;

    /**
     * @throws IllegalArgumentException when a size is not positive or the head counts do not divide, naming the
     *                                  field
     */
    public HfConfig {
        Objects.requireNonNull(modelType, "modelType");
        Objects.requireNonNull(hiddenAct, "hiddenAct");
        architectures = List.copyOf(architectures);
        eosTokenIds = List.copyOf(eosTokenIds);
        raw = raw == null ? HfConfigJson.JSON.createObjectNode() : raw.deepCopy();
        HfConfigJson.validate(modelType, hiddenSize, intermediateSize, numHiddenLayers, numAttentionHeads,
                numKeyValueHeads, headDim, vocabSize, maxPositionEmbeddings, normEps, ropeTheta, typeVocabSize, raw);
    }

    @Override
    public ObjectNode raw() {
        return raw.deepCopy();
    }

    /**
     * Reads and validates a {@code config.json}, or the one inside a model folder.
     *
     * @throws IllegalArgumentException for malformed JSON, a missing or ill-typed field, or invalid sizes, naming
     *                                  the file and the field
     */
    public static HfConfig read(Path path) throws IOException {
        Path file = Files.isDirectory(path) ? path.resolve(FILE_NAME) : path;
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("model config " + file + " does not exist");
        }
        long size = Files.size(file);
        if (size > MAX_FILE_BYTES) {
            throw new IllegalArgumentException(file + ": " + size + " bytes is far too large for a config.json (the "
                    + "limit is " + MAX_FILE_BYTES + "); is this the right file?");
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(Files.readAllBytes(file))).toString();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException(file + ": not a config.json (not UTF-8 text)", e);
        }
        return parse(text, file.toString());
    }

    /**
     * Parses {@code config.json} text.
     *
     * @param source what to call the text in messages (usually its path)
     */
    public static HfConfig parse(String json, String source) {
        return HfConfigJson.parse(json, source);
    }

    /** A builder for a new config of this family, with the family's defaults. */
    public static HfConfigBuilder builder(HfArchitecture architecture) {
        return new HfConfigBuilder(architecture);
    }

    /**
     * The model family the runtime implements for this config.
     *
     * @throws IllegalArgumentException when {@code model_type} is not one the runtime supports, naming its value and
     *                                  listing the supported ones
     */
    public HfArchitecture architecture() {
        return HfArchitecture.forModelType(modelType).orElseThrow(() -> new IllegalArgumentException(
                "config field model_type = \"" + modelType + "\"" + (architectures.isEmpty() ? ""
                        : " (architectures " + architectures + ")") + " is not supported; supported model_type "
                        + "values: " + HfArchitecture.supportedModelTypes()));
    }

    /** True under grouped-query (or multi-query) attention: fewer key/value heads than query heads. */
    public boolean groupedQueryAttention() {
        return numKeyValueHeads < numAttentionHeads;
    }

    /**
     * The JSON this config writes: {@link #raw()} with the fields above put back under the names the file used (or
     * the family's usual names for fields it did not have), pretty-printed.
     */
    public String toJson() {
        return HfConfigJson.toJson(this);
    }

    /** Writes {@link #toJson()} to {@code file} atomically (a folder means {@value #FILE_NAME} inside it). */
    public void write(Path path) throws IOException {
        Path file = Files.isDirectory(path) ? path.resolve(FILE_NAME) : path;
        AtomicFiles.writeString(file, toJson());
    }

    /** True for OPT ({@code model_type: opt}), which the GPT-2 family covers with its own field names and layout. */
    public boolean isOpt() {
        return HfConfigJson.isOpt(modelType);
    }

    /** An integer field of {@link #raw()} that this record does not model, or {@code fallback}. */
    public int rawInt(String field, int fallback) {
        JsonNode node = raw.get(field);
        return node != null && node.canConvertToInt() && node.isIntegralNumber() ? node.asInt() : fallback;
    }

    /** A boolean field of {@link #raw()} that this record does not model, or {@code fallback}. */
    public boolean rawBoolean(String field, boolean fallback) {
        JsonNode node = raw.get(field);
        return node != null && node.isBoolean() ? node.asBoolean() : fallback;
    }
}
