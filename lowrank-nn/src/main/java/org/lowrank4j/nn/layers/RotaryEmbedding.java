package org.lowrank4j.nn.layers;

import org.lowrank4j.nn.tensor.Kernels;
import org.lowrank4j.nn.tensor.Tensor;

/**
 * Rotary position embedding (RoPE) with the rotate-half convention of LLaMA and Hugging Face: dimension i of a
 * head is paired with i + D/2 and the pair is rotated by {@code position · invFreq[i]}, with
 * {@code invFreq[i] = theta^(−2i/D)} in the standard form. The cos/sin tables are computed once in float64 for
 * positions [0, maxPositions). Scaled variants ({@link RopeScaling}: linear, LLaMA 3, YaRN) change the inverse
 * frequencies, and YaRN also multiplies cos and sin by an attention factor m, so that the "rotation" is m·R.
 *
 * <p>Grouped tables ({@link #grouped}) give each group of heads its own frequencies: a head whose dimensions were
 * selected out of a wider one (MoDeGPT's Q·K selection keeps pairs (i, i + D/2) with their original frequencies) rotates
 * its pair j by the frequency of the original pair it came from. With G groups and H heads, head h uses group
 * {@code h / (H / G)} (the grouped-query convention: a key/value head and the query heads that read it share one).
 */
public final class RotaryEmbedding {
    private final int headSize;
    private final int maxPositions;
    private final int groups;
    private final double[] cos; // (groups, maxPositions, D/2)
    private final double[] sin; // (groups, maxPositions, D/2)

    /** Tables for the given inverse frequencies (D/2 of them) at positions [0, maxPositions). */
    public RotaryEmbedding(double[] inverseFrequencies, int maxPositions) {
        this(new double[][] {inverseFrequencies}, maxPositions, 1);
    }

    /** Tables for a config's (possibly scaled) frequencies, cos and sin multiplied by their attention factor. */
    public static RotaryEmbedding of(RopeScaling.Frequencies frequencies, int maxPositions) {
        return new RotaryEmbedding(new double[][] {frequencies.inverse()}, maxPositions, frequencies.attentionFactor());
    }

    private RotaryEmbedding(double[][] groupFrequencies, int maxPositions, double attentionFactor) {
        int half = groupFrequencies[0].length;
        if (half < 1 || maxPositions < 1) {
            throw new IllegalArgumentException("RoPE needs at least one frequency and one position, got " + half + " and " + maxPositions);
        }
        if (!(attentionFactor > 0) || Double.isInfinite(attentionFactor)) {
            throw new IllegalArgumentException("RoPE attention factor must be positive and finite, got " + attentionFactor);
        }
        this.headSize = 2 * half;
        this.maxPositions = maxPositions;
        this.groups = groupFrequencies.length;
        this.cos = new double[groups * maxPositions * half];
        this.sin = new double[groups * maxPositions * half];
        for (int g = 0; g < groups; g++) {
            if (groupFrequencies[g].length != half) {
                throw new IllegalArgumentException("RoPE group " + g + " has " + groupFrequencies[g].length + " frequencies, group 0 has " + half);
            }
            for (int p = 0; p < maxPositions; p++) {
                for (int i = 0; i < half; i++) {
                    double angle = p * groupFrequencies[g][i];
                    int at = (g * maxPositions + p) * half + i;
                    cos[at] = attentionFactor * Math.cos(angle);
                    sin[at] = attentionFactor * Math.sin(angle);
                }
            }
        }
    }

    /**
     * Tables with frequencies per group of heads: {@code groupFrequencies[g]} (D/2 each, all groups of one length) for
     * the heads of group g; cos and sin multiplied by {@code attentionFactor} (1 but for YaRN).
     */
    public static RotaryEmbedding grouped(double[][] groupFrequencies, int maxPositions, double attentionFactor) {
        if (groupFrequencies.length < 1) {
            throw new IllegalArgumentException("grouped RoPE needs at least one group");
        }
        return new RotaryEmbedding(groupFrequencies, maxPositions, attentionFactor);
    }

