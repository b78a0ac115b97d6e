package org.lowrank4j.algorithms.completion;

import java.awt.image.BufferedImage;
import org.lowrank4j.algorithms.images.RgbImage;

/**
 * Image inpainting as matrix completion: a seeded fraction of an RGB image's pixels is hidden (the same pixels in all
 * three channels), each channel — an h×w matrix of values in [0, 255] — is completed on its own from the rest by
 * {@link RobustAltMin}, and the hidden pixels are scored against mean filling (each channel's observed mean) and,
 * when asked, {@link SoftImpute}. The completed image keeps every observed pixel and fills the hidden ones.
 */
public final class ImageInpainting {

    /** The completed image (observed pixels unchanged) and the scores on the hidden ones (in 0–255 units, all channels). */
    public record Result(BufferedImage completed, HoldOutScores scores) {
    }

    private ImageInpainting() {
    }

    /**
     * @param name names the image in error messages (its path)
     * @throws IllegalArgumentException when the image is not RGB (grayscale, with alpha, CMYK, indexed) or nothing is
     *                                  hidden, or the rank is above the image's dimensions
     */
    public static Result run(BufferedImage image, String name, CompletionSetup setup) {
        RgbImage.requireRgb(image, name);
        if (setup.hideFraction() <= 0) {
            throw new IllegalArgumentException("inpainting " + name + " needs a fraction of pixels to hide in (0, 1), got " + setup.hideFraction());
        }
        int h = image.getHeight(), w = image.getWidth();
        if (setup.altMin().rank() > Math.min(h, w)) {
            throw new IllegalArgumentException("rank " + setup.altMin().rank() + " is above the dimensions of " + name + " (" + w + "x" + h
                    + " pixels: at most " + Math.min(h, w) + ")");
        }
        boolean[] all = new boolean[h * w];
        java.util.Arrays.fill(all, true);
        boolean[] hide = HoldOut.hideMask(all, setup.hideFraction(), setup.hideSeed());
        HoldOut holdOut = new HoldOut();
        double[][] completed = new double[3][];
        for (int channel = 0; channel < 3; channel++) {
            double[] values = RgbImage.channel(image, channel);
            double mean = 0;
            long count = 0;
            for (int e = 0; e < values.length; e++) {
                if (!hide[e]) {
                    mean += values[e];
                    count++;
                }
            }
            double[] fill = {mean / Math.max(count, 1)};
            completed[channel] = holdOut.complete(h, w, values, all, hide, setup, fill, 0, 255, null, null);
        }
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int e = y * w + x;
                int r = (int) Math.round(completed[0][e]), g = (int) Math.round(completed[1][e]), b = (int) Math.round(completed[2][e]);
                out.setRGB(x, y, (r << 16) | (g << 8) | b);
            }
        }
        return new Result(out, holdOut.scores(setup.softImpute()));
    }
}
