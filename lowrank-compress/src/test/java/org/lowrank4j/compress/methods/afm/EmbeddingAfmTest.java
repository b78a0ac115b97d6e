package org.lowrank4j.compress.methods.afm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import org.assertj.core.data.Offset;
import org.assertj.core.data.Percentage;
import org.junit.jupiter.api.Test;
import org.lowrank4j.compress.methods.afm.EmbeddingAfm;
import org.lowrank4j.linalg.DoubleMatrix;

/** Spec c17, embedding tables: the fold into the next layer (test 4), the error identity and full-rank exactness. */
class EmbeddingAfmTest {
    private static final int V = 40, D = 12, M = 7;

    /** Rows mostly in a 3-dimensional space around an offset, looked up with uneven frequencies. */
    private static DoubleMatrix table(Random random) {
        DoubleMatrix basis = DoubleMatrix.gaussian(3, D, random);
        DoubleMatrix e = DoubleMatrix.zeros(V, D);
        for (int r = 0; r < V; r++) {
            double a = random.nextGaussian(), b = random.nextGaussian(), c = random.nextGaussian();
            for (int j = 0; j < D; j++) {
                e.set(r, j, 5 + a * basis.get(0, j) + b * basis.get(1, j) + c * basis.get(2, j) + 0.05 * random.nextGaussian());
            }
        }
        return e;
    }

    private static long[] counts(Random random) {
        long[] counts = new long[V];
        for (int r = 0; r < V; r++) {
            counts[r] = r % 7 == 0 ? 0 : 1 + random.nextInt(50);
        }
        return counts;
    }

    @Test
    void theFoldedLayerEqualsTheLayerOnTheExpandedRows() {
        Random random = new Random(3);
        DoubleMatrix e = table(random), w = DoubleMatrix.gaussian(M, D, random);
        double[] bias = new double[M];
        for (int i = 0; i < M; i++) {
            bias[i] = random.nextGaussian();
        }
        EmbeddingAfm afm = EmbeddingAfm.fit(e, counts(random), 3);
        EmbeddingAfm.Folded folded = afm.fold(w, bias);
        assertThat(afm.table().rows()).isEqualTo(V);
        assertThat(afm.table().cols()).isEqualTo(3);
        assertThat(folded.weight().cols()).isEqualTo(3);
        for (int r = 0; r < V; r++) {
            double[] expanded = afm.expand(r);
            for (int i = 0; i < M; i++) {
                double viaExpansion = bias[i], viaFold = folded.bias()[i];
                for (int j = 0; j < D; j++) {
                    viaExpansion += w.get(i, j) * expanded[j];
                }
                for (int c = 0; c < 3; c++) {
                    viaFold += folded.weight().get(i, c) * afm.table().get(r, c);
                }
                assertThat(viaFold).as("row %d output %d", r, i).isCloseTo(viaExpansion, Offset.offset(1e-6));
            }
        }
    }

    @Test
    void keptRowsCostTheDiscardedEigenvaluesAndAllDimensionsAreExact() {
        Random random = new Random(4);
        DoubleMatrix e = table(random);
        long[] counts = counts(random);
        long total = 0;
        for (long c : counts) {
            total += c;
        }
        for (int k : new int[] {1, 2, 3, 6}) {
            EmbeddingAfm afm = EmbeddingAfm.fit(e, counts, k);
            double error = 0;
            for (int r = 0; r < V; r++) {
                double[] back = afm.expand(r);
                for (int j = 0; j < D; j++) {
                    double diff = e.get(r, j) - back[j];
                    error += counts[r] * diff * diff / total;
                }
            }
            double discarded = 0;
            for (int i = k; i < D; i++) {
                discarded += afm.eigenvalues()[i];
            }
            assertThat(error).as("k=%d", k).isCloseTo(discarded, Percentage.withPercentage(1e-6));
        }
        EmbeddingAfm full = EmbeddingAfm.fit(e, counts, D);
        for (int r = 0; r < V; r++) {
            double[] back = full.expand(r);
            for (int j = 0; j < D; j++) {
                assertThat(back[j]).isCloseTo(e.get(r, j), Offset.offset(1e-9));
            }
        }
    }

    @Test
    void refusesBadInput() {
        DoubleMatrix e = table(new Random(5));
        assertThatThrownBy(() -> EmbeddingAfm.fit(e, new long[V - 1], 2)).hasMessageContaining("counts");
        assertThatThrownBy(() -> EmbeddingAfm.fit(e, new long[V], 2)).hasMessageContaining("no row was looked up");
        long[] ones = new long[V];
        java.util.Arrays.fill(ones, 1);
        assertThatThrownBy(() -> EmbeddingAfm.fit(e, ones, D + 1)).hasMessageContaining("k must be");
        assertThatThrownBy(() -> EmbeddingAfm.fit(e, ones, 2).fold(DoubleMatrix.zeros(3, D + 1), null)).hasMessageContaining("inputs");
    }
}
