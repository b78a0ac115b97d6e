package org.lowrank4j.algorithms.intrinsic;

/**
 * An estimated decomposition on one grid: the linear {@code image} it explains, its {@code albedo} (RGB, = image / shading,
 * not clipped) and {@code shading} (one channel, &gt; 0), so that albedo ⊙ shading = image to rounding.
 */
public record Decomposition(Raster image, Raster albedo, Raster shading) {

    /** The largest |albedo·shading − image| over all pixels and channels. */
    public double reconstructionError() {
        double worst = 0;
        for (int p = 0; p < image.pixels(); p++) {
            for (int c = 0; c < 3; c++) {
                worst = Math.max(worst, Math.abs(albedo.values()[p * 3 + c] * shading.values()[p] - image.values()[p * 3 + c]));
            }
        }
        return worst;
    }
}
