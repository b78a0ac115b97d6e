package org.lowrank4j.linalg.decomposition;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.lowrank4j.linalg.TestMatrices.distance;
import static org.lowrank4j.linalg.TestMatrices.orthogonalityError;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.linalg.EigenResult;
import org.lowrank4j.linalg.Linalg;
import org.lowrank4j.linalg.LinalgBackend;
import org.lowrank4j.linalg.TestMatrices;

/** Eigen, Cholesky, triangular solves and PSD matrix functions, on every backend. */
class SymmetricFactorizationsTest {

    static java.util.stream.Stream<LinalgBackend> backends() {
        return TestMatrices.backends();
    }

    private static DoubleMatrix reconstruct(EigenResult e) {
        DoubleMatrix scaled = e.vectors().copy();
        for (int j = 0; j < e.values().length; j++) {
            for (int i = 0; i < scaled.rows(); i++) {
                scaled.set(i, j, scaled.get(i, j) * e.values()[j]);
            }
        }
        return Linalg.multiply(scaled, e.vectors().transpose());
    }

    @ParameterizedTest
    @MethodSource("backends")
    void eigenReconstructsWithOrthonormalVectorsAndDescendingValues(LinalgBackend backend) {
        DoubleMatrix[] inputs = {TestMatrices.spd(30, 0.1, 1), TestMatrices.psdOfRank(20, 5, 2), DoubleMatrix.identity(7),
            DoubleMatrix.of(1, 1, -4), TestMatrices.symmetrize(TestMatrices.gaussian(12, 12, 3)),
            TestMatrices.scaled(TestMatrices.spd(10, 0.1, 4), 1e-30), TestMatrices.scaled(TestMatrices.spd(10, 0.1, 5), 1e30)};
        for (DoubleMatrix a : inputs) {
            EigenResult e = new SymmetricEigen(backend).decompose(a);
            assertThat(distance(reconstruct(e), a)).isLessThan(1e-11 * Math.max(a.frobeniusNorm(), 1e-300));
            assertThat(orthogonalityError(e.vectors())).isLessThan(1e-11);
            for (int i = 1; i < e.values().length; i++) {
                assertThat(e.values()[i]).isLessThanOrEqualTo(e.values()[i - 1]);
            }
        }
        assertThat(new SymmetricEigen(backend).decompose(DoubleMatrix.zeros(0, 0)).values()).isEmpty();
    }

