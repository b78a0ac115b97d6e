package org.lowrank4j.linalg.dictionary;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.linalg.Linalg;
import org.lowrank4j.linalg.SvdResult;
import org.lowrank4j.linalg.decomposition.ExactSvd;

class KsvdTest {

    /** Spec c11 test 2: the objective never increases over the iterations (nor at the final refit). */
    @Test
    void errorIsNonIncreasing() {
        Random random = new Random(2);
        DoubleMatrix x = DoubleMatrix.gaussian(24, 90, random);
        KsvdResult r = new Ksvd(8, 1).learn(x, x.colRange(0, 30).copy(), 4);
        double[] e = r.errors();
        assertThat(e).hasSize(10);
        for (int t = 1; t < e.length; t++) {
            assertThat(e[t]).as("after step %d", t).isLessThanOrEqualTo(e[t - 1] * (1 + 1e-12));
        }
        assertThat(e[e.length - 1]).isLessThan(e[0] * 0.98); // learning did something
        assertThat(Ksvd.residual(x, r.dictionary(), r.codes()).frobeniusNorm()).isCloseTo(e[e.length - 1], org.assertj.core.api.Assertions.within(1e-9));
        for (int i = 0; i < r.dictionary().cols(); i++) {
            assertThat(r.dictionary().colRange(i, i + 1).frobeniusNorm()).isCloseTo(1.0, org.assertj.core.api.Assertions.within(1e-9));
        }
    }

    /**
     * Spec c11 test 3: columns from 4 random 3-dimensional subspaces; a dictionary of 12 atoms with 3 non-zeros per
     * column reconstructs them closely, while a rank-r SVD of the same storage (r(n+m) ≤ kn + 1.5·ms) cannot. K-SVD is a
     * local method: from the first 12 columns it reaches 0.02%–5% relative error on these seeds (exact recovery needs a
     * lucky start), against over 50% for the SVD.
     */
    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3})
    void plantedUnionOfSubspacesIsRecovered(long seed) {
        Random random = new Random(seed);
        int n = 32, m = 400, k = 12, s = 3;
        DoubleMatrix[] bases = new DoubleMatrix[4];
        for (int b = 0; b < 4; b++) {
            bases[b] = DoubleMatrix.gaussian(n, 3, random);
        }
        DoubleMatrix x = DoubleMatrix.zeros(n, m);
        for (int j = 0; j < m; j++) {
            DoubleMatrix col = Linalg.multiply(bases[j % 4], DoubleMatrix.gaussian(3, 1, random));
            for (int i = 0; i < n; i++) {
                x.set(i, j, col.get(i, 0));
            }
        }
        KsvdResult r = new Ksvd(30, 3).learn(x, x.colRange(0, k).copy(), s);
        double relative = r.errors()[r.errors().length - 1] / x.frobeniusNorm();
        int rank = (int) ((k * n + 1.5 * m * s) / (n + m));
        SvdResult svd = new ExactSvd().decompose(x, rank);
        double svdRelative = Math.sqrt(tail(svd, new ExactSvd().decompose(x).s())) / x.frobeniusNorm();
        assertThat(relative).as("dictionary error").isLessThan(0.08);
        assertThat(svdRelative).as("rank-%d SVD error", rank).isGreaterThan(0.5);
    }

    private static double tail(SvdResult truncated, double[] all) {
        double sum = 0;
        for (int i = truncated.rank(); i < all.length; i++) {
            sum += all[i] * all[i];
        }
        return sum;
    }

    @Test
    void sameInputSameDictionary() {
        Random random = new Random(5);
        DoubleMatrix x = DoubleMatrix.gaussian(10, 40, random);
        KsvdResult a = new Ksvd(3, 2).learn(x, x.colRange(0, 8).copy(), 2), b = new Ksvd(3, 2).learn(x, x.colRange(0, 8).copy(), 2);
        assertThat(a.dictionary().approximatelyEquals(b.dictionary(), 0)).isTrue();
        assertThat(a.codes().values()).isEqualTo(b.codes().values());
    }

    @Test
    void refusesBadArguments() {
        assertThatThrownBy(() -> new Ksvd(-1, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Ksvd(1, 1).learn(DoubleMatrix.zeros(3, 4), DoubleMatrix.zeros(4, 2), 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("3x4");
    }
}
