package org.lowrank4j.nn.train.lowrank;

import java.util.Random;
import org.lowrank4j.formats.hf.HfArchitecture;
import org.lowrank4j.formats.hf.HfConfig;
import org.lowrank4j.nn.arch.llama.LlamaModel;
import org.lowrank4j.nn.tensor.Precision;

/** The tiny LLaMA (C=8, 2 layers, GQA 4 over 2, vocabulary 13, context 8) and the patterned token stream the training-method tests share. */
final class TinyTraining {
    static final int VOCAB = 13, CONTEXT = 8;

    private TinyTraining() {
    }

    static LlamaModel model(long seed) {
        HfConfig config = HfConfig.builder(HfArchitecture.LLAMA).hiddenSize(8).intermediateSize(12).numHiddenLayers(2).numAttentionHeads(4)
                .numKeyValueHeads(2).vocabSize(VOCAB).maxPositionEmbeddings(CONTEXT).tieWordEmbeddings(true).build();
        LlamaModel model = LlamaModel.create(config, Precision.FLOAT32);
        model.initialize(new Random(seed));
        return model;
    }

    /** 300 tokens: mostly +3 steps modulo the vocabulary, every 7th one random (seed 4). */
    static int[] text() {
        Random random = new Random(4);
        int[] out = new int[300];
        for (int i = 0; i < out.length; i++) {
            out[i] = i % 7 == 0 ? random.nextInt(VOCAB) : (out[Math.max(0, i - 1)] + 3) % VOCAB;
        }
        return out;
    }
}
