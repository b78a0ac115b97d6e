package org.lowrank4j.nn.layers;

import java.util.List;
import org.lowrank4j.nn.Layer;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.tensor.Tensor;

/**
 * Bilinear 2× upsampling of channel-last images, {@code x(B,H,W,C) → y(B,2H,2W,C)}, with half-pixel centres (PyTorch's
 * {@code align_corners=False}): output row o samples input row {@code o/2 − 1/4}, clamped to the image, so even rows
 * mix {@code ¾·x[o/2] + ¼·x[o/2 − 1]} and odd rows {@code ¾·x[(o−1)/2] + ¼·x[(o+1)/2]}. The map is linear; backward
 * applies its transpose.
 */
public final class Upsample2x implements Layer {
    private int[] inputShape;

    @Override
    public Tensor forward(Tensor x) {
        if (x.rank() != 4) {
            throw new IllegalArgumentException("upsample: input " + x.shapeString() + " is not (batch, height, width, channels)");
        }
        inputShape = x.shape();
        int b = x.dim(0), h = x.dim(1), w = x.dim(2), c = x.dim(3);
        Tensor y = Tensor.zeros(x.precision(), b, 2 * h, 2 * w, c);
        int[][] rows = taps(h), cols = taps(w);
        double[] near = {0.75, 0.25};
        for (int n = 0; n < b; n++) {
            for (int o = 0; o < 2 * h; o++) {
                for (int p = 0; p < 2 * w; p++) {
                    int dst = ((n * 2 * h + o) * 2 * w + p) * c;
                    for (int a = 0; a < 2; a++) {
                        for (int e = 0; e < 2; e++) {
                            double weight = near[a] * near[e];
                            int src = ((n * h + rows[o][a]) * w + cols[p][e]) * c;
                            Runs.add(x, src, y, dst, c, weight);
                        }
                    }
                }
            }
        }
        return y;
    }

    @Override
    public Tensor backward(Tensor dy) {
        if (inputShape == null) {
            throw new IllegalStateException("upsample: backward called before forward");
        }
        int b = inputShape[0], h = inputShape[1], w = inputShape[2], c = inputShape[3];
        if (!dy.hasShape(b, 2 * h, 2 * w, c)) {
            throw new IllegalArgumentException("upsample: output gradient " + dy.shapeString() + " does not match the latest output");
        }
        Tensor dx = Tensor.zeros(dy.precision(), inputShape);
        int[][] rows = taps(h), cols = taps(w);
        double[] near = {0.75, 0.25};
        for (int n = 0; n < b; n++) {
            for (int o = 0; o < 2 * h; o++) {
                for (int p = 0; p < 2 * w; p++) {
                    int src = ((n * 2 * h + o) * 2 * w + p) * c;
                    for (int a = 0; a < 2; a++) {
                        for (int e = 0; e < 2; e++) {
                            double weight = near[a] * near[e];
                            int dst = ((n * h + rows[o][a]) * w + cols[p][e]) * c;
                            Runs.add(dy, src, dx, dst, c, weight);
                        }
                    }
                }
            }
        }
        return dx;
    }

    /** For each output index o of an axis of input size n: the near input index (weight ¾) and the far one (weight ¼). */
    private static int[][] taps(int n) {
        int[][] taps = new int[2 * n][2];
        for (int o = 0; o < 2 * n; o++) {
            int nearIndex = o / 2;
            int farIndex = o % 2 == 0 ? nearIndex - 1 : nearIndex + 1;
            taps[o][0] = nearIndex;
            taps[o][1] = Math.max(0, Math.min(n - 1, farIndex));
        }
        return taps;
    }

    @Override
    public List<Parameter> parameters() {
        return List.of();
    }
}
