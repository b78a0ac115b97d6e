package org.lowrank4j.formats.hf;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Objects;

/**
 * Builds a new {@link HfConfig} for one model family, for models the runtime creates or trains. Unset fields take
 * the family's Hugging Face defaults; the key/value heads default to the heads, the head width to
 * {@code hiddenSize / numAttentionHeads}, and GPT-2's MLP width to four times the hidden size. {@link #build()}
 * validates like reading a file does.
 */
public final class HfConfigBuilder {
    private final HfArchitecture architecture;
    private final ObjectNode extra = HfConfigJson.JSON.createObjectNode();
    private String modelType;
    private String className;
    private int hiddenSize;
    private Integer intermediateSize;
    private int numHiddenLayers;
    private int numAttentionHeads;
    private Integer numKeyValueHeads;
    private Integer headDim;
    private int vocabSize;
    private Integer maxPositionEmbeddings;
    private Double normEps;
    private String hiddenAct;
    private double ropeTheta = HfConfigJson.DEFAULT_ROPE_THETA;
    private Boolean tieWordEmbeddings;
    private Integer typeVocabSize;
    private Integer bosTokenId;
    private List<Integer> eosTokenIds = List.of();
    private Integer padTokenId;

    HfConfigBuilder(HfArchitecture architecture) {
        this.architecture = Objects.requireNonNull(architecture, "architecture");
        this.modelType = architecture.modelTypes().get(0);
        this.className = architecture.defaultClassName();
    }

    /** A {@code model_type} of this family other than the default (e.g. "qwen2" for LLAMA). */
    public HfConfigBuilder modelType(String value) {
        if (!architecture.modelTypes().contains(value)) {
            throw new IllegalArgumentException("model_type \"" + value + "\" is not one of " + architecture + "'s "
                    + architecture.modelTypes());
        }
        this.modelType = value;
        return this;
    }

    /** The Hugging Face class name written in {@code architectures}. */
    public HfConfigBuilder className(String value) {
        this.className = Objects.requireNonNull(value, "className");
        return this;
    }

    public HfConfigBuilder hiddenSize(int value) {
        this.hiddenSize = value;
        return this;
    }

    public HfConfigBuilder intermediateSize(int value) {
        this.intermediateSize = value;
        return this;
    }

    public HfConfigBuilder numHiddenLayers(int value) {
        this.numHiddenLayers = value;
        return this;
    }

    public HfConfigBuilder numAttentionHeads(int value) {
        this.numAttentionHeads = value;
        return this;
    }

    public HfConfigBuilder numKeyValueHeads(int value) {
        this.numKeyValueHeads = value;
        return this;
    }

    /** An explicit head width; written as {@code head_dim}. */
    public HfConfigBuilder headDim(int value) {
        this.headDim = value;
        return this;
    }

    public HfConfigBuilder vocabSize(int value) {
        this.vocabSize = value;
        return this;
    }

    public HfConfigBuilder maxPositionEmbeddings(int value) {
        this.maxPositionEmbeddings = value;
        return this;
    }

    public HfConfigBuilder normEps(double value) {
        this.normEps = value;
        return this;
    }

    public HfConfigBuilder hiddenAct(String value) {
        this.hiddenAct = Objects.requireNonNull(value, "hiddenAct");
        return this;
    }

    public HfConfigBuilder ropeTheta(double value) {
        this.ropeTheta = value;
        return this;
    }

    public HfConfigBuilder tieWordEmbeddings(boolean value) {
        this.tieWordEmbeddings = value;
        return this;
    }

    public HfConfigBuilder typeVocabSize(int value) {
        this.typeVocabSize = value;
        return this;
    }

    public HfConfigBuilder bosTokenId(int value) {
        this.bosTokenId = value;
        return this;
    }

    public HfConfigBuilder eosTokenIds(Integer... values) {
        this.eosTokenIds = List.of(values);
        return this;
    }

    public HfConfigBuilder padTokenId(int value) {
        this.padTokenId = value;
        return this;
    }

    /**
     * Any other config.json field (e.g. {@code "torch_dtype": "float16"}, {@code "attention_bias": true}); the value
     * is converted to JSON as Jackson would.
     */
    public HfConfigBuilder put(String key, Object value) {
        extra.set(key, HfConfigJson.JSON.valueToTree(value));
        return this;
    }

    /**
     * @throws IllegalArgumentException when a size is missing or not positive or the head counts do not divide,
     *                                  naming the field
     */
    public HfConfig build() {
        HfConfigJson.Defaults defaults = HfConfigJson.Defaults.of(modelType);
        int heads = numAttentionHeads;
        ObjectNode raw = extra.deepCopy();
        if (headDim != null) {
            raw.put("head_dim", headDim);
        }
        HfConfig draft = new HfConfig(modelType, List.of(className), hiddenSize,
                intermediateSize != null ? intermediateSize
                        : java.util.Objects.requireNonNullElse(defaults.intermediate(hiddenSize), 0),
                numHiddenLayers, heads,
                numKeyValueHeads != null ? numKeyValueHeads : heads,
                headDim != null ? headDim : heads > 0 ? hiddenSize / heads : 0,
                vocabSize,
                maxPositionEmbeddings != null ? maxPositionEmbeddings : defaults.maxPositions(),
                normEps != null ? normEps : defaults.normEps(),
                hiddenAct != null ? hiddenAct : defaults.activation(),
                ropeTheta,
                tieWordEmbeddings != null ? tieWordEmbeddings : defaults.tieWordEmbeddings(),
                typeVocabSize != null ? typeVocabSize : defaults.typeVocabSize(),
                bosTokenId, eosTokenIds, padTokenId, raw);
        ObjectNode json = HfConfigJson.toJsonNode(draft);
        return new HfConfig(draft.modelType(), draft.architectures(), draft.hiddenSize(), draft.intermediateSize(),
                draft.numHiddenLayers(), draft.numAttentionHeads(), draft.numKeyValueHeads(), draft.headDim(),
                draft.vocabSize(), draft.maxPositionEmbeddings(), draft.normEps(), draft.hiddenAct(),
                draft.ropeTheta(), draft.tieWordEmbeddings(), draft.typeVocabSize(), draft.bosTokenId(),
                draft.eosTokenIds(), draft.padTokenId(), json);
    }
}
