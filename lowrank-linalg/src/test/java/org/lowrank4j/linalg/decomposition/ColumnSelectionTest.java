package org.lowrank4j.linalg.decomposition;

import static org.assertj.core.api.Assertions.assertThat;
import static org.lowrank4j.linalg.TestMatrices.distance;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.linalg.Linalg;
import org.lowrank4j.linalg.LinalgBackend;
import org.lowrank4j.linalg.TestMatrices;

/** Interpolative decomposition, CUR and Nyström: exact on planted rank, sensible on noise. */
class ColumnSelectionTest {

    static java.util.stream.Stream<LinalgBackend> backends() {
        return TestMatrices.backends();
    }

    @ParameterizedTest
    @MethodSource("backends")
    void interpolativeDecompositionIsExactAtThePlantedRank(LinalgBackend backend) {
        DoubleMatrix a = TestMatrices.plantedRank(40, 30, 5, 0, 1);
        InterpolativeDecomposition.Result id = new InterpolativeDecomposition(backend).ofColumns(a, 5);
        DoubleMatrix c = DoubleMatrix.zeros(40, 5);
        for (int j = 0; j < 5; j++) {
            for (int i = 0; i < 40; i++) {
                c.set(i, j, a.get(i, id.columns()[j]));
            }
        }
        assertThat(distance(Linalg.multiply(c, id.coefficients()), a)).isLessThan(1e-10 * a.frobeniusNorm());
        for (int j = 0; j < 5; j++) {
            assertThat(id.coefficients().get(j, id.columns()[j])).isEqualTo(1.0);
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void interpolativeDecompositionToleratesRankBelowK(LinalgBackend backend) {
        DoubleMatrix a = TestMatrices.plantedRank(20, 15, 2, 0, 2);
        InterpolativeDecomposition.Result id = new InterpolativeDecomposition(backend).ofColumns(a, 6);
        assertThat(id.coefficients().firstNonFinite()).isNull();
    }

    @ParameterizedTest
    @MethodSource("backends")
    void curIsExactAtThePlantedRankAndNearOptimalWithNoise(LinalgBackend backend) {
        DoubleMatrix a = TestMatrices.plantedRank(50, 35, 6, 0, 3);
        Cur.Result cur = new Cur(backend).decompose(a, 6);
        assertThat(distance(cur.reconstruct(), a)).isLessThan(1e-9 * a.frobeniusNorm());
        for (int j = 0; j < 6; j++) {
            assertThat(cur.c().get(3, j)).isEqualTo(a.get(3, cur.columns()[j]));
            assertThat(cur.r().get(j, 4)).isEqualTo(a.get(cur.rows()[j], 4));
        }
        DoubleMatrix noisy = TestMatrices.plantedRank(50, 35, 6, 1e-3, 4);
        double optimal = Math.sqrt(new ExactSvd(backend).decompose(noisy).tailEnergy(6));
        assertThat(distance(new Cur(backend).decompose(noisy, 6).reconstruct(), noisy)).isLessThan(20 * optimal);
    }

    @ParameterizedTest
    @MethodSource("backends")
    void nystromIsExactForAPsdMatrixOfRankK(LinalgBackend backend) {
        DoubleMatrix k = TestMatrices.psdOfRank(30, 4, 5);
        for (Nystrom.Landmarks how : Nystrom.Landmarks.values()) {
            Nystrom.Result r = new Nystrom(backend).approximate(k, 4, how, 9);
            assertThat(r.factor().rows()).isEqualTo(30);
            assertThat(distance(r.reconstruct(), k)).as(how.name()).isLessThan(1e-8 * k.frobeniusNorm());
        }
        Nystrom.Result once = new Nystrom(backend).approximate(k, 3, Nystrom.Landmarks.UNIFORM_RANDOM, 9);
        Nystrom.Result again = new Nystrom(backend).approximate(k, 3, Nystrom.Landmarks.UNIFORM_RANDOM, 9);
        assertThat(once.landmarks()).containsExactly(again.landmarks());
    }
}
