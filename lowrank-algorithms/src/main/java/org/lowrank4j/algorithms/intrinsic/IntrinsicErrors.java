package org.lowrank4j.algorithms.intrinsic;

/**
 * Error measures of an estimate against ground truth, both invariant to the unknown overall scale of a decomposition:
 * <ul>
 *   <li>{@link #scaleInvariantMse}: {@code min_α mean (α·e − g)²}, one α per channel (Grosse et al.'s si-MSE);</li>
 *   <li>{@link #localMse}: LMSE, the same with α fitted per window of {@code window × window} pixels (stride window/2),
 *   summed over windows and divided by the same sum for an estimate of zero (Σ‖g‖² over the windows), so 0 is perfect
 *   and 1 is no better than predicting nothing.</li>
 * </ul>
 */
public final class IntrinsicErrors {
    private IntrinsicErrors() {
    }

    public static double scaleInvariantMse(Raster estimate, Raster truth) {
        check(estimate, truth);
        double total = 0;
        for (int c = 0; c < truth.channels(); c++) {
            total += windowError(estimate, truth, c, 0, 0, truth.height(), truth.width())[0];
        }
        return total / ((double) truth.pixels() * truth.channels());
    }

    public static double localMse(Raster estimate, Raster truth, int window) {
        check(estimate, truth);
        if (window < 2) {
            throw new IllegalArgumentException("LMSE window must be at least 2 pixels, got " + window);
        }
        int step = window / 2;
        double error = 0, reference = 0;
        for (int c = 0; c < truth.channels(); c++) {
            for (int y = 0; y + window <= truth.height() || y == 0; y += step) {
                for (int x = 0; x + window <= truth.width() || x == 0; x += step) {
                    double[] e = windowError(estimate, truth, c, y, x, Math.min(truth.height(), y + window), Math.min(truth.width(), x + window));
                    error += e[0];
                    reference += e[1];
                    if (x + window > truth.width()) {
                        break;
                    }
                }
                if (y + window > truth.height()) {
                    break;
                }
            }
        }
        return reference == 0 ? 0 : error / reference;
    }

    /** {min_α Σ (α e − g)², Σ g²} over one channel of a window. */
    private static double[] windowError(Raster estimate, Raster truth, int c, int y0, int x0, int y1, int x1) {
        double ee = 0, eg = 0, gg = 0;
        for (int y = y0; y < y1; y++) {
            for (int x = x0; x < x1; x++) {
                double e = estimate.get(y, x, c), g = truth.get(y, x, c);
                ee += e * e;
                eg += e * g;
                gg += g * g;
            }
        }
        double alpha = ee > 0 ? eg / ee : 0;
        return new double[] {Math.max(0, gg - alpha * eg), gg};
    }

    private static void check(Raster estimate, Raster truth) {
        if (estimate.height() != truth.height() || estimate.width() != truth.width() || estimate.channels() != truth.channels()) {
            throw new IllegalArgumentException("estimate " + estimate.height() + "x" + estimate.width() + "x" + estimate.channels() + " and truth "
                    + truth.height() + "x" + truth.width() + "x" + truth.channels() + " differ in shape");
        }
    }
}
