package org.lowrank4j.adapt;

import java.util.Random;
import org.lowrank4j.formats.hf.HfArchitecture;
import org.lowrank4j.formats.hf.HfConfig;
import org.lowrank4j.nn.arch.llama.LlamaModel;
import org.lowrank4j.nn.tensor.Precision;

/** Tiny random LLaMA-style decoders for the adapter tests (nothing read from disk). */
public final class TinyModels {
    private TinyModels() {
    }

    /** hidden 16, 2 layers, 4 heads over 2 key/value heads, SwiGLU 24, byte vocabulary, context 32. */
    public static HfConfig llamaConfig() {
        return HfConfig.builder(HfArchitecture.LLAMA).hiddenSize(16).intermediateSize(24).numHiddenLayers(2).numAttentionHeads(4)
                .numKeyValueHeads(2).vocabSize(256).maxPositionEmbeddings(32).tieWordEmbeddings(true).build();
    }

    /** The same layout at hidden width 24 (weights zero): a base that adapters of {@link #llama} do not fit. */
    public static LlamaModel wider(Precision precision) {
        return LlamaModel.create(HfConfig.builder(HfArchitecture.LLAMA).hiddenSize(24).intermediateSize(24).numHiddenLayers(2).numAttentionHeads(4)
                .numKeyValueHeads(2).vocabSize(256).maxPositionEmbeddings(32).tieWordEmbeddings(true).build(), precision);
    }

    public static LlamaModel llama(Precision precision, long seed) {
        LlamaModel model = LlamaModel.create(llamaConfig(), precision);
        model.initialize(new Random(seed));
        return model;
    }
}
