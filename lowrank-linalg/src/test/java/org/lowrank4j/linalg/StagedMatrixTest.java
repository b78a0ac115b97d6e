package org.lowrank4j.linalg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.lowrank4j.linalg.TestMatrices.distance;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A staged operand gives the same product as the matrix itself, on both backends, in both element types. */
class StagedMatrixTest {
    private final LinalgBackend nativeBackend = TestMatrices.nativeBackend();
    private final LinalgBackend javaBackend = Linalg.javaBackend();

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 4, 7, 13, 207})
    void aStagedRightOperandGivesThePlainProduct(int n) {
        int k = n + 2, m = n + 1;
        DoubleMatrix b = TestMatrices.gaussian(k, m, n), bT = TestMatrices.gaussian(m, k, n + 1); // bT is staged as stored
        DoubleMatrix a = TestMatrices.gaussian(n, k, n + 2);
        DoubleMatrix wide = TestMatrices.gaussian(n + 3, k + 5, n + 3), strided = wide.view(1, n + 1, 2, k + 2);
        for (LinalgBackend backend : new LinalgBackend[] {nativeBackend, javaBackend}) {
            for (DoubleMatrix left : new DoubleMatrix[] {a, strided, TestMatrices.gaussian(k, n, n + 4).transpose()}) {
                for (boolean transpose : new boolean[] {false, true}) {
                    DoubleMatrix right = transpose ? bT : b;
                    DoubleMatrix c1 = TestMatrices.gaussian(n, m, 5), c2 = c1.copy();
                    try (StagedMatrix staged = backend.stage(right)) {
                        backend.gemm(0.7, left, staged, transpose, -0.3, c1);
                    }
                    javaBackend.gemm(0.7, left, transpose ? right.transpose() : right, -0.3, c2);
                    assertThat(distance(c1, c2)).as("%s, transpose %s", backend.name(), transpose).isLessThan(1e-12 * Math.max(1, c2.frobeniusNorm()));

                    FloatMatrix f1 = c2.toFloat(), f2 = c2.toFloat(), fRight = right.toFloat();
                    try (StagedMatrix staged = backend.stage(fRight)) {
                        backend.gemm(1, left.toFloat(), staged, transpose, 0, f1);
                    }
                    javaBackend.gemm(1, left.toFloat(), transpose ? fRight.transpose() : fRight, 0, f2);
                    assertThat(distance(f1, f2)).as("%s float, transpose %s", backend.name(), transpose).isLessThan(1e-5 * Math.max(1, f2.frobeniusNorm()));
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void aStagedMatrixGivesTheProductUntilClosedAndViewsAreNotStaged(boolean useNative) {
        LinalgBackend backend = useNative ? nativeBackend : javaBackend;
        FloatMatrix w = TestMatrices.gaussian(6, 4, 9).toFloat(), x = TestMatrices.gaussian(3, 4, 10).toFloat();
        FloatMatrix expected = FloatMatrix.zeros(3, 6), got = FloatMatrix.zeros(3, 6);
        javaBackend.gemm(1, x, w.transpose(), 0, expected);
        StagedMatrix staged = backend.stage(w);
        backend.gemm(1, x, staged, true, 0, got);
        assertThat(distance(got, expected)).isLessThan(1e-6);
        staged.close();
        assertThat(staged.isClosed()).isTrue();
        if (useNative) { // the Java backend keeps no copy and reads the source
            assertThatThrownBy(() -> backend.gemm(1, x, staged, true, 0, got)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("after close");
        }
        assertThatThrownBy(() -> backend.stage(w.transpose())).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("compact");
    }
}
