package org.lowrank4j.nn.arch.mamba;

/**
 * Causal depthwise convolution over positions, one length-K filter and a bias per channel, left-padded with zeros:
 * {@code out[t,c] = bias[c] + Σ_k w[c,k] · in[t − (K−1) + k, c]} (PyTorch's Conv1d with groups = channels, padding
 * K − 1, the first L outputs kept). Shapes: in, out (B, L, C); w (C, K); bias (C).
 */
final class CausalConv {
    private CausalConv() {
    }

    static double[] forward(double[] in, double[] w, double[] bias, int batch, int length, int channels, int width) {
        double[] out = new double[in.length];
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < length; t++) {
                int row = (b * length + t) * channels;
                for (int c = 0; c < channels; c++) {
                    double sum = bias[c];
                    for (int k = Math.max(0, width - 1 - t); k < width; k++) {
                        sum += w[c * width + k] * in[(b * length + t - (width - 1) + k) * channels + c];
                    }
                    out[row + c] = sum;
                }
            }
        }
        return out;
    }

    /** dout (B,L,C) → din (B,L,C); adds into dw (C,K) and dbias (C). */
    static double[] backward(double[] dout, double[] in, double[] w, double[] dw, double[] dbias, int batch, int length, int channels,
            int width) {
        double[] din = new double[in.length];
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < length; t++) {
                int row = (b * length + t) * channels;
                for (int c = 0; c < channels; c++) {
                    double g = dout[row + c];
                    dbias[c] += g;
                    for (int k = Math.max(0, width - 1 - t); k < width; k++) {
                        int source = (b * length + t - (width - 1) + k) * channels + c;
                        dw[c * width + k] += g * in[source];
                        din[source] += g * w[c * width + k];
                    }
                }
            }
        }
        return din;
    }
}
