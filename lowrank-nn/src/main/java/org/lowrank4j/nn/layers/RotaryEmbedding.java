package org.lowrank4j.nn.layers;

import org.lowrank4j.nn.tensor.Kernels;
import org.lowrank4j.nn.tensor.Tensor;

/**
 * Rotary position embedding (RoPE) with the rotate-half convention of LLaMA and Hugging Face: dimension i of a
 * head is paired with i + D/2 and the pair is rotated by {@code position · invFreq[i]}, with
 * {@code invFreq[i] = theta^(−2i/D)} in the standard form. The cos/sin tables are computed once in float64 for
 * positions [0, maxPositions). Scaled variants (LLaMA 3, YaRN) only change the inverse frequencies: pass them to
 * the constructor.
 */
public final class RotaryEmbedding {
    private final int headSize;
    private final int maxPositions;
    private final double[] cos; // (maxPositions, D/2)
    private final double[] sin; // (maxPositions, D/2)

    /** Tables for the given inverse frequencies (D/2 of them) at positions [0, maxPositions). */
    public RotaryEmbedding(double[] inverseFrequencies, int maxPositions) {
        if (inverseFrequencies.length < 1 || maxPositions < 1) {
            throw new IllegalArgumentException("RoPE needs at least one frequency and one position, got "
                    + inverseFrequencies.length + " and " + maxPositions);
        }
        int half = inverseFrequencies.length;
        this.headSize = 2 * half;
        this.maxPositions = maxPositions;
        this.cos = new double[maxPositions * half];
        this.sin = new double[maxPositions * half];
        for (int p = 0; p < maxPositions; p++) {
            for (int i = 0; i < half; i++) {
                double angle = p * inverseFrequencies[i];
                cos[p * half + i] = Math.cos(angle);
                sin[p * half + i] = Math.sin(angle);
            }
        }
    }

    /** The standard frequencies {@code theta^(−2i/headSize)}, e.g. theta = 10000 (LLaMA 2) or 500000 (LLaMA 3). */
    public static RotaryEmbedding standard(int headSize, double theta, int maxPositions) {
        if (headSize < 2 || headSize % 2 != 0 || !(theta > 1)) {
            throw new IllegalArgumentException("RoPE needs an even head size and theta > 1, got " + headSize + " and " + theta);
        }
        double[] inv = new double[headSize / 2];
        for (int i = 0; i < inv.length; i++) {
            inv[i] = Math.pow(theta, -2.0 * i / headSize);
        }
        return new RotaryEmbedding(inv, maxPositions);
    }

    public int headSize() {
        return headSize;
    }

    public int maxPositions() {
        return maxPositions;
    }

    /**
     * Rotates {@code x(B,T,H·D)} in place, time step t at position {@code start + t}; {@code inverse} undoes the
     * rotation (which is also the backward pass, the rotation being orthogonal).
     */
    void apply(Tensor x, int start, boolean inverse) {
        int batch = x.dim(0), time = x.dim(1), heads = x.dim(2) / headSize;
        if (start < 0 || start + time > maxPositions) {
            throw new IllegalArgumentException("positions [" + start + ", " + (start + time) + ") exceed the " + maxPositions
                    + " positions the rotary tables were built for");
        }
        int[] positions = new int[time];
        for (int t = 0; t < time; t++) {
            positions[t] = start + t;
        }
        Kernels.of(x).rotate(x.reshape(batch, time, heads, headSize), positions, cos, sin, inverse);
    }
}
