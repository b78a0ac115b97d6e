package org.lowrank4j.algorithms.images;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;

/** The RGB check and channel access shared by the algorithms that read photos (inpainting, tensor decompositions). */
public final class RgbImage {
    private RgbImage() {
    }

    /** Throws unless the image has exactly three colour components in an RGB colour space and no alpha. */
    public static void requireRgb(BufferedImage image, String name) {
        ColorModel model = image.getColorModel();
        int components = model.getNumColorComponents();
        if (model.getColorSpace().getType() != ColorSpace.TYPE_RGB || components != 3) {
            String kind = model.getColorSpace().getType() == ColorSpace.TYPE_GRAY ? "grayscale" : components + "-component";
            throw new IllegalArgumentException(name + " is a " + kind + " image; this needs an RGB image (3 channels)");
        }
        if (model.hasAlpha()) {
            throw new IllegalArgumentException(name + " has an alpha channel; this needs an RGB image without transparency");
        }
    }

    /** One channel (0 red, 1 green, 2 blue) as a row-major h×w array of 0–255 values. */
    public static double[] channel(BufferedImage image, int channel) {
        int h = image.getHeight(), w = image.getWidth();
        int[] rgb = image.getRGB(0, 0, w, h, null, 0, w);
        double[] values = new double[h * w];
        int shift = 16 - 8 * channel;
        for (int e = 0; e < values.length; e++) {
            values[e] = (rgb[e] >> shift) & 0xFF;
        }
        return values;
    }
}
