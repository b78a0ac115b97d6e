package org.lowrank4j.algorithms.intrinsic;

/**
 * The classical Retinex baseline (colour Retinex with thresholds, as in Grosse et al.'s benchmark): in log space the
 * image is log S + log A; a neighbour difference of log luminance is given to the shading when it is small
 * (|Δ log L| &lt; {@code greyThreshold}) and the chromaticity barely changes (|Δ log(I_c / L)| &lt; {@code colourThreshold}
 * for every channel), and to the albedo otherwise. The shading's log is the least-squares integral of its difference
 * field, {@code min_u Σ (Δu − g)²}, a Poisson equation with Neumann boundary solved by conjugate gradients; its mean is
 * fixed at the mean log luminance. Albedo = I / S.
 */
public final class Retinex {
    private static final double FLOOR = 1e-4;
    private final double greyThreshold, colourThreshold;

    public Retinex(double greyThreshold, double colourThreshold) {
        if (!(greyThreshold > 0) || !(colourThreshold > 0)) {
            throw new IllegalArgumentException("Retinex thresholds must be positive, got " + greyThreshold + " and " + colourThreshold);
        }
        this.greyThreshold = greyThreshold;
        this.colourThreshold = colourThreshold;
    }

    public double greyThreshold() {
        return greyThreshold;
    }

    public double colourThreshold() {
        return colourThreshold;
    }

    /** Decomposes a linear RGB image. */
    public Decomposition decompose(Raster image) {
        int h = image.height(), w = image.width(), n = h * w;
        double[] logL = new double[n];
        double[][] chroma = new double[3][n];
        for (int p = 0; p < n; p++) {
            double sum = 0;
            for (int c = 0; c < 3; c++) {
                sum += image.values()[p * 3 + c];
            }
            double l = Math.max(FLOOR, sum / 3);
            logL[p] = Math.log(l);
            for (int c = 0; c < 3; c++) {
                chroma[c][p] = Math.log(Math.max(FLOOR, image.values()[p * 3 + c]) / l);
            }
        }
        double[] gx = new double[n], gy = new double[n]; // shading differences to the right and down
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int p = y * w + x;
                if (x + 1 < w) {
                    gx[p] = classify(logL, chroma, p, p + 1);
                }
                if (y + 1 < h) {
                    gy[p] = classify(logL, chroma, p, p + w);
                }
            }
        }
        double[] u = PoissonSolver.integrate(gx, gy, h, w);
        double meanL = 0, meanU = 0;
        for (int p = 0; p < n; p++) {
            meanL += logL[p] / n;
            meanU += u[p] / n;
        }
        double[] shading = new double[n];
        for (int p = 0; p < n; p++) {
            shading[p] = Math.exp(u[p] - meanU + meanL);
        }
        Raster s = new Raster(h, w, 1, shading);
        return new Decomposition(image, InverseShading.impliedAlbedo(image, s), s);
    }

    private double classify(double[] logL, double[][] chroma, int a, int b) {
        double d = logL[b] - logL[a];
        if (Math.abs(d) >= greyThreshold) {
            return 0;
        }
        for (double[] c : chroma) {
            if (Math.abs(c[b] - c[a]) >= colourThreshold) {
                return 0;
            }
        }
        return d;
    }
}
