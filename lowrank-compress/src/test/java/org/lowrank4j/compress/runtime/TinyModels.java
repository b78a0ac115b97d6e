package org.lowrank4j.compress.runtime;

import java.util.Random;
import org.lowrank4j.compress.text.TextCorpus;
import org.lowrank4j.formats.hf.HfArchitecture;
import org.lowrank4j.formats.hf.HfConfig;
import org.lowrank4j.nn.Module;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.arch.bert.BertConfig;
import org.lowrank4j.nn.arch.bert.BertModel;
import org.lowrank4j.nn.arch.llama.LlamaModel;
import org.lowrank4j.nn.generate.ByteTokenizer;
import org.lowrank4j.nn.tensor.MlpActivation;
import org.lowrank4j.nn.tensor.Precision;

/** Tiny random models and byte-token text (the vendored calibration text) for the runtime tests. */
final class TinyModels {
    static final int CONTEXT = 16;

    private TinyModels() {
    }

    /** Byte-level LLaMA: C=16, 4 query heads over 2 key/value heads, MLP 24, 2 blocks, 32 positions, tied embeddings. */
    static LlamaModel decoder(long seed) {
        HfConfig config = HfConfig.builder(HfArchitecture.LLAMA).hiddenSize(16).intermediateSize(24).numHiddenLayers(2).numAttentionHeads(4)
                .numKeyValueHeads(2).vocabSize(ByteTokenizer.BYTES).maxPositionEmbeddings(32).tieWordEmbeddings(true).build();
        LlamaModel model = LlamaModel.create(config, Precision.FLOAT32);
        model.initialize(new Random(seed));
        spread(model, new Random(seed + 1), 0.25);
        return model;
    }

    /** BERT: vocabulary 50, C=16, 2 heads, MLP 24, 2 blocks, 12 positions, 2 token types. */
    static BertModel encoder(long seed) {
        BertModel model = BertModel.zeros(new BertConfig(50, 16, 2, 2, 24, 12, 2, 1e-12, MlpActivation.GELU_ERF), Precision.FLOAT32);
        spread(model, new Random(seed), 0.25);
        return model;
    }

    /** Every matrix parameter ~ N(0, std²), so activations and logits are far from uniform. */
    static void spread(Module model, Random random, double std) {
        for (Parameter p : model.parameters()) {
            if (p.value().rank() == 2) {
                for (int i = 0; i < p.value().size(); i++) {
                    p.value().set(i, std * random.nextGaussian());
                }
            }
        }
    }

    /** The vendored calibration text as byte tokens. */
    static int[] text(int maxBytes) {
        int[] all = new ByteTokenizer().encode(String.join("\n", TextCorpus.calibration().first(200)));
        return java.util.Arrays.copyOf(all, Math.min(all.length, maxBytes));
    }

    /** {@code count} calibration windows of CONTEXT + 1 byte tokens. */
    static int[][] windows(int count) {
        return DecoderRuntime.windows(text(20_000), CONTEXT, count);
    }
}
