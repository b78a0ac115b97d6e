package org.lowrank4j.algorithms.intrinsic;

import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;

/**
 * An image as row-major channel-last doubles: {@code values[(y·width + x)·channels + c]}. Linear (not gamma-encoded)
 * unless a method says otherwise. Immutable by convention: methods return new rasters.
 */
public record Raster(int height, int width, int channels, double[] values) {
    public Raster {
        if (height < 1 || width < 1 || channels < 1) {
            throw new IllegalArgumentException("an image needs a positive size and channel count, got " + height + "x" + width + "x" + channels);
        }
        if (values.length != (long) height * width * channels) {
            throw new IllegalArgumentException(values.length + " values cannot fill a " + height + "x" + width + "x" + channels + " image");
        }
    }

    public static Raster zeros(int height, int width, int channels) {
        return new Raster(height, width, channels, new double[height * width * channels]);
    }

    public int pixels() {
        return height * width;
    }

    public double get(int y, int x, int c) {
        return values[(y * width + x) * channels + c];
    }

    /** The mean over channels per pixel, a one-channel raster. */
    public Raster grey() {
        double[] out = new double[pixels()];
        for (int p = 0; p < out.length; p++) {
            double sum = 0;
            for (int c = 0; c < channels; c++) {
                sum += values[p * channels + c];
            }
            out[p] = sum / channels;
        }
        return new Raster(height, width, 1, out);
    }

    /**
     * Resampled to {@code h × w}: a box filter (the mean of the source pixels each target pixel covers) when shrinking,
     * bilinear with half-pixel centres when growing — per axis, separably.
     */
    public Raster resize(int h, int w) {
        if (h < 1 || w < 1) {
            throw new IllegalArgumentException("image size must be positive, got " + h + "x" + w);
        }
        if (h == height && w == width) {
            return this;
        }
        double[] rows = resample(values, height, width * channels, h);          // (h, width·C)
        double[] transposed = transpose(rows, h, width, channels);              // (width, h·C)
        double[] cols = resample(transposed, width, h * channels, w);           // (w, h·C)
        return new Raster(h, w, channels, transpose(cols, w, h, channels));
    }

    /** Resamples the first axis of an (n, stride) array to m entries. */
    private static double[] resample(double[] in, int n, int stride, int m) {
        double[] out = new double[m * stride];
        double scale = (double) n / m;
        for (int o = 0; o < m; o++) {
            if (m < n) { // box filter over [o·scale, (o+1)·scale)
                double from = o * scale, to = (o + 1) * scale;
                for (int i = (int) Math.floor(from); i < Math.min(n, (int) Math.ceil(to)); i++) {
                    double weight = (Math.min(to, i + 1) - Math.max(from, i)) / scale;
                    for (int k = 0; k < stride; k++) {
                        out[o * stride + k] += weight * in[i * stride + k];
                    }
                }
            } else {
                double src = Math.max(0, (o + 0.5) * scale - 0.5);
                int i0 = Math.min(n - 1, (int) Math.floor(src));
                int i1 = Math.min(n - 1, i0 + 1);
                double f = src - i0;
                for (int k = 0; k < stride; k++) {
                    out[o * stride + k] = (1 - f) * in[i0 * stride + k] + f * in[i1 * stride + k];
                }
            }
        }
        return out;
    }

    /** (a, b, C) → (b, a, C). */
    private static double[] transpose(double[] in, int a, int b, int c) {
        double[] out = new double[in.length];
        for (int i = 0; i < a; i++) {
            for (int j = 0; j < b; j++) {
                System.arraycopy(in, (i * b + j) * c, out, (j * a + i) * c, c);
            }
        }
        return out;
    }

    /** As a (1, H, W, C) tensor. */
    public Tensor toTensor(Precision precision) {
        return Tensor.of(precision, values, 1, height, width, channels);
    }

    /** Image {@code index} of a (B, H, W, C) tensor. */
    public static Raster fromTensor(Tensor t, int index) {
        int h = t.dim(1), w = t.dim(2), c = t.dim(3);
        double[] v = new double[h * w * c];
        for (int i = 0; i < v.length; i++) {
            v[i] = t.get(index * v.length + i);
        }
        return new Raster(h, w, c, v);
    }

    /** Stacks equally sized rasters into a (B, H, W, C) tensor. */
    public static Tensor batch(java.util.List<Raster> rasters, Precision precision) {
        Raster first = rasters.get(0);
        Tensor t = Tensor.zeros(precision, rasters.size(), first.height, first.width, first.channels);
        int n = first.values.length;
        for (int b = 0; b < rasters.size(); b++) {
            double[] v = rasters.get(b).values;
            for (int i = 0; i < n; i++) {
                t.set(b * n + i, v[i]);
            }
        }
        return t;
    }

    /** Concatenates the channels of rasters on the same grid. */
    public static Raster stackChannels(Raster... parts) {
        int c = 0;
        for (Raster r : parts) {
            if (r.height != parts[0].height || r.width != parts[0].width) {
                throw new IllegalArgumentException("cannot stack a " + r.height + "x" + r.width + " image onto a " + parts[0].height + "x" + parts[0].width + " one");
            }
            c += r.channels;
        }
        double[] out = new double[parts[0].pixels() * c];
        for (int p = 0; p < parts[0].pixels(); p++) {
            int k = 0;
            for (Raster r : parts) {
                System.arraycopy(r.values, p * r.channels, out, p * c + k, r.channels);
                k += r.channels;
            }
        }
        return new Raster(parts[0].height, parts[0].width, c, out);
    }

    /** Mirrored left–right. */
    public Raster flipped() {
        double[] out = new double[values.length];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                System.arraycopy(values, (y * width + x) * channels, out, (y * width + width - 1 - x) * channels, channels);
            }
        }
        return new Raster(height, width, channels, out);
    }
}
