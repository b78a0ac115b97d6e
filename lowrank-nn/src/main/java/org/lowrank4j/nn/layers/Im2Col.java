package org.lowrank4j.nn.layers;

import org.lowrank4j.nn.tensor.Tensor;

/**
 * The patch matrix of a 2-D convolution over channel-last images, and its transpose (the scatter back).
 *
 * <p>For an input {@code x(B,H,W,C)}, a square kernel k, a stride s and a zero padding p, the output grid is
 * {@code Ho = (H + 2p − k)/s + 1} by {@code Wo} likewise, and row {@code (b,i,j)} of {@code patches(B,Ho,Wo,k·k·C)}
 * holds the window whose top-left input pixel is {@code (i·s − p, j·s − p)}, in the column order
 * {@code (ky, kx, c)}; pixels outside the image read as zero. A convolution is then one product with the kernel matrix.
 */
final class Im2Col {
    private Im2Col() {
    }

    static int outputSize(int size, int kernel, int stride, int padding) {
        return (size + 2 * padding - kernel) / stride + 1;
    }

    /** {@code patches(B,Ho,Wo,k·k·C)} of {@code x(B,H,W,C)}. */
    static Tensor patches(Tensor x, int kernel, int stride, int padding) {
        int b = x.dim(0), h = x.dim(1), w = x.dim(2), c = x.dim(3);
        int ho = outputSize(h, kernel, stride, padding), wo = outputSize(w, kernel, stride, padding);
        int width = kernel * kernel * c;
        Tensor out = Tensor.zeros(x.precision(), b, ho, wo, width);
        for (int n = 0; n < b; n++) {
            for (int i = 0; i < ho; i++) {
                for (int j = 0; j < wo; j++) {
                    int row = ((n * ho + i) * wo + j) * width;
                    for (int ky = 0; ky < kernel; ky++) {
                        int y = i * stride - padding + ky;
                        if (y < 0 || y >= h) {
                            continue;
                        }
                        for (int kx = 0; kx < kernel; kx++) {
                            int xx = j * stride - padding + kx;
                            if (xx < 0 || xx >= w) {
                                continue;
                            }
                            int src = ((n * h + y) * w + xx) * c;
                            int dst = row + (ky * kernel + kx) * c;
                            Runs.copy(x, src, out, dst, c);
                        }
                    }
                }
            }
        }
        return out;
    }

    /** The transpose of {@link #patches}: {@code dx(B,H,W,C)} with every patch entry added back where it was read. */
    static Tensor scatter(Tensor dpatches, int[] inputShape, int kernel, int stride, int padding) {
        int b = inputShape[0], h = inputShape[1], w = inputShape[2], c = inputShape[3];
        int ho = dpatches.dim(1), wo = dpatches.dim(2);
        int width = kernel * kernel * c;
        Tensor dx = Tensor.zeros(dpatches.precision(), inputShape);
        for (int n = 0; n < b; n++) {
            for (int i = 0; i < ho; i++) {
                for (int j = 0; j < wo; j++) {
                    int row = ((n * ho + i) * wo + j) * width;
                    for (int ky = 0; ky < kernel; ky++) {
                        int y = i * stride - padding + ky;
                        if (y < 0 || y >= h) {
                            continue;
                        }
                        for (int kx = 0; kx < kernel; kx++) {
                            int xx = j * stride - padding + kx;
                            if (xx < 0 || xx >= w) {
                                continue;
                            }
                            int dst = ((n * h + y) * w + xx) * c;
                            int src = row + (ky * kernel + kx) * c;
                            Runs.add(dpatches, src, dx, dst, c, 1);
                        }
                    }
                }
            }
        }
        return dx;
    }
}
