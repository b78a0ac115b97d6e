package org.lowrank4j.algorithms.intrinsic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The ordinal (shift/scale-invariant) and merge losses: invariances and gradients against central differences in float64. */
class LossesTest {
    private static final int H = 9, W = 11;

    private static double[] random(long seed, int n, double low, double high) {
        Random r = new Random(seed);
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = low + (high - low) * r.nextDouble();
        }
        return v;
    }

    @Test
    void shiftScaleInvariantLossIgnoresAPositiveScaleAndAShiftOfThePrediction() {
        ShiftScaleInvariantLoss loss = ShiftScaleInvariantLoss.defaults();
        double[] p = random(1, H * W, 0, 1), t = random(2, H * W, 0.2, 0.9);
        double base = loss.evaluate(p, t, H, W).value();
        double[] moved = new double[p.length];
        for (int i = 0; i < p.length; i++) {
            moved[i] = 3.7 * p[i] - 1.25;
        }
        assertThat(base).isGreaterThan(0.01);
        assertThat(loss.evaluate(moved, t, H, W).value()).isCloseTo(base, within(1e-9));
        // a prediction that is an affine map of the target costs nothing
        double[] affine = new double[t.length];
        for (int i = 0; i < t.length; i++) {
            affine[i] = 0.3 * t[i] + 5;
        }
        assertThat(loss.evaluate(affine, t, H, W).value()).isLessThan(1e-8 * base);
    }

    @Test
    void shiftScaleInvariantGradientMatchesFiniteDifferences() {
        ShiftScaleInvariantLoss loss = ShiftScaleInvariantLoss.defaults();
        double[] p = random(3, H * W, 0, 1), t = random(4, H * W, 0.2, 0.9);
        double[] analytic = loss.evaluate(p, t, H, W).gradient();
        double[] numeric = FiniteDifferences.gradient(x -> loss.evaluate(x, t, H, W).value(), p, 1e-6);
        double error = FiniteDifferences.relativeError(analytic, numeric);
        System.out.printf("SSI loss gradient: relative error %.2e%n", error);
        assertThat(error).isLessThan(1e-6);
    }

    @Test
    void mergeLossGradientMatchesFiniteDifferences() {
        MergeLoss loss = MergeLoss.defaults();
        int n = H * W;
        double[] predicted = random(5, n, 0.1, 0.9);
        Raster target = new Raster(H, W, 1, random(6, n, 0.2, 0.8));
        Raster image = new Raster(H, W, 3, random(7, 3 * n, 0.01, 0.9));
        Raster albedo = new Raster(H, W, 3, random(8, 3 * n, 0.05, 1));
        double[] analytic = loss.evaluate(predicted, target, image, albedo).gradient();
        double[] numeric = FiniteDifferences.gradient(x -> loss.evaluate(x, target, image, albedo).value(), predicted, 1e-6);
        double error = FiniteDifferences.relativeError(analytic, numeric);
        System.out.printf("merge loss gradient: relative error %.2e%n", error);
        assertThat(error).isLessThan(1e-6);
    }

    @Test
    void mergeLossIsZeroForTheTrueInverseShadingOfAnExactScene() {
        int n = H * W;
        Raster shading = new Raster(H, W, 1, random(9, n, 0.2, 2));
        Raster albedo = new Raster(H, W, 3, random(10, 3 * n, 0.05, 1));
        double[] image = new double[3 * n];
        for (int p = 0; p < n; p++) {
            for (int c = 0; c < 3; c++) {
                image[p * 3 + c] = albedo.values()[p * 3 + c] * shading.values()[p];
            }
        }
        Raster target = InverseShading.fromShading(shading);
        double value = MergeLoss.defaults().evaluate(target.values(), target, new Raster(H, W, 3, image), albedo).value();
        assertThat(value).isLessThan(1e-12);
    }
}
