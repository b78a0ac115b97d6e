package org.lowrank4j.nn.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The four thin products against sums in float64, for the ranks the Vector API kernels cover (8, 16) and one they
 * leave to BLAS (5), over row counts with a tail (not a multiple of 8 or 4) and inner lengths that cross the kernels'
 * block of {@link ThinKernels#BLOCK}; a result with beta 0 ignores what c held (NaN here), with beta 1 it adds to it.
 */
class ThinProductsTest {

    @Test
    void theTestJvmRunsTheKernels() {
        assertThat(ThinKernels.usable()).as("8-lane float vectors on this CPU").isTrue();
        assertThat(ThinProducts.ON).isTrue();
    }

    @Test
    void eachProductMatchesItsSumInFloat64() {
        Random random = new Random(5);
        for (int r : new int[] {8, 16, 5}) {
            for (int n : new int[] {1, 13, 37, 64}) {
                for (int k : new int[] {3, 40, 300, 530}) {
                    for (double beta : new double[] {0, 1}) {
                        check(r, n, k, beta, 0.75, random);
                    }
                }
            }
        }
    }

    @Test
    void aFloat64TensorTakesBlasAndStillAgrees() {
        Random random = new Random(6);
        Tensor u = Tensor.gaussian(Precision.FLOAT64, random, 1, 9, 20), w = Tensor.gaussian(Precision.FLOAT64, random, 1, 8, 20);
        Tensor c = Tensor.zeros(Precision.FLOAT64, 9, 8);
        ThinProducts.timesTransposed(c, u, w, 2, 0);
        for (int i = 0; i < 9; i++) {
            for (int j = 0; j < 8; j++) {
                double s = 0;
                for (int t = 0; t < 20; t++) {
                    s += u.get(i * 20 + t) * w.get(j * 20 + t);
                }
                assertThat(c.get(i * 8 + j)).isCloseTo(2 * s, org.assertj.core.data.Offset.offset(1e-12));
            }
        }
    }

    @Test
    void aRowIsSummedTheSameWhicheverRowsShareItsBlockOrThread() {
        Random random = new Random(7);
        for (int r : new int[] {8, 16}) {
            int rows = 29, k = 600;
            float[] u = random(rows * k, random), v = random(k * r, random);
            float[] whole = new float[rows * r], split = new float[rows * r];
            ThinKernels.rows(whole, u, k, 1, v, k, r, 1.5f, 0f, 0, rows);
            for (int[] range : new int[][] {{0, 3}, {3, 12}, {12, 13}, {13, 29}}) {
                ThinKernels.rows(split, u, k, 1, v, k, r, 1.5f, 0f, range[0], range[1]);
            }
            for (int i = 0; i < whole.length; i++) {
                assertThat(Float.floatToIntBits(split[i])).as("r %d, entry %d", r, i).isEqualTo(Float.floatToIntBits(whole[i]));
            }
        }
    }

    /** All four products of one shape: r the rank, n rows (tokens), k the wide side. */
    private static void check(int r, int n, int k, double beta, double alpha, Random random) {
        String at = "r " + r + ", n " + n + ", k " + k + ", beta " + beta;
        Tensor x = gaussian(random, n, k), a = gaussian(random, r, k), b = gaussian(random, k, r), h = gaussian(random, n, r);

        Tensor c = start(beta, random, n, r);
        double[] expected = expect(c, beta);
        ThinProducts.timesTransposed(c, x, a, alpha, beta);       // c = alpha·x·aᵀ + beta·c
        addProduct(expected, alpha, n, r, k, (i, j, t) -> x.get(i * k + t) * a.get(j * k + t));
        assertClose(c, expected, k, at + ", x·aᵀ");

        c = start(beta, random, n, r);
        expected = expect(c, beta);
        ThinProducts.times(c, x, b, alpha, beta);                 // c = alpha·x·b + beta·c
        addProduct(expected, alpha, n, r, k, (i, j, t) -> x.get(i * k + t) * b.get(t * r + j));
        assertClose(c, expected, k, at + ", x·b");

        c = start(beta, random, k, r);
        expected = expect(c, beta);
        ThinProducts.transposedTimes(c, x, h, alpha, beta);       // c(k,r) = alpha·xᵀ·h + beta·c
        addProduct(expected, alpha, k, r, n, (i, j, t) -> x.get(t * k + i) * h.get(t * r + j));
        assertClose(c, expected, n, at + ", xᵀ·h");

        c = gaussian(random, r, k);                                // accumulates always
        expected = expect(c, 1);
        ThinProducts.addTransposedTimesWide(c, h, x, alpha);      // c(r,k) += alpha·hᵀ·x
        addProduct(expected, alpha, r, k, n, (i, j, t) -> h.get(t * r + i) * x.get(t * k + j));
        assertClose(c, expected, n, at + ", hᵀ·x");
    }

    private interface Term {
        double at(int i, int j, int t);
    }

    private static void addProduct(double[] expected, double alpha, int rows, int cols, int inner, Term term) {
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                double s = 0;
                for (int t = 0; t < inner; t++) {
                    s += term.at(i, j, t);
                }
                expected[i * cols + j] += alpha * s;
            }
        }
    }

    /** c before the product: NaN where beta 0 must ignore it, numbers to add to otherwise. */
    private static Tensor start(double beta, Random random, int rows, int cols) {
        Tensor c = gaussian(random, rows, cols);
        if (beta == 0) {
            c.fill(Double.NaN);
        }
        return c;
    }

    private static double[] expect(Tensor c, double beta) {
        double[] e = new double[c.size()];
        for (int i = 0; i < e.length; i++) {
            e[i] = beta == 0 ? 0 : beta * c.get(i);
        }
        return e;
    }

    /** Within float32's rounding of a sum of {@code inner} products of unit-scale numbers. */
    private static void assertClose(Tensor actual, double[] expected, int inner, String what) {
        double tolerance = 1e-5 * Math.sqrt(inner) * Math.max(1, Math.sqrt(inner) / 4);
        for (int i = 0; i < expected.length; i++) {
            assertThat(actual.get(i)).as(what + ", entry " + i).isCloseTo(expected[i], org.assertj.core.data.Offset.offset(tolerance));
        }
    }

    private static Tensor gaussian(Random random, int... shape) {
        return Tensor.gaussian(Precision.FLOAT32, random, 1, shape);
    }

    private static float[] random(int size, Random random) {
        float[] a = new float[size];
        for (int i = 0; i < size; i++) {
            a[i] = (float) random.nextGaussian();
        }
        return a;
    }
}
