package org.lowrank4j.compress.eval;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.lowrank4j.compress.runtime.DecoderRuntime;
import org.lowrank4j.formats.hf.HfArchitecture;
import org.lowrank4j.formats.hf.HfConfig;
import org.lowrank4j.nn.arch.gpt2.Gpt2Model;
import org.lowrank4j.nn.arch.llama.LlamaModel;
import org.lowrank4j.nn.tensor.Precision;

/**
 * The harness's decoder protocol on both families. The last hidden state that Matrix Nuclear-Norm reads is, for a
 * LLaMA-family model, rebuilt from what its layers kept of the decode; for another family it comes from a full-sequence
 * forward. On a LLaMA model both ways give the same matrix, and the GPT-2 family's scores come out finite beside the
 * same perplexity that {@code Perplexity} alone gives.
 */
class DecoderEvaluationTest {
    private static int[] tokens(int n, int vocab) {
        Random random = new Random(3);
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) {
            ids[i] = random.nextInt(vocab);
        }
        return ids;
    }

    @Test
    void theRebuiltHiddenStateIsTheFullForwardsFeatures() {
        HfConfig config = HfConfig.builder(HfArchitecture.LLAMA).hiddenSize(16).intermediateSize(24).numHiddenLayers(2).numAttentionHeads(2)
                .numKeyValueHeads(1).vocabSize(64).maxPositionEmbeddings(16).build();
        LlamaModel model = LlamaModel.create(config, Precision.FLOAT64);
        model.initialize(new Random(1));
        int[] ids = tokens(16, 64);
        model.decode(ids, 1, ids.length, model.newCache(1, ids.length));
        double[] rebuilt = DecoderRuntime.hiddenStateOfLatestPass(model, ids);
        double[] features = model.forwardFeatures(ids, 1, ids.length).toDoubleArray();
        assertThat(features).hasSameSizeAs(rebuilt);
        for (int i = 0; i < rebuilt.length; i++) {
            assertThat(features[i]).as("entry %d", i).isCloseTo(rebuilt[i], org.assertj.core.data.Offset.offset(1e-9));
        }
    }

    @Test
    void aGpt2FamilyModelScoresWithTheSamePerplexityAndAFiniteNuclearNorm() {
        Gpt2Model model = new Gpt2Model(HfConfig.builder(HfArchitecture.GPT2).hiddenSize(16).numHiddenLayers(2).numAttentionHeads(2).vocabSize(64)
                .maxPositionEmbeddings(16).build(), Precision.FLOAT32);
        model.initialize(new Random(2));
        int[] ids = tokens(70, 64);
        DecoderEvaluation.Scores s = DecoderEvaluation.evaluate(model, ids, 16, ids.length);
        assertThat(s.perplexity().perplexity()).isEqualTo(org.lowrank4j.nn.generate.Perplexity.evaluate(model, ids, 16, ids.length).perplexity());
        assertThat(s.mnnWindows()).isEqualTo(4);
        assertThat(s.mnnPerToken()).isFinite().isPositive();
    }
}