    @ParameterizedTest
    @MethodSource("backends")
    void eigenRejectsAsymmetricAndNonSquareInput(LinalgBackend backend) {
        assertThatThrownBy(() -> new SymmetricEigen(backend).decompose(TestMatrices.gaussian(5, 5, 6)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not symmetric");
        assertThatThrownBy(() -> new SymmetricEigen(backend).decompose(DoubleMatrix.zeros(3, 4)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("3x4");
    }

    @ParameterizedTest
    @MethodSource("backends")
    void choleskyFactorsPositiveDefiniteMatrices(LinalgBackend backend) {
        DoubleMatrix g = TestMatrices.spd(40, 0.01, 7);
        Cholesky.Result r = new Cholesky(backend, 1e-10, 8).decompose(g);
        assertThat(r.jitter()).isZero();
        assertThat(distance(Linalg.multiply(r.lower(), r.lower().transpose()), g)).isLessThan(1e-12 * g.frobeniusNorm());
        for (int i = 0; i < 40; i++) {
            for (int j = i + 1; j < 40; j++) {
                assertThat(r.lower().get(i, j)).isZero();
            }
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void choleskyAddsRelativeJitterToSingularGrams(LinalgBackend backend) {
        DoubleMatrix g = TestMatrices.scaled(TestMatrices.psdOfRank(30, 10, 8), 1e6); // rank 10 of 30, large scale
        Cholesky.Result r = new Cholesky(backend, 1e-10, 8).decompose(g);
        double meanDiag = 0;
        for (int i = 0; i < 30; i++) {
            meanDiag += g.get(i, i) / 30;
        }
        assertThat(r.jitter()).isPositive().isLessThanOrEqualTo(1e-3 * meanDiag);
        DoubleMatrix shifted = g.copy();
        for (int i = 0; i < 30; i++) {
            shifted.set(i, i, shifted.get(i, i) + r.jitter());
        }
        assertThat(distance(Linalg.multiply(r.lower(), r.lower().transpose()), shifted)).isLessThan(1e-9 * g.frobeniusNorm());
    }

    @ParameterizedTest
    @MethodSource("backends")
    void choleskyRefusesIndefiniteMatrices(LinalgBackend backend) {
        DoubleMatrix negative = TestMatrices.scaled(DoubleMatrix.identity(4), -1);
        assertThatThrownBy(() -> new Cholesky(backend, 1e-10, 8).decompose(negative)).isInstanceOf(ArithmeticException.class)
                .hasMessageContaining("4x4");
        DoubleMatrix saddle = DoubleMatrix.of(2, 2, 2, 0, 0, -1);
        assertThatThrownBy(() -> new Cholesky(backend, 1e-10, 3).decompose(saddle)).isInstanceOf(ArithmeticException.class)
                .hasMessageContaining("eigen route");
    }

    @ParameterizedTest
    @MethodSource("backends")
    void triangularSolvesInvertTheirFactor(LinalgBackend backend) {
        DoubleMatrix l = new Cholesky(backend, 1e-10, 8).decompose(TestMatrices.spd(25, 0.5, 9)).lower();
        DoubleMatrix b = TestMatrices.gaussian(25, 6, 10);
        TriangularSolve solve = new TriangularSolve(backend);
        assertThat(distance(Linalg.multiply(l, solve.lower(l, b)), b)).isLessThan(1e-12 * b.frobeniusNorm());
        assertThat(distance(Linalg.multiply(l.transpose(), solve.lowerTransposed(l, b)), b)).isLessThan(1e-12 * b.frobeniusNorm());
        DoubleMatrix u = l.transpose().copy();
        assertThat(distance(Linalg.multiply(u, solve.upper(u, b)), b)).isLessThan(1e-12 * b.frobeniusNorm());
        DoubleMatrix c = TestMatrices.gaussian(4, 25, 11);
        assertThat(distance(Linalg.multiply(solve.rightLower(l, c), l), c)).isLessThan(1e-12 * c.frobeniusNorm());
        assertThatThrownBy(() -> solve.lower(l, TestMatrices.gaussian(24, 2, 1))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("25x25").hasMessageContaining("24x2");
    }

    @ParameterizedTest
    @MethodSource("backends")
    void psdSquareRootsAndPseudoInverseRoots(LinalgBackend backend) {
        PsdMatrixFunctions f = new PsdMatrixFunctions(backend);
        DoubleMatrix g = TestMatrices.spd(20, 0.2, 12);
        DoubleMatrix root = f.sqrt(g, PsdMatrixFunctions.DEFAULT_FLOOR);
        assertThat(distance(Linalg.multiply(root, root), g)).isLessThan(1e-12 * g.frobeniusNorm());
        DoubleMatrix inv = f.inverseSqrt(g, PsdMatrixFunctions.DEFAULT_FLOOR);
        assertThat(distance(Linalg.multiply(Linalg.multiply(inv, g), inv), DoubleMatrix.identity(20))).isLessThan(1e-10);

        // Rank 4 of 12: the pseudo-inverse root maps G to the projector onto its range (trace 4).
        DoubleMatrix singular = TestMatrices.psdOfRank(12, 4, 13);
        DoubleMatrix p = Linalg.multiply(Linalg.multiply(f.inverseSqrt(singular, 1e-10), singular), f.inverseSqrt(singular, 1e-10));
        double trace = 0;
        for (int i = 0; i < 12; i++) {
            trace += p.get(i, i);
        }
        assertThat(trace).isCloseTo(4, org.assertj.core.data.Offset.offset(1e-8));
        assertThat(distance(Linalg.multiply(p, p), p)).isLessThan(1e-8);
        assertThatThrownBy(() -> f.sqrt(g, 1.5)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("floor");
    }
}