    /** The standard inverse frequencies {@code theta^(−2i/headSize)}, i < headSize/2. */
    public static double[] standardFrequencies(int headSize, double theta) {
        if (headSize < 2 || headSize % 2 != 0 || !(theta > 1)) {
            throw new IllegalArgumentException("RoPE needs an even head size and theta > 1, got " + headSize + " and " + theta);
        }
        double[] inv = new double[headSize / 2];
        for (int i = 0; i < inv.length; i++) {
            inv[i] = Math.pow(theta, -2.0 * i / headSize);
        }
        return inv;
    }

    /** The standard frequencies {@code theta^(−2i/headSize)}, e.g. theta = 10000 (LLaMA 2) or 500000 (LLaMA 3). */
    public static RotaryEmbedding standard(int headSize, double theta, int maxPositions) {
        return new RotaryEmbedding(standardFrequencies(headSize, theta), maxPositions);
    }

    public int headSize() {
        return headSize;
    }

    public int maxPositions() {
        return maxPositions;
    }

    /** Number of frequency groups (1 for ordinary RoPE). */
    public int groups() {
        return groups;
    }

    /** cos of the angle of pair {@code pair} (of D/2) at {@code position} in frequency group {@code group}, as the tables hold it. */
    public double cos(int group, int position, int pair) {
        return cos[tableIndex(group, position, pair)];
    }

    /** sin of the same angle; see {@link #cos(int, int, int)}. */
    public double sin(int group, int position, int pair) {
        return sin[tableIndex(group, position, pair)];
    }

    private int tableIndex(int group, int position, int pair) {
        int half = headSize / 2;
        if (group < 0 || group >= groups || position < 0 || position >= maxPositions || pair < 0 || pair >= half) {
            throw new IndexOutOfBoundsException("RoPE table entry (group " + group + ", position " + position + ", pair " + pair + ") outside "
                    + groups + " × " + maxPositions + " × " + half);
        }
        return (group * maxPositions + position) * half + pair;
    }

    /**
     * Rotates one head's rows {@code x (1, T, D)} in place, row t at position {@code start + t}, with the tables of
     * frequency group {@code group} (0 for ordinary RoPE): what a kernel that expands one head at a time needs.
     */
    public void applyToHead(Tensor x, int start, int group) {
        if (x.rank() != 3 || x.dim(0) != 1 || x.dim(2) != headSize) {
            throw new IllegalArgumentException("one head's rows must be (1, T, " + headSize + "), got " + x.shapeString());
        }
        int time = x.dim(1);
        if (group < 0 || group >= groups || start < 0 || start + time > maxPositions) {
            throw new IllegalArgumentException("group " + group + " and positions [" + start + ", " + (start + time) + ") do not fit "
                    + groups + " frequency group(s) of " + maxPositions + " positions");
        }
        int[] rows = new int[time];
        for (int t = 0; t < time; t++) {
            rows[t] = group * maxPositions + start + t;
        }
        Kernels.of(x).rotate(x.reshape(1, time, 1, headSize), rows, cos, sin, false);
    }

    /**
     * Rotates {@code x(B,T,H·D)} in place, time step t at position {@code start + t}; {@code inverse} applies the
     * transpose, which is the backward pass (and undoes the rotation when the attention factor is 1).
     */
    public void apply(Tensor x, int start, boolean inverse) {
        int batch = x.dim(0), time = x.dim(1), heads = x.dim(2) / headSize;
        if (start < 0 || start + time > maxPositions) {
            throw new IllegalArgumentException("positions [" + start + ", " + (start + time) + ") exceed the " + maxPositions
                    + " positions the rotary tables were built for");
        }
        if (groups == 1) {
            int[] positions = new int[time];
            for (int t = 0; t < time; t++) {
                positions[t] = start + t;
            }
            Kernels.of(x).rotate(x.reshape(batch, time, heads, headSize), positions, cos, sin, inverse);
            return;
        }
        if (heads % groups != 0) {
            throw new IllegalArgumentException("RoPE with " + groups + " frequency groups cannot rotate " + heads + " heads");
        }
        // each (t, h) becomes its own row with one head; its table row is (group of h, position) in the stacked tables
        int perGroup = heads / groups;
        int[] rows = new int[time * heads];
        for (int t = 0; t < time; t++) {
            for (int h = 0; h < heads; h++) {
                rows[t * heads + h] = (h / perGroup) * maxPositions + start + t;
            }
        }
        Kernels.of(x).rotate(x.reshape(batch, time * heads, 1, headSize), rows, cos, sin, inverse);
    }
}
