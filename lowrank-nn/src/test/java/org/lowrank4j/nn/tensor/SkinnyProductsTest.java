package org.lowrank4j.nn.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The LoRA branch's Java loops against the same products through BLAS ({@link MatMul}), in float64 and float32, at
 * ranks below, at and above the four-column unrolling, row counts that are not multiples of four and that span several
 * partial-sum blocks (300 > 2 × 128), and widths that are not multiples of a vector.
 */
class SkinnyProductsTest {

    private static Tensor random(Precision p, long seed, int... shape) {
        return Tensor.gaussian(p, new Random(seed), 1, shape);
    }

    private static void close(Tensor actual, Tensor expected, Precision p) {
        double tolerance = (p == Precision.FLOAT64 ? 1e-12 : 2e-5) * Math.max(1, expected.norm());
        double worst = 0;
        for (int i = 0; i < expected.size(); i++) {
            worst = Math.max(worst, Math.abs(actual.get(i) - expected.get(i)));
        }
        assertThat(worst).as("largest difference from BLAS").isLessThan(tolerance);
    }

    @ParameterizedTest
    @CsvSource({"FLOAT64,1,7,1", "FLOAT64,5,33,3", "FLOAT64,300,20,8", "FLOAT64,37,70,64", "FLOAT32,1,7,1", "FLOAT32,5,33,3",
        "FLOAT32,300,20,8", "FLOAT32,37,70,64", "FLOAT32,1030,40,5"})
    void everyProductAgreesWithBlas(Precision p, int n, int wide, int r) {
        double s = 0.75;
        Tensor x = random(p, 1, n, wide), a = random(p, 2, r, wide), b = random(p, 3, wide, r); // a (r, wide), b (wide, r)
        Tensor h = random(p, 4, n, r);

        Tensor loops = Tensor.zeros(p, n, r), blas = Tensor.zeros(p, n, r);
        SkinnyProducts.timesTransposed(loops, s, x, a);                          // s·X Aᵀ
        MatMul.gemm(s, x.matrix(), a.matrix().transpose(), 0, blas.matrix());
        close(loops, blas, p);

        SkinnyProducts.times(loops, s, x, b);                                    // s·X B
        MatMul.gemm(s, x.matrix(), b.matrix(), 0, blas.matrix());
        close(loops, blas, p);

        Tensor y1 = random(p, 5, n, wide), y2 = y1.copy();
        SkinnyProducts.addTimesTransposed(y1, s, h, b);                          // += s·H Bᵀ
        MatMul.gemm(s, h.matrix(), b.matrix().transpose(), 1, y2.matrix());
        close(y1, y2, p);

        SkinnyProducts.addTimes(y1, s, h, a);                                    // += s·H A
        MatMul.gemm(s, h.matrix(), a.matrix(), 1, y2.matrix());
        close(y1, y2, p);

        Tensor da1 = random(p, 6, r, wide), da2 = da1.copy();
        SkinnyProducts.addTransposedTimes(da1, s, h, x);                         // += s·Hᵀ X  (r, wide)
        MatMul.gemm(s, h.matrix().transpose(), x.matrix(), 1, da2.matrix());
        close(da1, da2, p);

        Tensor db1 = random(p, 7, wide, r), db2 = db1.copy();
        SkinnyProducts.addTransposedTimesInto(db1, s, x, h);                     // += s·Xᵀ H  (wide, r)
        MatMul.gemm(s, x.matrix().transpose(), h.matrix(), 1, db2.matrix());
        close(db1, db2, p);
    }

    @ParameterizedTest
    @CsvSource({"0,false", "1,true", "64,true", "65,false"})
    void fitsOnlyNarrowRanks(int rank, boolean fits) {
        assertThat(SkinnyProducts.fits(rank)).isEqualTo(fits);
    }

    @ParameterizedTest
    @CsvSource({"FLOAT32"})
    void refusesMismatchedShapes(Precision p) {
        assertThatThrownBy(() -> SkinnyProducts.timesTransposed(Tensor.zeros(p, 4, 3), 1, Tensor.zeros(p, 4, 10), Tensor.zeros(p, 3, 9)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("do not fit");
        assertThatThrownBy(() -> SkinnyProducts.addTimes(Tensor.zeros(p, 4, 9), 1, Tensor.zeros(Precision.FLOAT64, 4, 3), Tensor.zeros(p, 3, 9)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("do not fit");
    }
}
