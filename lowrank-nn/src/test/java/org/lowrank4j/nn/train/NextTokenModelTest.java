package org.lowrank4j.nn.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.lowrank4j.formats.hf.HfArchitecture;
import org.lowrank4j.formats.hf.HfConfig;
import org.lowrank4j.nn.GradientCheck;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.arch.llama.LlamaModel;
import org.lowrank4j.nn.layers.SoftmaxCrossEntropy;
import org.lowrank4j.nn.tensor.Precision;

/** The next-token loss scored a few rows at a time gives the loss and the gradients of the whole (B,T,V) at once. */
class NextTokenModelTest {

    /** Gemma 2 with V = 11: post-norms, attention and final logits soft-capped, untied. */
    static HfConfig gemma2() {
        return HfConfig.parse("{\"model_type\": \"gemma2\", \"hidden_size\": 8, \"intermediate_size\": 12, \"num_hidden_layers\": 2,"
                + " \"num_attention_heads\": 2, \"num_key_value_heads\": 1, \"head_dim\": 4, \"vocab_size\": 11, \"max_position_embeddings\": 16,"
                + " \"attn_logit_softcapping\": 0.8, \"final_logit_softcapping\": 1.5, \"tie_word_embeddings\": false}", "gemma2 test config");
    }

    /** Granite with V = 11: logits divided, branches scaled before the residual adds, tied. */
    static HfConfig granite() {
        return HfConfig.parse("{\"model_type\": \"granite\", \"hidden_size\": 8, \"intermediate_size\": 12, \"num_hidden_layers\": 2,"
                + " \"num_attention_heads\": 2, \"num_key_value_heads\": 1, \"vocab_size\": 11, \"max_position_embeddings\": 16,"
                + " \"logits_scaling\": 2.5, \"residual_multiplier\": 0.4, \"tie_word_embeddings\": true}", "granite test config");
    }

    @Test
    void rowByRowScoringGivesTheSameLossAndGradients() {
        HfConfig gemma2 = gemma2(), granite = granite();
        for (Object variant : new Object[] {true, false, gemma2, granite}) { // tied, untied, logits soft-capped (Gemma 2) or divided (Granite)
            String tied = variant instanceof HfConfig c ? c.modelType() : String.valueOf(variant);
            HfConfig config = variant instanceof HfConfig given ? given : HfConfig.builder(HfArchitecture.LLAMA).hiddenSize(8).intermediateSize(12)
                    .numHiddenLayers(2).numAttentionHeads(2).numKeyValueHeads(1).vocabSize(11).maxPositionEmbeddings(16)
                    .tieWordEmbeddings((Boolean) variant).build();
            LlamaModel model = LlamaModel.create(config, Precision.FLOAT64);
            GradientCheck.randomize(model, new Random(1), 0.5);
            Random random = new Random(2);
            int[][] inputs = new int[3][6], targets = new int[3][6];
            for (int b = 0; b < 3; b++) {
                for (int t = 0; t < 6; t++) {
                    inputs[b][t] = random.nextInt(11);
                    targets[b][t] = t == 2 && b == 1 ? SoftmaxCrossEntropy.DEFAULT_IGNORE_INDEX : random.nextInt(11); // one ignored
                }
            }
            List<Parameter> parameters = model.parameters();
            model.zeroGradients();
            double whole = new NextTokenModel(model).lossAndBackward(inputs, targets); // 18 × 11 logits, under the budget
            List<double[]> expected = parameters.stream().map(p -> p.gradient().toDoubleArray()).toList();
            for (long budget : new long[] {11, 5 * 11}) { // one row at a time; 5 rows, so the last chunk is short
                model.zeroGradients();
                NextTokenModel rows = new NextTokenModel(model, budget);
                assertThat(rows.lossAndBackward(inputs, targets)).as("tied %s, budget %d", tied, budget).isCloseTo(whole, within(1e-13));
                for (int i = 0; i < parameters.size(); i++) {
                    double[] got = parameters.get(i).gradient().toDoubleArray();
                    for (int j = 0; j < got.length; j++) {
                        assertThat(got[j]).as("%s[%d], tied %s, budget %d", parameters.get(i).name(), j, tied, budget)
                                .isCloseTo(expected.get(i)[j], within(1e-13));
                    }
                }
                assertThat(rows.loss(inputs, targets)).isCloseTo(whole, within(1e-13));
            }
        }
    }
}
