package org.lowrank4j.linalg.dictionary;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.Comparator;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.linalg.Linalg;
import org.lowrank4j.linalg.decomposition.Qr;

class BatchOmpTest {

    /** Spec c11 test 4: with an orthonormal dictionary OMP picks exactly the s atoms of largest |correlation|. */
    @Test
    void orthonormalDictionaryGivesTheLargestCorrelations() {
        Random random = new Random(4);
        int n = 17, s = 5;
        DoubleMatrix q = new Qr().decompose(DoubleMatrix.gaussian(n, n, random)).q().toDouble();
        DoubleMatrix x = DoubleMatrix.gaussian(n, 9, random);
        SparseCodes codes = BatchOmp.code(q, x, s);
        DoubleMatrix corr = Linalg.multiply(q.transpose(), x);
        for (int j = 0; j < x.cols(); j++) {
            final int col = j;
            int[] expected = IntStream.range(0, n).boxed().sorted(Comparator.comparingDouble(i -> -Math.abs(corr.get(i, col))))
                    .limit(s).mapToInt(Integer::intValue).sorted().toArray();
            int[] got = IntStream.range(0, s).map(t -> codes.index(col, t)).sorted().toArray();
            assertThat(got).as("column %d", j).isEqualTo(expected);
            for (int t = 0; t < s; t++) { // and the values are the correlations themselves (orthonormal atoms)
                assertThat(codes.value(j, t)).isCloseTo(corr.get(codes.index(j, t), j), org.assertj.core.api.Assertions.within(1e-12));
            }
        }
    }

    @Test
    void exactlySparseSignalsAreRecovered() {
        Random random = new Random(7);
        int n = 30, k = 50, s = 3;
        DoubleMatrix d = unitColumns(DoubleMatrix.gaussian(n, k, random));
        DoubleMatrix c = DoubleMatrix.zeros(k, 40);
        for (int j = 0; j < 40; j++) {
            for (int t = 0; t < s; t++) {
                c.set(random.nextInt(k), j, 1 + random.nextDouble());
            }
        }
        DoubleMatrix x = Linalg.multiply(d, c);
        SparseCodes codes = BatchOmp.code(d, x, s);
        assertThat(codes.multiplyLeft(d).approximatelyEquals(x, 1e-9)).isTrue();
    }

    @Test
    void refitSolvesLeastSquaresOnTheSupport() {
        Random random = new Random(8);
        DoubleMatrix d = unitColumns(DoubleMatrix.gaussian(12, 20, random));
        DoubleMatrix x = DoubleMatrix.gaussian(12, 6, random);
        SparseCodes codes = BatchOmp.code(d, x, 4);
        int[] idx = codes.indices().clone();
        double[] perturbed = Arrays.stream(codes.values()).map(v -> v * 1.3 + 0.1).toArray();
        SparseCodes refit = BatchOmp.refit(Linalg.gram(d), Linalg.multiply(d.transpose(), x), new SparseCodes(20, 6, 4, idx, perturbed));
        assertThat(refit.toDense().approximatelyEquals(codes.toDense(), 1e-9)).isTrue();
    }

    @Test
    void refusesBadShapesAndSparsity() {
        DoubleMatrix d = DoubleMatrix.identity(4);
        assertThatThrownBy(() -> BatchOmp.code(d, DoubleMatrix.zeros(5, 2), 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("4x4").hasMessageContaining("5x2");
        assertThatThrownBy(() -> BatchOmp.code(d, DoubleMatrix.zeros(4, 2), 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("sparsity");
        DoubleMatrix bad = DoubleMatrix.zeros(4, 2);
        bad.set(1, 1, Double.NaN);
        assertThatThrownBy(() -> BatchOmp.code(d, bad, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new SparseCodes(3, 1, 1, new int[] {3}, new double[] {1})).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("atom 3 of 3");
    }

    static DoubleMatrix unitColumns(DoubleMatrix m) {
        DoubleMatrix out = m.copy();
        for (int j = 0; j < m.cols(); j++) {
            double norm = 0;
            for (int i = 0; i < m.rows(); i++) {
                norm += m.get(i, j) * m.get(i, j);
            }
            norm = Math.sqrt(norm);
            for (int i = 0; i < m.rows(); i++) {
                out.set(i, j, m.get(i, j) / norm);
            }
        }
        return out;
    }
}
