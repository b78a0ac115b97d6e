package org.lowrank4j.linalg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.lowrank4j.linalg.TestMatrices.distance;

import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The native (OpenBLAS) kernels against the plain-Java oracle at odd sizes, in the style of Lucene's
 * scalar-versus-SIMD tests: any layout or leading-dimension mistake shows up at 1, 7, 13, 207 or 1023.
 */
class BackendAgreementTest {
    private final LinalgBackend nativeBackend = TestMatrices.nativeBackend();
    private final LinalgBackend javaBackend = Linalg.javaBackend();

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 4, 7, 13, 207, 1023})
    void gemmAgreesForEveryLayout(int n) {
        int k = n == 1023 ? 13 : n + 2, m = n == 1023 ? 7 : n + 1;
        DoubleMatrix a = TestMatrices.gaussian(n, k, n), b = TestMatrices.gaussian(k, m, n + 1);
        DoubleMatrix aT = TestMatrices.gaussian(k, n, n + 2).transpose(); // transposed view
        DoubleMatrix wide = TestMatrices.gaussian(n + 3, k + 5, n + 3);
        DoubleMatrix strided = wide.view(1, n + 1, 2, k + 2); // row-major with a leading dimension > cols
        for (DoubleMatrix left : new DoubleMatrix[] {a, aT, strided}) {
            for (DoubleMatrix right : new DoubleMatrix[] {b, TestMatrices.gaussian(m, k, n + 4).transpose()}) {
                DoubleMatrix c1 = TestMatrices.gaussian(n, m, 5), c2 = c1.copy();
                nativeBackend.gemm(0.7, left, right, -0.3, c1);
                javaBackend.gemm(0.7, left, right, -0.3, c2);
                assertThat(distance(c1, c2)).isLessThan(1e-12 * Math.max(1, c2.frobeniusNorm()));
                FloatMatrix f1 = c2.toFloat(), f2 = c2.toFloat();
                nativeBackend.gemm(1, left.toFloat(), right.toFloat(), 1, f1);
                javaBackend.gemm(1, left.toFloat(), right.toFloat(), 1, f2);
                assertThat(distance(f1, f2)).isLessThan(1e-5 * Math.max(1, f2.frobeniusNorm()));
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 3, 7, 13, 207, 1023})
    void gemmWritesIntoViewsWithoutTouchingTheRest(int n) {
        DoubleMatrix big1 = TestMatrices.gaussian(n + 2, 9, 1), big2 = big1.copy();
        DoubleMatrix a = TestMatrices.gaussian(n, 4, 2), b = TestMatrices.gaussian(4, 5, 3);
        nativeBackend.gemm(1, a, b, 1, big1.view(1, n + 1, 2, 7));
        javaBackend.gemm(1, a, b, 1, big2.view(1, n + 1, 2, 7));
        assertThat(distance(big1, big2)).isLessThan(1e-12 * big2.frobeniusNorm());
        DoubleMatrix t1 = TestMatrices.gaussian(5, n, 4), t2 = t1.copy(); // C as a transposed view
        nativeBackend.gemm(1, a, b, 0, t1.transpose());
        javaBackend.gemm(1, a, b, 0, t2.transpose());
        assertThat(distance(t1, t2)).isLessThan(1e-12 * t2.frobeniusNorm());
    }

    /**
     * A, B and C may be disjoint blocks of one array (here: of one matrix), each at its own offset: read in place from
     * Java 22, each must still be found at its own offset.
     */
    @ParameterizedTest
    @ValueSource(ints = {1, 3, 7, 207})
    void productsBetweenBlocksOfOneArrayAgree(int n) {
        FloatMatrix big1 = TestMatrices.gaussian(n, 3 * n + 2, n).toFloat(), big2 = big1.copy();
        for (FloatMatrix big : new FloatMatrix[] {big1, big2}) {
            LinalgBackend backend = big == big1 ? nativeBackend : javaBackend;
            DenseMatrix a = big.view(0, n, 0, n + 1), b = big.view(0, n, n + 1, 2 * n + 2).transpose();
            DenseMatrix c = big.view(0, n, 2 * n + 2, 3 * n + 2);
            backend.gemm(0.5, a, b, 1, c);
            backend.triangularGemm(1, big.view(0, n, n + 1, 2 * n + 1), true, c, 0.25, big.view(0, n, 0, n));
        }
        assertThat(distance(big1, big2)).isLessThan(1e-5 * big2.frobeniusNorm());
    }

    /**
     * The triangular product reads one triangle of a (as seen, also through a transposed or strided view), ignores the
     * other whatever it holds, and equals gemm with that other triangle set to zero; C may be a strided view.
     */
    @ParameterizedTest
    @ValueSource(ints = {1, 7, 13, 207})
    void triangularProductIgnoresTheOtherTriangle(int n) {
        DoubleMatrix full = TestMatrices.gaussian(n + 2, n + 3, n); // the other triangle holds values, not zeros
        DoubleMatrix b = TestMatrices.gaussian(n, 5, n + 1);
        for (DoubleMatrix a : new DoubleMatrix[] {full.view(0, n, 0, n), full.view(1, n + 1, 2, n + 2).transpose()}) {
            for (boolean lower : new boolean[] {true, false}) {
                DoubleMatrix masked = a.copy();
                for (int i = 0; i < n; i++) {
                    for (int j = 0; j < n; j++) {
                        if (lower ? j > i : j < i) {
                            masked.set(i, j, 0);
                        }
                    }
                }
                DoubleMatrix expected = TestMatrices.gaussian(n, 5, 3);
                DoubleMatrix big = TestMatrices.gaussian(n + 1, 8, 4), bigBefore = big.copy();
                DoubleMatrix c = big.view(1, n + 1, 1, 6);
                c.assign(expected);
                javaBackend.gemm(0.7, masked, b, -0.3, expected);
                for (LinalgBackend backend : new LinalgBackend[] {nativeBackend, javaBackend}) {
                    DoubleMatrix out = big.copy();
                    backend.triangularGemm(0.7, a, lower, b, -0.3, out.view(1, n + 1, 1, 6));
                    assertThat(distance(out.view(1, n + 1, 1, 6), expected)).as(backend.name()).isLessThan(1e-12 * Math.max(1, expected.frobeniusNorm()));
                    assertThat(out.view(0, 1, 0, 8).approximatelyEquals(bigBefore.view(0, 1, 0, 8), 0)).isTrue(); // rows outside C untouched
                    assertThat(out.get(1, 0)).isEqualTo(bigBefore.get(1, 0));
                    assertThat(out.get(n, 7)).isEqualTo(bigBefore.get(n, 7));
                    FloatMatrix f = TestMatrices.gaussian(n, 5, 6).toFloat();
                    backend.triangularGemm(0.7, a.toFloat(), lower, b.toFloat(), 0, f);
                    DoubleMatrix fExpected = DoubleMatrix.zeros(n, 5);
                    javaBackend.gemm(0.7, masked, b, 0, fExpected);
                    assertThat(distance(f.toDouble(), fExpected)).as(backend.name()).isLessThan(1e-5 * Math.max(1, fExpected.frobeniusNorm()));
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 7, 13, 207, 1023})
    void gramUpdatesAgreeWithTheProduct(int n) {
        int features = Math.min(n, 207);
        DoubleMatrix x = TestMatrices.gaussian(n, features, n);
        DoubleMatrix g1 = TestMatrices.symmetrize(TestMatrices.gaussian(features, features, 1)), g2 = g1.copy();
        DoubleMatrix expected = g1.copy();
        javaBackend.gemm(1, x.transpose(), x, 1, expected);
        nativeBackend.addGram(x, g1);
        javaBackend.addGram(x, g2);
        assertThat(distance(g1, expected)).isLessThan(1e-11 * expected.frobeniusNorm());
        assertThat(distance(g2, expected)).isLessThan(1e-11 * expected.frobeniusNorm());
        DoubleMatrix viaView = DoubleMatrix.zeros(features, features);
        nativeBackend.addGram(x.transpose().copy().transpose(), viaView); // x as a transposed view
        assertThat(distance(viaView, Linalg.gram(x))).isLessThan(1e-11 * expected.frobeniusNorm());
    }

    /**
     * One row times a matrix large enough for the native backend to run it as gemv (B of 2^19 elements or more): every
     * layout of the row (as a row, a column seen transposed, a strided row), of B (as stored, transposed, strided, staged)
     * and of C (alone, a row inside a larger matrix), beta 0 over a C of NaNs after a call that left NaNs in the native
     * scratch, and beta ≠ 0; float and double.
     */
    @ParameterizedTest
    @ValueSource(ints = {700, 1031})
    void aSingleRowTimesALargeMatrixAgreesInEveryLayout(int k) {
        int n = (1 << 19) / k + 9;
        DoubleMatrix row = TestMatrices.gaussian(1, k, k), column = TestMatrices.gaussian(k, 3, k + 1).view(0, k, 1, 2).transpose(); // every third value
        DoubleMatrix stridedRow = TestMatrices.gaussian(4, k + 3, k + 2).view(2, 3, 1, k + 1);
        DoubleMatrix b = TestMatrices.gaussian(k, n, k + 3), bT = TestMatrices.gaussian(n, k, k + 4).transpose();
        DoubleMatrix bStrided = TestMatrices.gaussian(k + 2, n + 5, k + 5).view(1, k + 1, 3, n + 3);
        for (DoubleMatrix a : new DoubleMatrix[] {row, column, stridedRow}) {
            for (DoubleMatrix right : new DoubleMatrix[] {b, bT, bStrided}) {
                for (double beta : new double[] {0, -0.3}) {
                    DoubleMatrix expected = TestMatrices.gaussian(1, n, 9);
                    javaBackend.gemm(0.7, a, right, beta, expected);
                    DoubleMatrix d = TestMatrices.gaussian(1, n, 9);
                    FloatMatrix f = d.toFloat();
                    if (beta == 0) {
                        leaveNansInTheScratch();
                        d = nans(1, n);
                        f = d.toFloat();
                    }
                    nativeBackend.gemm(0.7, a, right, beta, d);
                    String layout = a.rowStride() + "/" + a.colStride() + " times " + right.rowStride() + "/" + right.colStride() + ", beta " + beta;
                    assertThat(distance(d, expected)).as(layout).isLessThan(1e-12 * expected.frobeniusNorm());
                    nativeBackend.gemm(0.7, a.toFloat(), right.toFloat(), beta, f);
                    assertThat(distance(f, expected.toFloat())).as(layout).isLessThan(1e-5 * expected.frobeniusNorm());
                }
            }
            DoubleMatrix big = TestMatrices.gaussian(3, n + 4, 11), bigExpected = big.copy(); // C a row inside a matrix
            nativeBackend.gemm(1, a, b, 1, big.view(1, 2, 2, n + 2));
            javaBackend.gemm(1, a, b, 1, bigExpected.view(1, 2, 2, n + 2));
            assertThat(distance(big, bigExpected)).isLessThan(1e-12 * bigExpected.frobeniusNorm());
            try (StagedMatrix staged = nativeBackend.stage(bT.transpose().copy().toFloat())) { // W (n, k), read as Wᵀ
                FloatMatrix fromStaged = nans(1, n).toFloat(), plain = FloatMatrix.zeros(1, n);
                leaveNansInTheScratch();
                nativeBackend.gemm(1, a.toFloat(), staged, true, 0, fromStaged);
                javaBackend.gemm(1, a.toFloat(), bT.toFloat(), 0, plain);
                assertThat(distance(fromStaged, plain)).isLessThan(1e-5 * plain.frobeniusNorm());
            }
        }
    }

    /** A product whose C holds NaNs and is read (beta = 1), so that the native scratch for C holds NaNs afterwards. */
    private void leaveNansInTheScratch() {
        DoubleMatrix a = TestMatrices.gaussian(4, 3, 1), b = TestMatrices.gaussian(3, 2048, 2);
        nativeBackend.gemm(1, a, b, 1, nans(4, 2048));
        nativeBackend.gemm(1, a.toFloat(), b.toFloat(), 1, nans(4, 2048).toFloat());
    }

    private static DoubleMatrix nans(int rows, int cols) {
        DoubleMatrix m = DoubleMatrix.zeros(rows, cols);
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                m.set(i, j, Double.NaN);
            }
        }
        return m;
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 7, 13, 207, 1023})
    void gemvAgrees(int n) {
        Random random = new Random(n);
        DoubleMatrix a = TestMatrices.gaussian(n, n + 3, n);
        double[] x = random.doubles(n + 3).toArray(), y1 = random.doubles(n).toArray(), y2 = y1.clone();
        nativeBackend.gemv(1.5, a, x, 0.5, y1);
        javaBackend.gemv(1.5, a, x, 0.5, y2);
        assertThat(y1).containsExactly(y2, org.assertj.core.data.Offset.offset(1e-10));
        double[] xt = random.doubles(n).toArray(), z1 = new double[n + 3], z2 = new double[n + 3];
        nativeBackend.gemv(1, a.transpose(), xt, 0, z1);
        javaBackend.gemv(1, a.transpose(), xt, 0, z2);
        assertThat(z1).containsExactly(z2, org.assertj.core.data.Offset.offset(1e-10));
        float[] fx = new float[n + 3], f1 = new float[n], f2 = new float[n];
        for (int i = 0; i < fx.length; i++) {
            fx[i] = (float) x[i];
        }
        nativeBackend.gemv(1f, a.toFloat(), fx, 0f, f1);
        javaBackend.gemv(1f, a.toFloat(), fx, 0f, f2);
        assertThat(f1).containsExactly(f2, org.assertj.core.data.Offset.offset(1e-3f));
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 7, 13, 207, 1023})
    void singularValuesAgree(int n) {
        int cols = n > 207 ? 13 : n; // the Jacobi oracle is O(mn²) per sweep
        DoubleMatrix a = TestMatrices.gaussian(n, cols, n);
        SvdResult s1 = nativeBackend.svd(a), s2 = javaBackend.svd(a);
        assertThat(s1.s()).containsExactly(s2.s(), org.assertj.core.data.Offset.offset(1e-10 * s2.s()[0]));
        assertThat(distance(s1.reconstruct(), s2.reconstruct())).isLessThan(1e-10 * a.frobeniusNorm());
        SvdResult wide = nativeBackend.svd(a.transpose());
        assertThat(wide.s()).containsExactly(s2.s(), org.assertj.core.data.Offset.offset(1e-10 * s2.s()[0]));
        SvdResult f = nativeBackend.svd(a.toFloat());
        assertThat(f.s()).containsExactly(s2.s(), org.assertj.core.data.Offset.offset(1e-4 * s2.s()[0]));
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 7, 13, 207})
    void eigenvaluesAgree(int n) {
        DoubleMatrix g = TestMatrices.spd(n, 0.1, n);
        EigenResult e1 = nativeBackend.symmetricEigen(g), e2 = javaBackend.symmetricEigen(g);
        assertThat(e1.values()).containsExactly(e2.values(), org.assertj.core.data.Offset.offset(1e-11 * e2.values()[n - 1]));
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 7, 13, 207, 1023})
    void choleskyQrAndSolvesAgree(int n) {
        DoubleMatrix g = TestMatrices.spd(n, 0.5, n);
        DoubleMatrix l1 = nativeBackend.choleskyLower(g), l2 = javaBackend.choleskyLower(g);
        assertThat(distance(l1, l2)).isLessThan(1e-10 * l2.frobeniusNorm());
        DoubleMatrix b = TestMatrices.gaussian(n, 7, n + 1);
        for (boolean transpose : new boolean[] {false, true}) {
            DoubleMatrix x1 = nativeBackend.solveTriangular(l1, true, transpose, b), x2 = javaBackend.solveTriangular(l1, true, transpose, b);
            assertThat(distance(x1, x2)).isLessThan(1e-9 * Math.max(1, x2.frobeniusNorm()));
        }
        int cols = Math.min(n, 207);
        DoubleMatrix a = TestMatrices.gaussian(n, cols, n + 2);
        QrResult q1 = nativeBackend.qr(a), q2 = javaBackend.qr(a);
        // Householder signs may differ per column; |R| agrees and so does the product.
        for (int i = 0; i < cols; i++) {
            assertThat(Math.abs(q1.r().get(i, i))).isCloseTo(Math.abs(q2.r().get(i, i)), org.assertj.core.data.Offset.offset(1e-9 * Math.sqrt(n)));
        }
        assertThat(distance(Linalg.multiply(q1.q(), q1.r()), a)).isLessThan(1e-11 * a.frobeniusNorm());
        PivotedQrResult p1 = nativeBackend.pivotedQr(a), p2 = javaBackend.pivotedQr(a);
        assertThat(p1.permutation()).containsExactlyInAnyOrder(IntStream.range(0, cols).toArray());
        assertThat(Math.abs(p1.r().get(0, 0))).isCloseTo(Math.abs(p2.r().get(0, 0)), org.assertj.core.data.Offset.offset(1e-9 * Math.sqrt(n)));
    }
}
