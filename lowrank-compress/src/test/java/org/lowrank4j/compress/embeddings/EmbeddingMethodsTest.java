package org.lowrank4j.compress.embeddings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.lowrank4j.compress.methods.afm.EmbeddingAfm;
import org.lowrank4j.linalg.DoubleMatrix;

/**
 * The two table fits on a planted table (an offset row plus a rank-3 part plus noise, rows looked up with skewed counts):
 * each is optimal for what it minimises — AFM (affine, rank k) for the count-weighted error among fits of rank k, SVD for the
 * whole table's error among matrices of rank k, AFM's included at k − 1 (its offset adds one to the rank) — and AFM's
 * factors expand exactly as {@link EmbeddingAfm} does. Also the spec parsing.
 */
class EmbeddingMethodsTest {
    private static final int V = 300, D = 16;

    private static DoubleMatrix plantedTable(Random random) {
        DoubleMatrix left = DoubleMatrix.gaussian(V, 3, random), right = DoubleMatrix.gaussian(3, D, random);
        DoubleMatrix table = org.lowrank4j.linalg.Linalg.multiply(left, right);
        for (int i = 0; i < V; i++) {
            for (int j = 0; j < D; j++) {
                table.set(i, j, table.get(i, j) + 5.0 + 0.05 * random.nextGaussian()); // a large shared offset, as word rows have
            }
        }
        return table;
    }

    /** Σ w_i ‖e_i − ê_i‖² / Σ w_i ‖e_i‖². */
    private static double error(DoubleMatrix table, EmbeddingFactors f, long[] weights) {
        DoubleMatrix approx = f.reconstruct();
        double err = 0, norm = 0;
        for (int i = 0; i < V; i++) {
            for (int j = 0; j < D; j++) {
                double d = table.get(i, j) - approx.get(i, j);
                err += weights[i] * d * d;
                norm += weights[i] * table.get(i, j) * table.get(i, j);
            }
        }
        return err / norm;
    }

    @Test
    void eachFitWinsOnWhatItMinimises() {
        Random random = new Random(3);
        DoubleMatrix table = plantedTable(random);
        long[] counts = new long[V], ones = new long[V];
        java.util.Arrays.fill(ones, 1);
        for (int i = 0; i < V / 3; i++) {
            counts[i] = 1 + random.nextInt(50); // a third of the rows are looked up, unevenly
        }
        for (int rank = 1; rank <= 4; rank++) {
            EmbeddingFactors afm = EmbeddingMethods.byName("afm").fit(table, counts, rank);
            EmbeddingFactors svd = EmbeddingMethods.byName("svd").fit(table, counts, rank);
            assertThat(afm.parameters()).isEqualTo((long) V * rank + (long) rank * D + D);
            assertThat(svd.parameters()).isEqualTo((long) V * rank + (long) rank * D);
            double afmWeighted = error(table, afm, counts), svdWeighted = error(table, svd, counts);
            double afmTable = error(table, afm, ones), svdTable = error(table, svd, ones);
            System.out.printf("rank %d: weighted error afm %.3e svd %.3e; table error afm %.3e svd %.3e%n", rank, afmWeighted, svdWeighted, afmTable,
                    svdTable);
            assertThat(afmWeighted).as("rank %d", rank).isLessThanOrEqualTo(svdWeighted * (1 + 1e-9));
            double svdTableOneMore = error(table, EmbeddingMethods.byName("svd").fit(table, counts, rank + 1), ones);
            assertThat(svdTableOneMore).as("rank %d", rank).isLessThanOrEqualTo(afmTable * (1 + 1e-9));
        }
        // the offset costs SVD its first direction: at rank 3 the centred fit holds the planted part, the plain one does not
        assertThat(error(table, EmbeddingMethods.byName("afm").fit(table, ones, 3), ones)).isLessThan(1e-3);
        assertThat(error(table, EmbeddingMethods.byName("svd").fit(table, ones, 3), ones)).isGreaterThan(1e-3);
    }

    @Test
    void afmFactorsExpandAsEmbeddingAfm() {
        Random random = new Random(5);
        DoubleMatrix table = plantedTable(random);
        long[] counts = new long[V];
        for (int i = 0; i < V; i++) {
            counts[i] = random.nextInt(4);
        }
        DoubleMatrix approx = EmbeddingMethods.byName("afm").fit(table, counts, 2).reconstruct();
        EmbeddingAfm afm = EmbeddingAfm.fit(table, counts, 2);
        for (int r = 0; r < V; r += 37) {
            double[] expanded = afm.expand(r);
            for (int j = 0; j < D; j++) {
                assertThat(approx.get(r, j)).isCloseTo(expanded[j], org.assertj.core.data.Offset.offset(1e-9));
            }
        }
    }

    @Test
    void specsParseOrFailInOneLine() {
        EmbeddingCompression.Spec afm = EmbeddingCompression.parse("AFM:rank=64");
        assertThat(afm.rank()).isEqualTo(64);
        assertThat(afm.readsCalibration()).isTrue();
        assertThat(EmbeddingCompression.parse("afm:rank=64:weights=uniform").readsCalibration()).isFalse();
        assertThat(EmbeddingCompression.parse("svd:rank=8").readsCalibration()).isFalse();
        assertThatThrownBy(() -> EmbeddingCompression.parse("afm:rank=0")).hasMessageContaining("rank=R with R >= 1");
        assertThatThrownBy(() -> EmbeddingCompression.parse("afm:size=3:rank=4")).hasMessageContaining("afm takes rank=R and weights");
        assertThatThrownBy(() -> EmbeddingCompression.parse("afm:rank=4:weights=tf")).hasMessageContaining("weights takes calibration or uniform");
        assertThatThrownBy(() -> EmbeddingCompression.parse("afm:rank")).hasMessageContaining("give NAME:rank=R");
        assertThatThrownBy(() -> EmbeddingCompression.parse("tucker:rank=4")).hasMessage(
                "--embeddings tucker is not an embedding method; use one of afm, svd (as afm:rank=128)");
    }
}
