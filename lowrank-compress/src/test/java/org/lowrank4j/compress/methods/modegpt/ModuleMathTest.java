package org.lowrank4j.compress.methods.modegpt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.lowrank4j.compress.methods.GramRoot;
import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.linalg.Linalg;
import org.lowrank4j.linalg.QrResult;
import org.lowrank4j.linalg.decomposition.TriangularSolve;

/** The spec's tests 1–5 for the three module decompositions and the allocation (../shared/methods/c10-modegpt.md). */
class ModuleMathTest {

    /** T × n activations with correlated columns and unequal energies. */
    private static DoubleMatrix activations(int t, int n, long seed) {
        Random random = new Random(seed);
        DoubleMatrix mix = DoubleMatrix.gaussian(n, n, random);
        DoubleMatrix h = Linalg.multiply(DoubleMatrix.gaussian(t, n, random), mix);
        for (int j = 0; j < n; j++) {
            double scale = 0.2 + 2.0 * j / n;
            for (int i = 0; i < t; i++) {
                h.set(i, j, h.get(i, j) * scale);
            }
        }
        return h;
    }

    private static DoubleMatrix columns(DoubleMatrix h, int[] kept) {
        return NystromMlp.rows(h.transpose().copy(), kept).transpose().copy();
    }

    private static double frobenius(DoubleMatrix a, DoubleMatrix b) {
        double s = 0;
        for (int i = 0; i < a.rows(); i++) {
            for (int j = 0; j < a.cols(); j++) {
                double d = a.get(i, j) - b.get(i, j);
                s += d * d;
            }
        }
        return Math.sqrt(s);
    }

    @Test
    void keepingEveryChannelLeavesTheMlpOutputUnchanged() {
        DoubleMatrix h = activations(300, 10, 1), down = DoubleMatrix.gaussian(6, 10, new Random(2));
        DoubleMatrix c = Linalg.gram(h);
        int[] all = NystromMlp.select(c, 10, 1e-2);
        assertThat(all).containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
        DoubleMatrix refit = NystromMlp.downProjection(down, c, all, 0);
        DoubleMatrix before = Linalg.multiply(h, down.transpose().copy()), after = Linalg.multiply(h, refit.transpose().copy());
        assertThat(frobenius(before, after) / Math.sqrt(Linalg.gram(before.transpose().copy()).get(0, 0) + 1)).isLessThan(1e-9);
    }

    @Test
    void downProjectionIsTheLeastSquaresOptimumForTheKeptChannels() {
        DoubleMatrix h = activations(400, 12, 3), down = DoubleMatrix.gaussian(5, 12, new Random(4));
        int[] kept = {0, 2, 3, 7, 9, 11};
        DoubleMatrix refit = NystromMlp.downProjection(down, Linalg.gram(h), kept, 0);
        // direct least squares min ‖H_S Bᵀ − H W_dᵀ‖ by QR of H_S
        DoubleMatrix hs = columns(h, kept), target = Linalg.multiply(h, down.transpose().copy());
        QrResult qr = Linalg.backend().qr(hs);
        DoubleMatrix direct = new TriangularSolve().upper(qr.r().toDouble(), Linalg.multiply(qr.q().toDouble().transpose().copy(), target))
                .transpose().copy();
        System.out.printf("Nyström down projection vs direct least squares: max |Δ| %.2e%n", frobenius(refit, direct));
        assertThat(frobenius(refit, direct)).isLessThan(1e-8 * (1 + frobenius(direct, DoubleMatrix.zeros(5, 6))));
        double best = frobenius(Linalg.multiply(hs, refit.transpose().copy()), target);
        DoubleMatrix nudged = refit.copy();
        nudged.set(0, 0, nudged.get(0, 0) + 1e-3);
        assertThat(frobenius(Linalg.multiply(hs, nudged.transpose().copy()), target)).isGreaterThan(best);
    }

    @Test
    void ridgeLeverageMatchesItsDefinitionAndKeepsPlantedChannels() {
        DoubleMatrix h = activations(200, 8, 5);
        for (int i = 0; i < 200; i++) { // channels 1 and 4 carry far more energy, the rest little
            for (int j = 0; j < 8; j++) {
                h.set(i, j, h.get(i, j) * (j == 1 || j == 4 ? 30 : 0.1));
            }
        }
        DoubleMatrix c = Linalg.gram(h);
        double lambda = 0.5 * NystromMlp.meanDiagonal(c);
        double[] scores = NystromMlp.leverage(c, 0.5);
        DoubleMatrix shifted = c.copy();
        for (int i = 0; i < 8; i++) {
            shifted.set(i, i, shifted.get(i, i) + lambda);
        }
        DoubleMatrix l = Linalg.backend().choleskyLower(shifted);
        DoubleMatrix inverse = new TriangularSolve().lowerTransposed(l, new TriangularSolve().lower(l, DoubleMatrix.identity(8)));
        DoubleMatrix product = Linalg.multiply(c, inverse);
        for (int i = 0; i < 8; i++) {
            assertThat(scores[i]).isCloseTo(product.get(i, i), org.assertj.core.data.Offset.offset(1e-9));
        }
        assertThat(NystromMlp.select(c, 2, 0.5)).containsExactly(1, 4);
        assertThatThrownBy(() -> NystromMlp.select(c, 9, 0.5)).hasMessageContaining("cannot keep 9 of 8");
    }

