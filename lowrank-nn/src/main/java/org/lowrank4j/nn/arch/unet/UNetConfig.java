package org.lowrank4j.nn.arch.unet;

import java.util.Arrays;

/**
 * The shape of a {@link UNet}: input and output channels and the widths of the stride-2 encoder levels (e.g. 16, 32,
 * 64: three levels, so input sides must be multiples of 2³ = 8).
 */
public record UNetConfig(int inChannels, int outChannels, int[] widths) {
    public UNetConfig {
        if (inChannels < 1 || outChannels < 1 || widths == null || widths.length < 1) {
            throw new IllegalArgumentException("a U-Net needs positive input and output channels and at least one level, got in="
                    + inChannels + " out=" + outChannels + " widths=" + Arrays.toString(widths));
        }
        for (int w : widths) {
            if (w < 1) {
                throw new IllegalArgumentException("U-Net level widths must be positive, got " + Arrays.toString(widths));
            }
        }
        widths = widths.clone();
    }

    @Override
    public int[] widths() {
        return widths.clone();
    }

    public int levels() {
        return widths.length;
    }

    /** The side every input must be a multiple of: 2^levels. */
    public int sideMultiple() {
        return 1 << widths.length;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof UNetConfig c && c.inChannels == inChannels && c.outChannels == outChannels && Arrays.equals(c.widths, widths);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * inChannels + outChannels) + Arrays.hashCode(widths);
    }

    @Override
    public String toString() {
        return "UNetConfig[in=" + inChannels + ", out=" + outChannels + ", widths=" + Arrays.toString(widths) + "]";
    }
}
