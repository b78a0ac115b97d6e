package org.lowrank4j.linalg.decomposition;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.lowrank4j.linalg.TestMatrices.distance;
import static org.lowrank4j.linalg.TestMatrices.orthogonalityError;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.linalg.Linalg;
import org.lowrank4j.linalg.LinalgBackend;
import org.lowrank4j.linalg.SvdResult;
import org.lowrank4j.linalg.TestMatrices;

/** The "how to test it" list of spec 02 (LoRA-Squeeze) for the product SVD. */
class ProductSvdTest {

    static java.util.stream.Stream<LinalgBackend> backends() {
        return TestMatrices.backends();
    }

    @ParameterizedTest
    @MethodSource("backends")
    void matchesTheDenseSvdOfTheProduct(LinalgBackend backend) {
        DoubleMatrix b = TestMatrices.gaussian(64, 8, 1), a = TestMatrices.gaussian(8, 48, 2);
        double s = 2.0;
        DoubleMatrix delta = TestMatrices.scaled(Linalg.multiply(b, a), s);
        SvdResult dense = new ExactSvd(backend).decompose(delta);
        for (int k = 1; k <= 8; k++) {
            SvdResult product = new ProductSvd(backend).decompose(b, a, s, k);
            for (int i = 0; i < k; i++) {
                assertThat(product.s()[i]).isCloseTo(dense.s()[i], org.assertj.core.data.Offset.offset(1e-10 * dense.s()[0]));
            }
            double error = distance(product.reconstruct(), delta);
            assertThat(error * error).isCloseTo(dense.tailEnergy(k), org.assertj.core.data.Offset.offset(1e-9 * dense.s()[0] * dense.s()[0]));
            assertThat(orthogonalityError(product.u())).isLessThan(1e-12);
            assertThat(orthogonalityError(product.vt().transpose())).isLessThan(1e-12);
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void fullRankReproducesTheProduct(LinalgBackend backend) {
        DoubleMatrix b = TestMatrices.gaussian(30, 6, 3), a = TestMatrices.gaussian(6, 20, 4);
        SvdResult r = new ProductSvd(backend).decompose(b, a, 0.5, 6);
        DoubleMatrix delta = TestMatrices.scaled(Linalg.multiply(b, a), 0.5);
        assertThat(distance(r.reconstruct(), delta)).isLessThan(1e-10 * delta.frobeniusNorm());
    }

    @ParameterizedTest
    @MethodSource("backends")
    void randomizedSvdWithEnoughOversamplingMatchesTheExactPath(LinalgBackend backend) {
        DoubleMatrix b = TestMatrices.gaussian(80, 8, 5), a = TestMatrices.gaussian(8, 60, 6);
        DoubleMatrix delta = Linalg.multiply(b, a);
        SvdResult exact = new ProductSvd(backend).decompose(b, a, 1, 4);
        SvdResult randomized = new RandomizedSvd(backend, 8, 0, 3).decompose(delta, 4);
        assertThat(distance(randomized.reconstruct(), exact.reconstruct())).isLessThan(1e-8 * delta.frobeniusNorm());
    }

    @ParameterizedTest
    @MethodSource("backends")
    void zeroFactorGivesZeroSpectrum(LinalgBackend backend) {
        DoubleMatrix b = DoubleMatrix.zeros(10, 4), a = TestMatrices.gaussian(4, 7, 7);
        SvdResult r = new ProductSvd(backend).decompose(b, a, 1, 4);
        assertThat(r.s()).containsOnly(0.0);
        assertThat(r.reconstruct().frobeniusNorm()).isZero();
    }

    @ParameterizedTest
    @MethodSource("backends")
    void rejectsMismatchedFactors(LinalgBackend backend) {
        assertThatThrownBy(() -> new ProductSvd(backend).decompose(DoubleMatrix.zeros(5, 3), DoubleMatrix.zeros(4, 6), 1, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("5x3").hasMessageContaining("4x6");
        assertThatThrownBy(() -> new ProductSvd(backend).decompose(DoubleMatrix.zeros(5, 3), DoubleMatrix.zeros(3, 6), 1, 4))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("rank 4");
        assertThatThrownBy(() -> new ProductSvd(backend).decompose(DoubleMatrix.zeros(5, 3), DoubleMatrix.zeros(3, 6), Double.NaN, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("scale");
    }
}
