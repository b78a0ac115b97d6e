package org.lowrank4j.algorithms.intrinsic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** Retinex on the scene it is made for, and the error measures on cases with known answers. */
class RetinexTest {

    /** Piecewise-constant albedo (four coloured blocks) under a smooth shading ramp with a bump. */
    static Scene mondrian(int h, int w) {
        double[] a = new double[h * w * 3], s = new double[h * w], img = new double[h * w * 3];
        double[][] colours = {{0.8, 0.2, 0.2}, {0.2, 0.7, 0.3}, {0.3, 0.3, 0.9}, {0.9, 0.8, 0.3}};
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int p = y * w + x;
                double[] colour = colours[(y < h / 2 ? 0 : 2) + (x < w / 3 ? 0 : 1)];
                s[p] = 0.3 + 0.6 * x / w + 0.3 * Math.exp(-((x - w / 2.0) * (x - w / 2.0) + (y - h / 2.0) * (y - h / 2.0)) / (h * h / 8.0));
                for (int c = 0; c < 3; c++) {
                    a[p * 3 + c] = colour[c];
                    img[p * 3 + c] = colour[c] * s[p];
                }
            }
        }
        return new Scene(0, new Raster(h, w, 3, img), new Raster(h, w, 3, a), new Raster(h, w, 1, s));
    }

    @Test
    void retinexSeparatesPiecewiseConstantAlbedoFromSmoothShading() {
        Scene scene = mondrian(48, 60);
        Decomposition retinex = new Retinex(0.1, 0.05).decompose(scene.image());
        Decomposition trivial = IntrinsicEvaluation.constantShading(scene.image());
        double retinexAlbedo = IntrinsicErrors.localMse(retinex.albedo(), scene.albedo(), 20);
        double trivialAlbedo = IntrinsicErrors.localMse(trivial.albedo(), scene.albedo(), 20);
        double retinexShading = IntrinsicErrors.scaleInvariantMse(retinex.shading(), scene.shading());
        double trivialShading = IntrinsicErrors.scaleInvariantMse(trivial.shading(), scene.shading());
        System.out.printf("Retinex vs constant shading: albedo LMSE %.2e vs %.2e, shading si-MSE %.2e vs %.2e%n", retinexAlbedo, trivialAlbedo,
                retinexShading, trivialShading);
        assertThat(retinexAlbedo).isLessThan(trivialAlbedo / 10);
        assertThat(retinexShading).isLessThan(trivialShading / 10);
        assertThat(retinex.reconstructionError()).isLessThan(1e-9);
    }

    @Test
    void errorMeasuresIgnoreScaleAndNormaliseLmse() {
        Scene scene = mondrian(40, 40);
        double[] scaled = scene.albedo().values().clone();
        for (int i = 0; i < scaled.length; i++) {
            scaled[i] *= 2.5;
        }
        Raster estimate = new Raster(40, 40, 3, scaled);
        assertThat(IntrinsicErrors.scaleInvariantMse(estimate, scene.albedo())).isCloseTo(0, within(1e-12));
        assertThat(IntrinsicErrors.localMse(estimate, scene.albedo(), 20)).isCloseTo(0, within(1e-12));
        Raster zero = Raster.zeros(40, 40, 3);
        assertThat(IntrinsicErrors.localMse(zero, scene.albedo(), 20)).isCloseTo(1, within(1e-12));
    }
}