    @Test
    void crScoreKeepsPlantedDimensionsAndRopePairsTogether() {
        int d = 8;
        double[] key = new double[d];
        double[] q1 = new double[d], q2 = new double[d];
        java.util.Arrays.fill(key, 1);
        java.util.Arrays.fill(q1, 0.01);
        java.util.Arrays.fill(q2, 0.01);
        q1[3] = 50;           // pair 3 = dims (3, 7) through its first half only
        q2[d / 2 + 1] = 40;   // pair 1 = dims (1, 5) through its second half, in the other query head of the group
        int[] pairs = QueryKeySelection.keptPairs(new double[][] {q1, q2}, key, 2);
        assertThat(pairs).containsExactly(1, 3);
        assertThat(QueryKeySelection.dimensionsOfPairs(pairs, d)).containsExactly(1, 3, 5, 7);
        // without RoPE the dimensions themselves: 3 and 5
        assertThat(QueryKeySelection.keptDimensions(new double[][] {q1, q2}, key, 2)).containsExactly(3, 5);
        // a key dimension with no energy removes the pair even when the query has it
        double[] deadKey = key.clone();
        deadKey[3] = 0;
        deadKey[7] = 0;
        assertThat(QueryKeySelection.keptPairs(new double[][] {q1, q2}, deadKey, 1)).containsExactly(1);
    }

    /** Σ_h ‖(O_h V − O_h' V') R‖² over the heads of a group. */
    private static double whitenedError(DoubleMatrix v, DoubleMatrix[] o, ValueOutputSvd.Result r, GramRoot root) {
        double s = 0;
        for (int h = 0; h < o.length; h++) {
            DoubleMatrix diff = Linalg.multiply(o[h], v).copy();
            DoubleMatrix approx = Linalg.multiply(r.outputs()[h], r.value());
            for (int i = 0; i < diff.rows(); i++) {
                for (int j = 0; j < diff.cols(); j++) {
                    diff.set(i, j, diff.get(i, j) - approx.get(i, j));
                }
            }
            double e = frobenius(root.timesRoot(diff), DoubleMatrix.zeros(diff.rows(), diff.cols()));
            s += e * e;
        }
        return s;
    }

    @Test
    void jointValueOutputSvdIsExactAtFullRankAndBeatsTheValueOnlyVariant() {
        int c = 12, d = 5;
        for (long seed = 0; seed < 5; seed++) {
            Random random = new Random(seed);
            DoubleMatrix gram = Linalg.gram(activations(200, c, 10 + seed));
            GramRoot root = ValueOutputSvd.root(gram, 0);
            DoubleMatrix v = DoubleMatrix.gaussian(d, c, random);
            DoubleMatrix[] o = {DoubleMatrix.gaussian(c, d, random), DoubleMatrix.gaussian(c, d, random)};
            double full = whitenedError(v, o, ValueOutputSvd.joint(v, o, root, d), root);
            assertThat(full).isLessThan(1e-16 * whitenedError(v, o, new ValueOutputSvd.Result(DoubleMatrix.zeros(d, c),
                    new DoubleMatrix[] {DoubleMatrix.zeros(c, d), DoubleMatrix.zeros(c, d)}), root) + 1e-18);
            for (int k = 1; k < d; k++) {
                double joint = whitenedError(v, o, ValueOutputSvd.joint(v, o, root, k), root);
                double single = whitenedError(v, o, ValueOutputSvd.valueOnly(v, o, root, k), root);
                if (seed == 0) {
                    System.out.printf("V·O rank %d: joint whitened error %.4e, value-only (unofficial) %.4e%n", k, joint, single);
                }
                assertThat(joint).isLessThanOrEqualTo(single * (1 + 1e-9));
            }
        }
    }

    @Test
    void allocationAveragesTheRatioRespectsTheCapAndCompressesLowInfluenceBlocksMore() {
        double[] scores = {0.9, 0.12, 0.09, 0.08, 0.07, 0.2};
        double[] phi = BlockInfluenceAllocation.sparsities(scores, 0.3, 0.01, 0.8);
        double mean = java.util.Arrays.stream(phi).average().orElseThrow();
        assertThat(mean).isCloseTo(0.3, org.assertj.core.data.Offset.offset(1e-12));
        for (int i = 0; i < scores.length; i++) {
            assertThat(phi[i]).isBetween(0.0, 0.8);
            for (int j = 0; j < scores.length; j++) {
                if (scores[i] < scores[j]) {
                    assertThat(phi[i]).isGreaterThanOrEqualTo(phi[j]);
                }
            }
        }
        assertThat(phi[4]).isEqualTo(0.8); // the softmax alone would give block 4 more than the cap
        double[] uniform = BlockInfluenceAllocation.sparsities(scores, 0.3, Double.POSITIVE_INFINITY, 0.8);
        assertThat(uniform).containsOnly(0.3);
        assertThatThrownBy(() -> BlockInfluenceAllocation.sparsities(scores, 0.9, 0.1, 0.8)).hasMessageContaining("average <= cap");
    }
}
