package org.lowrank4j.nn.train.lost;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.lowrank4j.formats.hf.HfArchitecture;
import org.lowrank4j.formats.hf.HfConfig;
import org.lowrank4j.linalg.SvdResult;
import org.lowrank4j.linalg.decomposition.ExactSvd;
import org.lowrank4j.nn.arch.llama.LlamaModel;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.tensor.MatMul;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.weight.SparsePlusLowRankWeight;

/** LOST's split: SVD low-rank part, channel-wise sparse complement of what the rank-r part leaves. */
class LostTest {
    private static final int OUT = 9, IN = 6, RANK = 2;

    private static Tensor w0() {
        return Tensor.gaussian(Precision.FLOAT64, new Random(5), 1, OUT, IN);
    }

    @Test
    void keepingEveryChannelReconstructsTheInitialWeight() {
        for (boolean rows : new boolean[] {false, true}) {
            Tensor w0 = w0();
            SparsePlusLowRankWeight w = new Lost(RANK, 1, rows).split("w", w0);
            assertThat(w.support()).hasSize(OUT * IN);
            double[] dense = w.toDense().toDoubleArray(), expected = w0.toDoubleArray();
            for (int i = 0; i < dense.length; i++) {
                assertThat(dense[i]).isCloseTo(expected[i], org.assertj.core.data.Offset.offset(1e-12));
            }
        }
    }

    @Test
    void theLowRankPartIsTheTruncatedSvdSplitBySquareRoots() {
        Tensor w0 = w0();
        SparsePlusLowRankWeight w = new Lost(RANK, 0.5, false).split("w", w0);
        SvdResult svd = new ExactSvd().decompose(w0.copy().matrix(), RANK);
        Tensor product = Tensor.zeros(Precision.FLOAT64, OUT, IN);
        MatMul.gemm(1, w.left().value().matrix(), w.right().value().matrix(), 0, product.matrix());
        Tensor truncated = Tensor.zeros(Precision.FLOAT64, OUT, IN);
        truncated.matrix().assign(svd.reconstruct());
        assertThat(max(product, truncated)).isLessThan(1e-12);
        // B = U_r Σ^½ and A = Σ^½ V_rᵀ: both factors carry the same norm per component
        for (int k = 0; k < RANK; k++) {
            double bNorm = 0, aNorm = 0;
            for (int i = 0; i < OUT; i++) {
                bNorm += Math.pow(w.left().value().get(i * RANK + k), 2);
            }
            for (int j = 0; j < IN; j++) {
                aNorm += Math.pow(w.right().value().get(k * IN + j), 2);
            }
            assertThat(bNorm).isCloseTo(svd.s()[k], org.assertj.core.data.Offset.offset(1e-12));
            assertThat(aNorm).isCloseTo(svd.s()[k], org.assertj.core.data.Offset.offset(1e-12));
        }
        assertThat(w.scale()).isEqualTo(1.0);
    }

    @Test
    void pruningChannelsLeavesExactlyTheDroppedColumnsOfTheComplement() {
        Tensor w0 = w0();
        Lost lost = new Lost(RANK, 0.5, false);
        SparsePlusLowRankWeight w = lost.split("w", w0);
        SparsePlusLowRankWeight full = new Lost(RANK, 1, false).split("w", w0);
        Tensor rest = full.toDense(); // = W0, and its sparse values are W⊥ entry by entry
        double[] colNorms = new double[IN];
        for (int k = 0; k < full.support().length; k++) {
            colNorms[full.support()[k] % IN] += Math.pow(full.values().value().get(k), 2);
        }
        assertThat(w.support()).hasSize(OUT * lost.keptChannels(IN)).isSorted();
        int[] kept = Arrays.stream(w.support()).map(i -> i % IN).distinct().sorted().toArray();
        assertThat(kept).hasSize(3);
        double dropped = 0, weakestKept = Double.MAX_VALUE, strongestDropped = 0;
        for (int c = 0; c < IN; c++) {
            int col = c;
            if (Arrays.stream(kept).anyMatch(k -> k == col)) {
                weakestKept = Math.min(weakestKept, colNorms[c]);
            } else {
                dropped += colNorms[c];
                strongestDropped = Math.max(strongestDropped, colNorms[c]);
            }
        }
        assertThat(weakestKept).isGreaterThanOrEqualTo(strongestDropped);
        double error = 0;
        double[] a = w.toDense().toDoubleArray(), b = rest.toDoubleArray();
        for (int i = 0; i < a.length; i++) {
            error += (a[i] - b[i]) * (a[i] - b[i]);
        }
        assertThat(error).isCloseTo(dropped, org.assertj.core.data.Offset.offset(1e-10));
        assertThat(dropped).isPositive();
    }

    @Test
    void outputChannelsKeepWholeRows() {
        SparsePlusLowRankWeight w = new Lost(RANK, 0.34, true).split("w", w0());
        int[] rows = Arrays.stream(w.support()).map(i -> i / IN).distinct().toArray();
        assertThat(rows).hasSize(3); // ⌊0.34·9⌋
        assertThat(w.support()).hasSize(3 * IN);
    }

    @Test
    void installSplitsEveryProjectionOfTheModelAndRefusesATooLargeRank() {
        HfConfig config = HfConfig.builder(HfArchitecture.LLAMA).hiddenSize(8).intermediateSize(12).numHiddenLayers(2).numAttentionHeads(4)
                .numKeyValueHeads(2).vocabSize(13).maxPositionEmbeddings(8).tieWordEmbeddings(true).build();
        LlamaModel model = LlamaModel.create(config, Precision.FLOAT32);
        model.initialize(new Random(2));
        assertThatThrownBy(() -> new Lost(5, 0.5, false).install(model, 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("lost: rank 5 exceeds min(out, in) = 4 of block 0 attention.key (4 x 8); choose rank <= 4");
        Tensor query = model.linearSites().get("block 1 attention.query").weight().toDense();
        new Lost(2, 1, false).install(model, 1);
        Linear q = model.linearSites().get("block 1 attention.query");
        assertThat(q.weight()).isInstanceOf(SparsePlusLowRankWeight.class);
        assertThat(max(q.weight().toDense(), query)).isLessThan(1e-6);
        assertThatThrownBy(() -> new Lost(2, 0, false)).hasMessage("lost: option density must be in (0, 1], got 0.0");
    }

    private static double max(Tensor a, Tensor b) {
        double m = 0;
        for (int i = 0; i < a.size(); i++) {
            m = Math.max(m, Math.abs(a.get(i) - b.get(i)));
        }
        return m;
    }
}
