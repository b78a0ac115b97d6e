package org.lowrank4j.algorithms.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.linalg.Linalg;

class TuckerCompletionTest {

    /** Relative error on the entries where {@code mask} is false. */
    private static double heldOutError(DenseTensor truth, DenseTensor estimate, boolean[] observed) {
        double num = 0, den = 0;
        for (int e = 0; e < observed.length; e++) {
            if (!observed[e]) {
                double d = truth.data()[e] - estimate.data()[e];
                num += d * d;
                den += truth.data()[e] * truth.data()[e];
            }
        }
        return Math.sqrt(num / den);
    }

    private static boolean[] mask(int count, double keep, long seed) {
        Random random = new Random(seed);
        boolean[] observed = new boolean[count];
        for (int e = 0; e < count; e++) {
            observed[e] = random.nextDouble() < keep;
        }
        return observed;
    }

    private static DenseTensor filled(DenseTensor x, boolean[] observed) {
        double sum = 0;
        int n = 0;
        for (int e = 0; e < observed.length; e++) {
            if (observed[e]) {
                sum += x.data()[e];
                n++;
            }
        }
        double[] data = x.data().clone();
        for (int e = 0; e < observed.length; e++) {
            if (!observed[e]) {
                data[e] = sum / n;
            }
        }
        return DenseTensor.wrap(data, x.shape());
    }

    @Test
    void emHooiCompletesAPlantedTucker() {
        DenseTensor truth = TensorDecompositionTest.plantedTucker(new Random(11));
        boolean[] observed = mask(truth.count(), 0.6, 12);
        TuckerCompletion.Result r = TuckerCompletion.fit(filled(truth, observed), observed, new int[] {3, 4, 2}, null, 300, 1e-12);
        double error = heldOutError(truth, r.tucker().reconstruct(), observed);
        System.out.printf("EM-HOOI, planted (3,4,2) 10x11x12, 40%% missing: held-out relative error %.2e after %d iterations%n", error, r.iterations());
        assertThat(error).isLessThan(1e-4);
    }

    /** With factors that are smooth in mode 0, a smooth basis there recovers more from fewer entries than a discrete factor. */
    @Test
    void aSmoothBasisHelpsWhenTheFactorsAreSmooth() {
        int i0 = 40;
        double[] t = new double[i0];
        for (int i = 0; i < i0; i++) {
            t[i] = i;
        }
        DoubleMatrix basis = SmoothBasis.gaussianRbf(t, 8, 1.0);
        Random random = new Random(13);
        DoubleMatrix smooth = Linalg.multiply(basis, DoubleMatrix.gaussian(8, 2, random)); // (40, 2), smooth columns
        DenseTensor core = DenseTensor.gaussian(random, 2, 2, 2);
        DenseTensor truth = new TuckerTensor(core, List.of(smooth, DoubleMatrix.gaussian(6, 2, random), DoubleMatrix.gaussian(5, 2, random))).reconstruct();
        boolean[] observed = mask(truth.count(), 0.25, 14);
        int[] ranks = {2, 2, 2};
        double discrete = heldOutError(truth, TuckerCompletion.fit(filled(truth, observed), observed, ranks, null, 200, 1e-10).tucker().reconstruct(), observed);
        double functional = heldOutError(truth, TuckerCompletion.fit(filled(truth, observed), observed, ranks, Arrays.asList(basis, null, null), 200, 1e-10)
                .tucker().reconstruct(), observed);
        System.out.printf("75%% missing, smooth mode-0 factors: held-out error discrete %.3e, smooth basis %.3e%n", discrete, functional);
        assertThat(functional).isLessThan(1e-3);
        assertThat(functional).isLessThanOrEqualTo(discrete);
    }

    @Test
    void aBasisNarrowerThanTheRankIsRefused() {
        DenseTensor x = DenseTensor.zeros(6, 5, 4);
        DoubleMatrix basis = SmoothBasis.gaussianRbf(new double[] {0, 1, 2, 3, 4, 5}, 2, 1);
        assertThatThrownBy(() -> TuckerCompletion.fit(x, new boolean[120], new int[] {3, 2, 2}, Arrays.asList(basis, null, null), 5, 1e-6))
                .hasMessage("the basis of mode 0 is 6x2; it needs 6 rows and at least 3 (the rank) columns");
    }
}
