package org.lowrank4j.algorithms.intrinsic;

import java.awt.image.BufferedImage;
import org.lowrank4j.algorithms.images.RgbImage;

/** The sRGB transfer function (IEC 61966-2-1) and conversions between 8-bit images and linear rasters. */
public final class Srgb {
    private Srgb() {
    }

    /** Encoded value in [0, 1] → linear. */
    public static double toLinear(double v) {
        return v <= 0.04045 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    }

    /** Linear value (clipped to [0, 1]) → encoded. */
    public static double fromLinear(double v) {
        double x = Math.min(1, Math.max(0, v));
        return x <= 0.0031308 ? 12.92 * x : 1.055 * Math.pow(x, 1 / 2.4) - 0.055;
    }

    /**
     * An RGB image as a linear 3-channel raster (8-bit values decoded). A single-channel (greyscale) image is read from
     * its stored samples, taken as sRGB-encoded, and repeated on the three channels.
     */
    public static Raster linear(BufferedImage image, String name) {
        if (image.getColorModel().getNumComponents() == 1) {
            return greyLinear(image);
        }
        RgbImage.requireRgb(image, name);
        int h = image.getHeight(), w = image.getWidth();
        double[] out = new double[h * w * 3];
        for (int c = 0; c < 3; c++) {
            double[] channel = RgbImage.channel(image, c);
            for (int p = 0; p < h * w; p++) {
                out[p * 3 + c] = toLinear(channel[p] / 255.0);
            }
        }
        return new Raster(h, w, 3, out);
    }

    private static Raster greyLinear(BufferedImage image) {
        int h = image.getHeight(), w = image.getWidth();
        double top = (1 << image.getColorModel().getComponentSize(0)) - 1;
        double[] out = new double[h * w * 3];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                double v = toLinear(image.getRaster().getSample(x, y, 0) / top);
                for (int c = 0; c < 3; c++) {
                    out[(y * w + x) * 3 + c] = v;
                }
            }
        }
        return new Raster(h, w, 3, out);
    }

    /** A linear raster of 1 or 3 channels, sRGB-encoded and rounded to 8 bits, as an RGB image (grey repeated). */
    public static BufferedImage image(Raster linear) {
        if (linear.channels() != 1 && linear.channels() != 3) {
            throw new IllegalArgumentException("only 1- or 3-channel images can be written, got " + linear.channels());
        }
        BufferedImage out = new BufferedImage(linear.width(), linear.height(), BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < linear.height(); y++) {
            for (int x = 0; x < linear.width(); x++) {
                int rgb = 0;
                for (int c = 0; c < 3; c++) {
                    double v = linear.get(y, x, linear.channels() == 1 ? 0 : c);
                    rgb = (rgb << 8) | (int) Math.round(255 * fromLinear(v));
                }
                out.setRGB(x, y, rgb);
            }
        }
        return out;
    }

    /** The raster as an 8-bit camera would record it: sRGB-encoded, rounded to 8 bits, decoded back to linear. */
    public static Raster quantized(Raster linear) {
        double[] out = new double[linear.values().length];
        for (int i = 0; i < out.length; i++) {
            out[i] = toLinear(Math.round(255 * fromLinear(linear.values()[i])) / 255.0);
        }
        return new Raster(linear.height(), linear.width(), linear.channels(), out);
    }
}
