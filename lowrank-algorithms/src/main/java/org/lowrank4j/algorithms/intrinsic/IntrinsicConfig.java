package org.lowrank4j.algorithms.intrinsic;

import java.util.Arrays;

/**
 * The shape of an {@link IntrinsicModel}: the base side the ordinal network sees the whole image at (global
 * coherence), the high side it is also run at and the merge network works at (detail), and the U-Net level widths.
 * Sides are multiples of 2^levels. With {@code retinexInput} (null: none) the merge network also sees the log shading of that
 * tuned {@link Retinex} and predicts a correction to it (see {@link RetinexRefinement}); a deviation for CPU scale.
 */
public record IntrinsicConfig(int baseSize, int highSize, int[] widths, Retinex retinexInput) {
    /** Without a Retinex input: the paper's merge network (image and the two ordinal maps). */
    public IntrinsicConfig(int baseSize, int highSize, int[] widths) {
        this(baseSize, highSize, widths, null);
    }

    public IntrinsicConfig {
        int multiple = 1 << widths.length;
        if (baseSize < multiple || highSize < baseSize || baseSize % multiple != 0 || highSize % multiple != 0) {
            throw new IllegalArgumentException("base and high sizes must be positive multiples of " + multiple + " with base <= high, got base="
                    + baseSize + " high=" + highSize);
        }
        widths = widths.clone();
    }

    /** The spec's CPU-scale defaults: base 64, high 128, widths 16, 32, 64. */
    public static IntrinsicConfig defaults() {
        return new IntrinsicConfig(64, 128, new int[] {16, 32, 64});
    }

    /** The same shape with the merge network refining {@code retinex}'s shading. */
    public IntrinsicConfig withRetinexInput(Retinex retinex) {
        return new IntrinsicConfig(baseSize, highSize, widths, retinex);
    }

    /** Channels of the merge network's input: RGB, two ordinal maps, and the Retinex log shading when used. */
    public int mergeChannels() {
        return retinexInput == null ? 5 : 6;
    }

    @Override
    public int[] widths() {
        return widths.clone();
    }

    public int sideMultiple() {
        return 1 << widths.length;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof IntrinsicConfig c && c.baseSize == baseSize && c.highSize == highSize && Arrays.equals(c.widths, widths)
                && (c.retinexInput == null ? retinexInput == null : retinexInput != null
                        && c.retinexInput.greyThreshold() == retinexInput.greyThreshold() && c.retinexInput.colourThreshold() == retinexInput.colourThreshold());
    }

    @Override
    public int hashCode() {
        return 31 * (31 * (31 * baseSize + highSize) + Arrays.hashCode(widths)) + (retinexInput == null ? 0 : Double.hashCode(retinexInput.greyThreshold()));
    }
}
