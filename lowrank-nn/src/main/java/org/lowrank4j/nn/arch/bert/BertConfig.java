package org.lowrank4j.nn.arch.bert;

import org.lowrank4j.formats.hf.HfArchitecture;
import org.lowrank4j.formats.hf.HfConfig;
import org.lowrank4j.nn.tensor.MlpActivation;

/**
 * The sizes of a BERT encoder.
 *
 * @param vocabSize        token ids V
 * @param hiddenSize       width C of the residual stream
 * @param layers           number of encoder blocks L
 * @param heads            attention heads NH (C divisible by NH)
 * @param intermediateSize width of the MLP hidden layer
 * @param maxPositions     rows of the learned position table
 * @param typeVocabSize    rows of the token-type table (0: none)
 * @param layerNormEps     epsilon of every LayerNorm
 * @param gelu             the MLP activation (BERT: {@link MlpActivation#GELU_ERF})
 */
public record BertConfig(int vocabSize, int hiddenSize, int layers, int heads, int intermediateSize, int maxPositions,
        int typeVocabSize, double layerNormEps, MlpActivation gelu) {

    /** @throws IllegalArgumentException naming the field that is out of range */
    public BertConfig {
        require(vocabSize >= 1, "vocabSize", vocabSize);
        require(hiddenSize >= 1, "hiddenSize", hiddenSize);
        require(layers >= 0, "layers", layers);
        require(heads >= 1 && hiddenSize % heads == 0, "heads (must divide hiddenSize " + hiddenSize + ")", heads);
        require(intermediateSize >= 1, "intermediateSize", intermediateSize);
        require(maxPositions >= 1, "maxPositions", maxPositions);
        require(typeVocabSize >= 0, "typeVocabSize", typeVocabSize);
        if (!(layerNormEps >= 0)) {
            throw new IllegalArgumentException("BERT config: layerNormEps must be >= 0, got " + layerNormEps);
        }
        if (gelu == null) {
            throw new IllegalArgumentException("BERT config: gelu variant is missing");
        }
    }

    /** The sizes of a Hugging Face config whose {@code model_type} is {@code bert}. */
    public static BertConfig from(HfConfig config) {
        if (config.architecture() != HfArchitecture.BERT) {
            throw new IllegalArgumentException("config model_type = \"" + config.modelType() + "\" is not a BERT encoder");
        }
        MlpActivation gelu = switch (config.hiddenAct()) {
            case "gelu" -> MlpActivation.GELU_ERF;
            case "gelu_new", "gelu_pytorch_tanh" -> MlpActivation.GELU_TANH;
            default -> throw new IllegalArgumentException("config field hidden_act = \"" + config.hiddenAct()
                    + "\" is not supported for BERT (gelu, gelu_new, gelu_pytorch_tanh)");
        };
        return new BertConfig(config.vocabSize(), config.hiddenSize(), config.numHiddenLayers(), config.numAttentionHeads(),
                config.intermediateSize(), config.maxPositionEmbeddings(), config.typeVocabSize(), config.normEps(), gelu);
    }

    /** Width of one attention head, C / NH. */
    public int headSize() {
        return hiddenSize / heads;
    }

    private static void require(boolean ok, String field, int value) {
        if (!ok) {
            throw new IllegalArgumentException("BERT config: " + field + " out of range: " + value);
        }
    }
}
