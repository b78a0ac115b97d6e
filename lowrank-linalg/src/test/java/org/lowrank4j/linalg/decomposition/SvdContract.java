package org.lowrank4j.linalg.decomposition;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.lowrank4j.linalg.TestMatrices.distance;
import static org.lowrank4j.linalg.TestMatrices.orthogonalityError;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.lowrank4j.linalg.DenseMatrix;
import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.linalg.FloatMatrix;
import org.lowrank4j.linalg.SvdResult;
import org.lowrank4j.linalg.TestMatrices;

/** The contract every {@link Svd} implementation passes; subclasses supply the implementation. */
abstract class SvdContract {

    protected abstract Svd svd();

    static Stream<Arguments> shapes() {
        return Stream.of(
                Arguments.of("tall", TestMatrices.gaussian(40, 12, 1)),
                Arguments.of("wide", TestMatrices.gaussian(9, 31, 2)),
                Arguments.of("square", TestMatrices.gaussian(25, 25, 3)),
                Arguments.of("1x1", DoubleMatrix.of(1, 1, -3.5)),
                Arguments.of("row", TestMatrices.gaussian(1, 17, 4)),
                Arguments.of("column", TestMatrices.gaussian(17, 1, 5)),
                Arguments.of("identity", DoubleMatrix.identity(8)),
                Arguments.of("rank-deficient", TestMatrices.plantedRank(30, 20, 4, 0, 6)),
                Arguments.of("zero", DoubleMatrix.zeros(6, 4)),
                Arguments.of("tiny", TestMatrices.scaled(TestMatrices.gaussian(15, 10, 7), 1e-30)),
                Arguments.of("huge", TestMatrices.scaled(TestMatrices.gaussian(15, 10, 8), 1e30)),
                Arguments.of("float32", TestMatrices.gaussian(23, 11, 9).toFloat()));
    }

    private static double tolerance(DenseMatrix a) {
        return a instanceof FloatMatrix ? 2e-5 : 1e-11;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shapes")
    void fullRankReconstructsTheInput(String name, DenseMatrix a) {
        int k = Math.min(a.rows(), a.cols());
        SvdResult r = svd().decompose(a, k);
        assertThat(r.u().rows()).isEqualTo(a.rows());
        assertThat(r.vt().cols()).isEqualTo(a.cols());
        assertThat(r.u().elementType()).isEqualTo(a.elementType());
        double norm = a.frobeniusNorm();
        assertThat(distance(r.reconstruct(), a)).isLessThanOrEqualTo(tolerance(a) * Math.max(norm, Double.MIN_NORMAL) + 0.0);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shapes")
    void factorsAreOrthonormalAndValuesDescend(String name, DenseMatrix a) {
        int k = Math.min(a.rows(), a.cols());
        SvdResult r = svd().decompose(a, k);
        assertThat(orthogonalityError(r.u())).isLessThan(tolerance(a) * 10 + 1e-12);
        assertThat(orthogonalityError(r.vt().transpose())).isLessThan(tolerance(a) * 10 + 1e-12);
        for (int i = 0; i < r.rank(); i++) {
            assertThat(r.s()[i]).isGreaterThanOrEqualTo(0);
            if (i > 0) {
                assertThat(r.s()[i]).isLessThanOrEqualTo(r.s()[i - 1]);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shapes")
    void signsFollowTheConvention(String name, DenseMatrix a) {
        SvdResult r = svd().decompose(a, Math.min(a.rows(), a.cols()));
        for (int j = 0; j < r.rank(); j++) {
            double best = 0, value = 0;
            for (int i = 0; i < r.u().rows(); i++) {
                if (Math.abs(r.u().get(i, j)) > best) {
                    best = Math.abs(r.u().get(i, j));
                    value = r.u().get(i, j);
                }
            }
            assertThat(value).as("largest entry of left vector %d", j).isPositive();
        }
    }

    @Test
    void zeroSizedInputGivesEmptyFactors() {
        for (DoubleMatrix a : new DoubleMatrix[] {DoubleMatrix.zeros(0, 5), DoubleMatrix.zeros(5, 0), DoubleMatrix.zeros(0, 0)}) {
            SvdResult r = svd().decompose(a, 0);
            assertThat(r.rank()).isZero();
            assertThat(r.u().rows()).isEqualTo(a.rows());
            assertThat(r.vt().cols()).isEqualTo(a.cols());
        }
    }

    @Test
    void recoversPlantedRank() {
        DoubleMatrix a = TestMatrices.plantedRank(120, 80, 6, 1e-6, 11);
        SvdResult r = svd().decompose(a, 6);
        // Error at the planted rank is about the noise norm: 1e-6 · sqrt(120 · 80) ≈ 1e-4.
        double error = distance(r.reconstruct(), a);
        assertThat(error).isLessThan(2e-4).isGreaterThan(1e-5);
        SvdResult exact = new ExactSvd().decompose(a);
        assertThat(exact.s()[6] / exact.s()[5]).isLessThan(1e-5);
    }

    @Test
    void truncationMeetsTheEckartYoungBoundOnSpectrumWithAGap() {
        DoubleMatrix a = TestMatrices.plantedRank(60, 50, 8, 1e-3, 12);
        SvdResult full = new ExactSvd().decompose(a);
        SvdResult r = svd().decompose(a, 8);
        double optimal = Math.sqrt(full.tailEnergy(8));
        assertThat(distance(r.reconstruct(), a)).isLessThanOrEqualTo(optimal * 1.01);
    }

    @Test
    void sameInputSameOutput() {
        DoubleMatrix a = TestMatrices.gaussian(70, 45, 13);
        SvdResult first = svd().decompose(a, 10), second = svd().decompose(a, 10);
        assertThat(first.s()).containsExactly(second.s());
        assertThat(((DoubleMatrix) first.u()).toArray()).containsExactly(((DoubleMatrix) second.u()).toArray());
        assertThat(((DoubleMatrix) first.vt()).toArray()).containsExactly(((DoubleMatrix) second.vt()).toArray());
    }

    @Test
    void inputIsNotModified() {
        DoubleMatrix a = TestMatrices.gaussian(20, 15, 14);
        DoubleMatrix before = a.copy();
        svd().decompose(a, 5);
        assertThat(a).isEqualTo(before);
    }

    @Test
    void transposedViewsAreAccepted() {
        DoubleMatrix a = TestMatrices.gaussian(30, 18, 15);
        SvdResult r = svd().decompose(a.transpose(), 18);
        assertThat(distance(r.reconstruct(), a.transpose())).isLessThan(1e-10 * a.frobeniusNorm());
    }

    @Test
    void rejectsNonFiniteInputAndBadRanks() {
        DoubleMatrix a = TestMatrices.gaussian(5, 4, 16);
        assertThatThrownBy(() -> svd().decompose(a, 5)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("rank 5").hasMessageContaining("5x4");
        assertThatThrownBy(() -> svd().decompose(a, -1)).isInstanceOf(IllegalArgumentException.class);
        a.set(2, 3, Double.POSITIVE_INFINITY);
        assertThatThrownBy(() -> svd().decompose(a, 2)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("5x4").hasMessageContaining("Infinity");
        a.set(2, 3, Double.NaN);
        assertThatThrownBy(() -> svd().decompose(a, 2)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("NaN");
    }
}
