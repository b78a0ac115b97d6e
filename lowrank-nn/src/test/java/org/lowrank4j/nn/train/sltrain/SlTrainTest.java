package org.lowrank4j.nn.train.sltrain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.lowrank4j.formats.hf.HfArchitecture;
import org.lowrank4j.formats.hf.HfConfig;
import org.lowrank4j.nn.arch.llama.LlamaModel;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.weight.SparsePlusLowRankWeight;

/** SLTrain's support, initialisation and installation on a tiny LLaMA. */
class SlTrainTest {

    static LlamaModel tinyLlama(long seed) {
        HfConfig config = HfConfig.builder(HfArchitecture.LLAMA).hiddenSize(8).intermediateSize(12).numHiddenLayers(2).numAttentionHeads(4)
                .numKeyValueHeads(2).vocabSize(13).maxPositionEmbeddings(8).tieWordEmbeddings(true).build();
        LlamaModel model = LlamaModel.create(config, Precision.FLOAT32);
        model.initialize(new Random(seed));
        return model;
    }

    @Test
    void theSupportHoldsFloorDeltaMnUniqueSortedIndicesAndTheInitialWeightIsTheSparseMatrix() {
        SlTrain method = new SlTrain(2, 0.3, 32);
        SparsePlusLowRankWeight w = method.initial("w", 7, 5, Precision.FLOAT64, new SplittableRandom(3));
        int[] support = w.support();
        assertThat(support).hasSize(10); // ⌊0.3·35⌋
        assertThat(Arrays.stream(support).distinct().count()).isEqualTo(10);
        assertThat(support).isSorted();
        assertThat(support[0]).isGreaterThanOrEqualTo(0);
        assertThat(support[9]).isLessThan(35);
        assertThat(w.scale()).isEqualTo(16.0);
        assertThat(w.left().value().norm()).isZero(); // B = 0
        double bound = 1 / Math.sqrt(5);
        assertThat(Arrays.stream(w.right().value().toDoubleArray()).map(Math::abs).max().getAsDouble()).isLessThanOrEqualTo(bound);
        assertThat(w.right().value().norm()).isPositive();
        Tensor dense = w.toDense();
        double[] expected = new double[35];
        for (int k = 0; k < support.length; k++) {
            expected[support[k]] = w.values().value().get(k);
        }
        assertThat(dense.toDoubleArray()).containsExactly(expected);
    }

    @Test
    void supportsComeFromTheSeedAndShapesAlone() {
        int[][] first = supports(tinyLlama(1), 5), again = supports(tinyLlama(99), 5), other = supports(tinyLlama(1), 6);
        assertThat(again).isDeepEqualTo(first); // the model's own initial weights do not matter
        assertThat(other).isNotEqualTo(first);
        // every site drew its own support (not one support reused)
        assertThat(first[0]).isNotEqualTo(first[1]);
    }

    private static int[][] supports(LlamaModel model, long seed) {
        new SlTrain(2, 0.25, 32).install(model, seed);
        return model.linearSites().values().stream().map(l -> ((SparsePlusLowRankWeight) l.weight()).support()).toArray(int[][]::new);
    }

    @Test
    void installReplacesEveryBlockProjectionAndKeepsEmbeddingsAndNorms() {
        LlamaModel model = tinyLlama(1);
        long dense = model.parameterCount();
        new SlTrain(2, 0.25, 32).install(model, 1);
        long expected = dense;
        for (Linear l : model.linearSites().values()) {
            int out = l.outFeatures(), in = l.inFeatures();
            expected += -(long) out * in + 2L * (out + in) + (long) Math.floor(0.25 * out * in);
            assertThat(l.weight()).isInstanceOf(SparsePlusLowRankWeight.class);
        }
        assertThat(model.parameterCount()).isEqualTo(expected);
        List<String> names = model.parameters().stream().map(p -> p.name()).toList();
        assertThat(names).contains("model.layers.0.self_attn.q_proj.sltrain_B", "model.layers.1.mlp.down_proj.sltrain_values",
                "model.embed_tokens.token.weight");
    }

    @Test
    void badOptionsAreOneLine() {
        LlamaModel model = tinyLlama(1);
        assertThatThrownBy(() -> new SlTrain(5, 0.03, 32).install(model, 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("sltrain: rank 5 exceeds min(out, in) = 4 of block 0 attention.key (4 x 8); choose rank <= 4");
        assertThat(model.linearSites().values()).allSatisfy(l -> assertThat(l.weight()).isNotInstanceOf(SparsePlusLowRankWeight.class));
        assertThatThrownBy(() -> new SlTrain(2, 0, 32)).hasMessage("sltrain: option density must be in (0, 1], got 0.0");
        assertThatThrownBy(() -> new SlTrain(2, 1.5, 32)).hasMessage("sltrain: option density must be in (0, 1], got 1.5");
        assertThatThrownBy(() -> new SlTrain(0, 0.1, 32)).hasMessage("sltrain: option rank must be >= 1, got 0");
        assertThatThrownBy(() -> new SlTrain(2, 0.1, -1)).hasMessage("sltrain: option alpha must be a finite number > 0, got -1.0");
    }
}
