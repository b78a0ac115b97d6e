package org.lowrank4j.algorithms.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.linalg.decomposition.Qr;

class TensorDecompositionTest {

    /** Spec test 1: unfold/fold round trip and the Kolda–Bader column order; the mode product equals brute-force sums. */
    @Test
    void unfoldingAndModeProductFollowKoldaBader() {
        DenseTensor x = DenseTensor.gaussian(new Random(1), 3, 4, 2);
        for (int n = 0; n < 3; n++) {
            assertThat(DenseTensor.fold(x.unfold(n), n, 3, 4, 2).data()).containsExactly(x.data());
        }
        // X_(1)[i1, i0 + 3·i2] = X[i0, i1, i2]
        assertThat(x.unfold(1).get(2, 1 + 3 * 1)).isEqualTo(x.get(1, 2, 1));
        assertThat(x.unfold(2).get(1, 2 + 3 * 3)).isEqualTo(x.get(2, 3, 1));
        DoubleMatrix u = DoubleMatrix.gaussian(5, 4, new Random(2));
        DenseTensor y = x.modeProduct(1, u);
        double max = 0;
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 5; j++) {
                for (int k = 0; k < 2; k++) {
                    double sum = 0;
                    for (int m = 0; m < 4; m++) {
                        sum += x.get(i, m, k) * u.get(j, m);
                    }
                    max = Math.max(max, Math.abs(sum - y.get(i, j, k)));
                }
            }
        }
        assertThat(max).isLessThan(1e-12);
    }

    static DoubleMatrix orthonormal(int rows, int cols, Random random) {
        return (DoubleMatrix) new Qr().decompose(DoubleMatrix.gaussian(rows, cols, random)).q().toDouble();
    }

    /** A planted multilinear-rank (3, 4, 2) tensor of shape 10×11×12. */
    static DenseTensor plantedTucker(Random random) {
        DenseTensor core = DenseTensor.gaussian(random, 3, 4, 2);
        return new TuckerTensor(core, List.of(orthonormal(10, 3, random), orthonormal(11, 4, random), orthonormal(12, 2, random))).reconstruct();
    }

    /** Spec tests 2 and 4: HOSVD recovers a planted low-multilinear-rank tensor; HOOI never increases the error; the error identity holds. */
    @Test
    void hosvdAndHooiRecoverAPlantedTucker() {
        DenseTensor x = plantedTucker(new Random(3));
        TuckerTensor t = Hosvd.decompose(x, 3, 4, 2);
        double error = x.distance(t.reconstruct()) / x.norm();
        System.out.printf("HOSVD on planted rank (3,4,2) 10x11x12: relative error %.2e%n", error);
        assertThat(error).isLessThan(1e-10);

        DenseTensor noisy = DenseTensor.wrap(x.data().clone(), 10, 11, 12);
        Random random = new Random(4);
        for (int e = 0; e < noisy.count(); e++) {
            noisy.data()[e] += 0.3 * random.nextGaussian();
        }
        TuckerHooi.Result hooi = TuckerHooi.decompose(noisy, 20, 1e-12, 2, 3, 2);
        List<Double> errors = hooi.relativeErrors();
        for (int i = 1; i < errors.size(); i++) {
            assertThat(errors.get(i)).isLessThanOrEqualTo(errors.get(i - 1) + 1e-12);
        }
        double measured = noisy.distance(hooi.tucker().reconstruct());
        double identity = Math.sqrt(noisy.norm() * noisy.norm() - Math.pow(hooi.tucker().core().norm(), 2));
        assertThat(Math.abs(measured - identity)).isLessThan(1e-9 * noisy.norm());
        TuckerTensor hosvd = Hosvd.decompose(noisy, 2, 3, 2);
        assertThat(measured).isLessThanOrEqualTo(noisy.distance(hosvd.reconstruct()) + 1e-12);
    }

    @Test
    void signsAreDeterministic() {
        DenseTensor x = plantedTucker(new Random(5));
        TuckerTensor a = Hosvd.decompose(x, 3, 4, 2);
        for (DoubleMatrix f : a.factors()) {
            for (int c = 0; c < f.cols(); c++) {
                int best = 0;
                for (int i = 0; i < f.rows(); i++) {
                    if (Math.abs(f.get(i, c)) > Math.abs(f.get(best, c))) {
                        best = i;
                    }
                }
                assertThat(f.get(best, c)).isPositive();
            }
        }
        DenseTensor negated = DenseTensor.wrap(x.data().clone(), 10, 11, 12);
        for (int e = 0; e < negated.count(); e++) {
            negated.data()[e] = -negated.data()[e];
        }
        TuckerTensor b = Hosvd.decompose(negated, 3, 4, 2);
        for (int n = 0; n < 3; n++) { // the factors do not change with the sign of the data; the core does
            assertThat(maxDifference(a.factors().get(n), b.factors().get(n))).isLessThan(1e-10);
        }
    }

    /** Spec test 3: CP-ALS recovers a planted rank-3 10×11×12 tensor up to permutation and scaling, fit > 0.9999. */
    @Test
    void cpAlsRecoversAPlantedRankThree() {
        Random random = new Random(6);
        List<DoubleMatrix> truth = new ArrayList<>();
        for (int size : new int[] {10, 11, 12}) {
            truth.add(DoubleMatrix.gaussian(size, 3, random));
        }
        DenseTensor x = new CpTensor(new double[] {1, 1, 1}, truth).reconstruct();
        CpAls.Result result = CpAls.decompose(x, 3, 500, 1e-10, 7);
        System.out.printf("CP-ALS on planted rank 3 10x11x12: fit %.8f after %d iterations%n", result.fit(), result.iterations());
        assertThat(result.fit()).isGreaterThan(0.9999);
        assertThat(x.distance(result.cp().reconstruct()) / x.norm()).isLessThan(1e-4);
        // every planted column matches some recovered column (|cosine| ≈ 1) in every mode
        for (int n = 0; n < 3; n++) {
            for (int r = 0; r < 3; r++) {
                double best = 0;
                for (int s = 0; s < 3; s++) {
                    best = Math.max(best, Math.abs(cosine(truth.get(n), r, result.cp().factors().get(n), s)));
                }
                assertThat(best).as("mode %d component %d", n, r).isGreaterThan(0.9999);
            }
        }
        CpAls.Result again = CpAls.decompose(x, 3, 500, 1e-10, 7);
        assertThat(again.cp().weights()).containsExactly(result.cp().weights());
    }

    @Test
    void badRanksAreOneClearLine() {
        DenseTensor x = DenseTensor.zeros(4, 5, 3);
        assertThatThrownBy(() -> Hosvd.decompose(x, 2, 2)).hasMessage("a tensor of order 3 needs 3 ranks, got [2, 2]");
        assertThatThrownBy(() -> Hosvd.decompose(x, 5, 2, 2)).hasMessage("rank 5 of mode 0 is outside [1, 4] for a tensor of shape [4, 5, 3]");
        assertThatThrownBy(() -> Hosvd.decompose(x, 1, 1, 3))
                .hasMessage("ranks [1, 1, 3] give a degenerate core: mode 2's rank 3 is above the product of the others (1)");
        assertThatThrownBy(() -> CpAls.decompose(x, 0, 1)).hasMessage("CP rank must be at least 1, got 0");
    }

    private static double maxDifference(DoubleMatrix a, DoubleMatrix b) {
        double max = 0;
        for (int i = 0; i < a.rows(); i++) {
            for (int j = 0; j < a.cols(); j++) {
                max = Math.max(max, Math.abs(a.get(i, j) - b.get(i, j)));
            }
        }
        return max;
    }

    private static double cosine(DoubleMatrix a, int r, DoubleMatrix b, int s) {
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.rows(); i++) {
            dot += a.get(i, r) * b.get(i, s);
            na += a.get(i, r) * a.get(i, r);
            nb += b.get(i, s) * b.get(i, s);
        }
        return dot / Math.sqrt(na * nb);
    }
}
