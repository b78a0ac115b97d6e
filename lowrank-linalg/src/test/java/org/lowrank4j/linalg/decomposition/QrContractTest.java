package org.lowrank4j.linalg.decomposition;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.lowrank4j.linalg.TestMatrices.distance;
import static org.lowrank4j.linalg.TestMatrices.orthogonalityError;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.lowrank4j.linalg.DenseMatrix;
import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.linalg.Linalg;
import org.lowrank4j.linalg.LinalgBackend;
import org.lowrank4j.linalg.PivotedQrResult;
import org.lowrank4j.linalg.QrResult;
import org.lowrank4j.linalg.TestMatrices;

class QrContractTest {

    static Stream<Arguments> cases() {
        List<DenseMatrix> inputs = List.of(TestMatrices.gaussian(30, 12, 1), TestMatrices.gaussian(8, 21, 2),
                TestMatrices.gaussian(15, 15, 3), DoubleMatrix.of(1, 1, -2), DoubleMatrix.identity(6),
                TestMatrices.plantedRank(20, 14, 3, 0, 4), DoubleMatrix.zeros(5, 3), DoubleMatrix.zeros(0, 4),
                DoubleMatrix.zeros(4, 0), TestMatrices.scaled(TestMatrices.gaussian(9, 6, 5), 1e-30),
                TestMatrices.scaled(TestMatrices.gaussian(9, 6, 6), 1e30), TestMatrices.gaussian(17, 9, 7).toFloat());
        return TestMatrices.backends().flatMap(b -> inputs.stream().map(a -> Arguments.of(b, a)));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void thinQrReconstructsWithOrthonormalQAndUpperR(LinalgBackend backend, DenseMatrix a) {
        QrResult qr = new Qr(backend).decompose(a);
        int k = Math.min(a.rows(), a.cols());
        assertThat(qr.q().rows()).isEqualTo(a.rows());
        assertThat(qr.q().cols()).isEqualTo(k);
        assertThat(qr.r().rows()).isEqualTo(k);
        double tol = a.elementType() == DenseMatrix.ElementType.FLOAT32 ? 1e-5 : 1e-12;
        assertThat(distance(Linalg.multiply(backend, qr.q(), qr.r()), a)).isLessThanOrEqualTo(tol * a.frobeniusNorm() * 10);
        if (k > 0) {
            assertThat(orthogonalityError(qr.q())).isLessThan(tol * 10);
        }
        for (int i = 0; i < qr.r().rows(); i++) {
            for (int j = 0; j < Math.min(i, qr.r().cols()); j++) {
                assertThat(qr.r().get(i, j)).isZero();
            }
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void pivotedQrPermutesColumnsAndOrdersTheDiagonal(LinalgBackend backend, DenseMatrix a) {
        PivotedQrResult qr = new Qr(backend).decomposePivoted(a);
        DoubleMatrix permuted = DoubleMatrix.zeros(a.rows(), a.cols());
        for (int j = 0; j < a.cols(); j++) {
            for (int i = 0; i < a.rows(); i++) {
                permuted.set(i, j, a.get(i, qr.permutation()[j]));
            }
        }
        assertThat(qr.permutation()).containsExactlyInAnyOrder(java.util.stream.IntStream.range(0, a.cols()).toArray());
        double tol = a.elementType() == DenseMatrix.ElementType.FLOAT32 ? 1e-5 : 1e-12;
        assertThat(distance(Linalg.multiply(qr.q(), qr.r()), permuted)).isLessThanOrEqualTo(tol * 10 * a.frobeniusNorm());
        for (int i = 1; i < qr.r().rows(); i++) {
            assertThat(Math.abs(qr.r().get(i, i))).isLessThanOrEqualTo(Math.abs(qr.r().get(i - 1, i - 1)) * (1 + 1e-12) + 1e-300);
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void rejectsNonFiniteInput(LinalgBackend backend, DenseMatrix a) {
        if (a.isEmpty()) {
            return;
        }
        DenseMatrix bad = a.copy();
        bad.set(0, 0, Double.NaN);
        assertThatThrownBy(() -> new Qr(backend).decompose(bad)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining(a.shape());
    }
}
