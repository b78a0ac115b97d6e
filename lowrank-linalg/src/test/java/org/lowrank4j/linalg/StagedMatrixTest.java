package org.lowrank4j.linalg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.lowrank4j.linalg.TestMatrices.distance;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A staged operand gives the products of the plain one on both backends (either orientation, float64 and float32, a
 * strided left operand and output), keeps the values it was staged with, and refuses use after close.
 */
class StagedMatrixTest {
    private final LinalgBackend nativeBackend = TestMatrices.nativeBackend();
    private final LinalgBackend javaBackend = Linalg.javaBackend();

    @ParameterizedTest
    @ValueSource(ints = {1, 7, 130})
    void stagedProductsMatchPlainOnes(int n) {
        int k = n + 3, m = n + 2;
        DoubleMatrix w = TestMatrices.gaussian(m, k, n);                               // (out, in), as a weight
        DoubleMatrix wide = TestMatrices.gaussian(n + 2, k + 4, n + 1);
        DoubleMatrix x = wide.view(1, n + 1, 1, k + 1);                                // strided (n, k)
        DoubleMatrix dy = TestMatrices.gaussian(n, m, n + 2);
        for (LinalgBackend backend : new LinalgBackend[] {nativeBackend, javaBackend}) {
            try (StagedMatrix sw = backend.stage(w); StagedMatrix sf = backend.stage(w.toFloat())) {
                DoubleMatrix y1 = TestMatrices.gaussian(n, m, 9), y2 = y1.copy();
                backend.gemm(0.5, x, sw, true, -1, y1);                               // y = 0.5·x·wᵀ − y
                javaBackend.gemm(0.5, x, w.transpose(), -1, y2);
                assertThat(distance(y1, y2)).as(backend.name()).isLessThan(1e-12 * Math.max(1, y2.frobeniusNorm()));

                DoubleMatrix dxWide = TestMatrices.gaussian(n + 1, k + 2, 10);
                DoubleMatrix dx1 = dxWide.view(0, n, 2, k + 2), dx2 = dx1.copy();    // a strided output
                backend.gemm(1, dy, sw, false, 0, dx1);                               // dx = dy·w
                javaBackend.gemm(1, dy, w, 0, dx2);
                assertThat(distance(dx1, dx2)).as(backend.name()).isLessThan(1e-12 * Math.max(1, dx2.frobeniusNorm()));

                FloatMatrix f1 = FloatMatrix.zeros(n, m), f2 = FloatMatrix.zeros(n, m);
                backend.gemm(1, x.toFloat(), sf, true, 0, f1);
                javaBackend.gemm(1, x.toFloat(), w.toFloat().transpose(), 0, f2);
                assertThat(distance(f1, f2)).as(backend.name()).isLessThan(1e-5 * Math.max(1, f2.frobeniusNorm()));
            }
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void keepsTheStagedValuesAndNoticesWrites(boolean nativeSide) {
        LinalgBackend backend = nativeSide ? nativeBackend : javaBackend;
        DoubleMatrix w = TestMatrices.gaussian(4, 3, 1), x = TestMatrices.gaussian(2, 3, 2);
        StagedMatrix staged = backend.stage(w);
        DoubleMatrix before = DoubleMatrix.zeros(2, 4);
        backend.gemm(1, x, staged, true, 0, before);
        assertThat(staged.sameValues(w)).isTrue();

        w.set(2, 1, w.get(2, 1) + 1);                                                  // a write the snapshot must not see
        assertThat(staged.sameValues(w)).isFalse();
        DoubleMatrix after = DoubleMatrix.zeros(2, 4);
        backend.gemm(1, x, staged, true, 0, after);
        assertThat(distance(after, before)).isZero();

        staged.close();
        if (nativeSide) {
            assertThatThrownBy(() -> backend.gemm(1, x, staged, true, 0, after)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("after close");
        }
    }
}
