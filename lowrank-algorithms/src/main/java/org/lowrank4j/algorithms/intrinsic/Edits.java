package org.lowrank4j.algorithms.intrinsic;

/** Edits a decomposition makes possible: change the albedo or the shading and multiply back. */
public final class Edits {
    private Edits() {
    }

    /**
     * Recolouring: the pixels whose albedo is red-dominant (red the largest channel by 10% or more) get their red and blue
     * albedo swapped; the result is the new albedo times the unchanged shading.
     */
    public static Raster recolourReds(Decomposition d) {
        Raster a = d.albedo();
        double[] out = new double[a.values().length];
        for (int p = 0; p < a.pixels(); p++) {
            double r = a.values()[p * 3], g = a.values()[p * 3 + 1], b = a.values()[p * 3 + 2];
            boolean red = r > 1.1 * g && r > 1.1 * b;
            double s = d.shading().values()[p];
            out[p * 3] = (red ? b : r) * s;
            out[p * 3 + 1] = g * s;
            out[p * 3 + 2] = (red ? r : b) * s;
        }
        return new Raster(a.height(), a.width(), 3, out);
    }

    /**
     * Relighting: the shading's log contrast halved around its mean log (S' = exp(mean log S) · (S / exp(mean log S))^½),
     * a flatter, more diffuse light, times the unchanged albedo.
     */
    public static Raster flattenLight(Decomposition d) {
        double[] s = d.shading().values();
        double meanLog = 0;
        for (double v : s) {
            meanLog += Math.log(v) / s.length;
        }
        double[] out = new double[d.image().values().length];
        for (int p = 0; p < s.length; p++) {
            double flat = Math.exp(meanLog + 0.5 * (Math.log(s[p]) - meanLog));
            for (int c = 0; c < 3; c++) {
                out[p * 3 + c] = d.albedo().values()[p * 3 + c] * flat;
            }
        }
        return new Raster(d.image().height(), d.image().width(), 3, out);
    }

    /**
     * The albedo for display: divided by its 99th percentile when that is above 1 (a decomposition's overall scale is
     * arbitrary; a Retinex-refining model puts the albedo's mean near 1), then clipped to [0, 1].
     */
    public static Raster displayAlbedo(Raster albedo) {
        double[] out = albedo.values().clone();
        double[] sorted = out.clone();
        java.util.Arrays.sort(sorted);
        double top = Math.max(1, sorted[(int) Math.floor(0.99 * (sorted.length - 1))]);
        for (int i = 0; i < out.length; i++) {
            out[i] = Math.min(1, Math.max(0, out[i] / top));
        }
        return new Raster(albedo.height(), albedo.width(), albedo.channels(), out);
    }

    /** The shading divided by its 99th percentile and clipped, for display. */
    public static Raster displayShading(Raster shading) {
        double[] sorted = shading.values().clone();
        java.util.Arrays.sort(sorted);
        double top = Math.max(1e-6, sorted[(int) Math.floor(0.99 * (sorted.length - 1))]);
        double[] out = new double[sorted.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = Math.min(1, shading.values()[i] / top);
        }
        return new Raster(shading.height(), shading.width(), 1, out);
    }
}
