package org.lowrank4j.nn.layers;

import org.lowrank4j.nn.tensor.Tensor;

/**
 * Concatenation of channel-last images along the channel axis and its backward (the split): the skip connections of
 * a U-Net. {@code concat(a(B,H,W,Ca), b(B,H,W,Cb)) = y(B,H,W,Ca+Cb)}; the gradient of y splits back into the two parts.
 */
public final class Channels {
    private Channels() {
    }

    /** {@code y(B,H,W,Ca+Cb)}: a's channels first, then b's. */
    public static Tensor concat(Tensor a, Tensor b) {
        if (a.rank() != 4 || b.rank() != 4 || a.dim(0) != b.dim(0) || a.dim(1) != b.dim(1) || a.dim(2) != b.dim(2)) {
            throw new IllegalArgumentException("channel concatenation needs two (batch, height, width, channels) tensors of the same grid, got "
                    + a.shapeString() + " and " + b.shapeString());
        }
        if (a.precision() != b.precision()) {
            throw new IllegalArgumentException("channel concatenation of " + a.precision() + " and " + b.precision());
        }
        int pixels = a.dim(0) * a.dim(1) * a.dim(2), ca = a.dim(3), cb = b.dim(3);
        Tensor y = Tensor.zeros(a.precision(), a.dim(0), a.dim(1), a.dim(2), ca + cb);
        for (int p = 0; p < pixels; p++) {
            Runs.copy(a, p * ca, y, p * (ca + cb), ca);
            Runs.copy(b, p * cb, y, p * (ca + cb) + ca, cb);
        }
        return y;
    }

    /** Channels {@code [from, from + count)} of {@code y(B,H,W,C)} as a new tensor: the backward of {@link #concat}, one part at a time. */
    public static Tensor slice(Tensor y, int from, int count) {
        int c = y.dim(3);
        if (from < 0 || count < 0 || from + count > c) {
            throw new IllegalArgumentException("channels [" + from + ", " + (from + count) + ") are outside " + y.shapeString());
        }
        int pixels = y.dim(0) * y.dim(1) * y.dim(2);
        Tensor out = Tensor.zeros(y.precision(), y.dim(0), y.dim(1), y.dim(2), count);
        for (int p = 0; p < pixels; p++) {
            Runs.copy(y, p * c + from, out, p * count, count);
        }
        return out;
    }
}
