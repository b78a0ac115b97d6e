package org.lowrank4j.algorithms.intrinsic;

/**
 * The bounded shading representation the networks predict: {@code s̃ = 1 / (1 + S) ∈ (0, 1]} for shading S ≥ 0, and
 * back {@code S = 1/s̃ − 1}. Albedo is never predicted: {@code A = I / S} per channel, so {@code A ⊙ S = I} holds to
 * rounding wherever S &gt; 0.
 */
public final class InverseShading {
    /** Network outputs are clamped to [MIN, MAX] before inversion, so S stays in [1/MAX − 1, 1/MIN − 1] and is never 0. */
    public static final double MIN = 1e-4, MAX = 1 - 1e-4;

    private InverseShading() {
    }

    public static Raster fromShading(Raster shading) {
        double[] out = new double[shading.values().length];
        for (int i = 0; i < out.length; i++) {
            out[i] = 1 / (1 + Math.max(0, shading.values()[i]));
        }
        return new Raster(shading.height(), shading.width(), 1, out);
    }

    public static double shading(double inverse) {
        double s = Math.min(MAX, Math.max(MIN, inverse));
        return 1 / s - 1;
    }

    public static Raster toShading(Raster inverse) {
        double[] out = new double[inverse.values().length];
        for (int i = 0; i < out.length; i++) {
            out[i] = shading(inverse.values()[i]);
        }
        return new Raster(inverse.height(), inverse.width(), 1, out);
    }

    /** {@code A = I / S} per channel (S one channel, &gt; 0), not clipped. */
    public static Raster impliedAlbedo(Raster image, Raster shading) {
        double[] out = new double[image.values().length];
        int c = image.channels();
        for (int p = 0; p < image.pixels(); p++) {
            for (int k = 0; k < c; k++) {
                out[p * c + k] = image.values()[p * c + k] / shading.values()[p];
            }
        }
        return new Raster(image.height(), image.width(), c, out);
    }
}
