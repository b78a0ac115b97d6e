package org.lowrank4j.algorithms.funbat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** FunBaT on a planted tensor whose factors are smooth functions of continuous coordinates. */
class FunctionalTuckerTest {

    /** Irregular sorted coordinates in [0, span). */
    private static double[] coordinates(Random random, int count, double span) {
        double[] t = new double[count];
        for (int i = 0; i < count; i++) {
            t[i] = span * (i + 0.2 + 0.6 * random.nextDouble()) / count;
        }
        return t;
    }

    /** Multilinear rank (3, 3, 3): the rank-(2, 2, 2) part plus a constant. */
    private static double planted(double t0, double t1, int k) {
        double[] u0 = {Math.sin(0.6 * t0), Math.cos(0.4 * t0)};
        double[] u1 = {Math.cos(0.5 * t1 + 1), 0.5 + 0.3 * Math.sin(0.8 * t1)};
        double[] u2 = k == 0 ? new double[] {1, 0} : k == 1 ? new double[] {0, 1} : new double[] {0.7, -0.7};
        double[][][] w = {{{1.0, 0.4}, {-0.3, 0.8}}, {{0.5, -1.0}, {0.9, 0.2}}};
        double f = 0;
        for (int a = 0; a < 2; a++) {
            for (int b = 0; b < 2; b++) {
                for (int c = 0; c < 2; c++) {
                    f += w[a][b][c] * u0[a] * u1[b] * u2[c];
                }
            }
        }
        return 3 + f;
    }

    @Test
    void smoothFactorsFillHiddenEntriesAndWholeMissingSlicesWhereDiscreteOnesCannot() {
        Random random = new Random(7);
        double[][] coords = {coordinates(random, 40, 10), coordinates(random, 30, 8), {0, 1, 2}};
        List<int[]> fitPos = new ArrayList<>(), testPos = new ArrayList<>();
        List<Double> fitVal = new ArrayList<>(), testVal = new ArrayList<>();
        for (int a = 0; a < 40; a++) {
            boolean emptySlice = a % 8 == 5; // 5 coordinates of mode 0 with no fitted entry at all
            for (int b = 0; b < 30; b++) {
                for (int c = 0; c < 3; c++) {
                    double y = planted(coords[0][a], coords[1][b], c) + 0.01 * random.nextGaussian();
                    if (!emptySlice && random.nextDouble() < 0.4) {
                        fitPos.add(new int[] {a, b, c});
                        fitVal.add(y);
                    } else {
                        testPos.add(new int[] {a, b, c});
                        testVal.add(y);
                    }
                }
            }
        }
        int[][] positions = fitPos.toArray(new int[0][]);
        double[] values = fitVal.stream().mapToDouble(Double::doubleValue).toArray();
        FunctionalTucker smooth = FunctionalTucker.fit(coords, positions, values,
                new FunctionalTucker.Settings(new int[] {3, 3, 3}, new double[] {2, 2, 0}, 300, 1e-7, 1), null);
        FunctionalTucker discrete = FunctionalTucker.fit(coords, positions, values,
                new FunctionalTucker.Settings(new int[] {3, 3, 3}, new double[] {0, 0, 0}, 300, 1e-7, 1), null);
        double[] smoothErr = rmse(smooth, testPos, testVal), discreteErr = rmse(discrete, testPos, testVal);
        System.out.printf("held-out RMSE (all / in the 5 empty slices): smooth %.4f / %.4f, discrete %.4f / %.4f; train %.4f, noise std %.4f, "
                + "%d sweeps%n", smoothErr[0], smoothErr[1], discreteErr[0], discreteErr[1], smooth.trainRmse(), smooth.noiseStd(), smooth.sweeps());
        // the planted noise is 0.01: the fit reaches it on the fitted entries, estimates it, and predicts the hidden ones to it
        assertThat(smooth.trainRmse()).isLessThan(0.015);
        assertThat(smooth.noiseStd()).isBetween(0.007, 0.014);
        assertThat(smoothErr[0]).isLessThan(0.02);
        assertThat(smoothErr[1]).isLessThan(0.03); // no entry in these slices: the chain interpolates from its neighbours
        assertThat(discreteErr[1]).isGreaterThan(10 * smoothErr[1]); // a discrete factor row with no data stays at its prior, 0
    }

    /** RMSE over all test entries and over those in mode-0 slices with no fitted entry. */
    private static double[] rmse(FunctionalTucker model, List<int[]> positions, List<Double> values) {
        double all = 0, empty = 0;
        int emptyCount = 0;
        for (int i = 0; i < positions.size(); i++) {
            double e = model.predict(positions.get(i)) - values.get(i);
            all += e * e;
            if (positions.get(i)[0] % 8 == 5) {
                empty += e * e;
                emptyCount++;
            }
        }
        return new double[] {Math.sqrt(all / positions.size()), Math.sqrt(empty / emptyCount)};
    }

    @Test
    void badInputIsOneClearLine() {
        double[][] coords = {{0, 1, 2}, {0, 1}};
        FunctionalTucker.Settings settings = new FunctionalTucker.Settings(new int[] {1, 1}, new double[] {1, 1}, 5, 0, 1);
        assertThat(catchThrowable(() -> FunctionalTucker.fit(new double[][] {{0, 2, 1}, {0, 1}}, new int[][] {{0, 0}}, new double[] {1}, settings,
                null))).hasMessageContaining("mode 0: coordinates must be finite and strictly increasing");
        assertThat(catchThrowable(() -> FunctionalTucker.fit(coords, new int[][] {{3, 0}}, new double[] {1}, settings, null)))
                .hasMessageContaining("position 3 is outside mode 0's 3 coordinates");
        assertThat(catchThrowable(() -> FunctionalTucker.fit(coords, new int[][] {{0, 0}}, new double[] {Double.NaN}, settings, null)))
                .hasMessageContaining("non-finite value");
        assertThat(catchThrowable(() -> new FunctionalTucker.Settings(new int[] {1, 0}, new double[] {1, 1}, 5, 0, 1)))
                .hasMessageContaining("mode 1: rank 0");
    }
}
