package org.lowrank4j.linalg.quant;

/**
 * How a weight matrix is rounded: the code grid, the bit width and the group size.
 *
 * <p>A weight is seen as m×n with m = output channels (rows) and n = input features (columns), the
 * {@code y = W x} orientation of the method specs. Groups are runs of {@code groupSize} consecutive columns of one
 * row, so every output channel has {@code n / groupSize} groups, each with its own scale (and zero point). A group
 * size of {@link #WHOLE_ROW} means one group per output channel (per-channel quantization).
 *
 * <ul>
 *   <li>{@link Kind#SYMMETRIC}: value = (code − 2^(bits−1))·scale, codes 1 … 2^bits − 1, so the signed values are
 *       −(2^(bits−1) − 1) … 2^(bits−1) − 1 and zero is exact; scale = absmax / (2^(bits−1) − 1). No zero point is
 *       stored (the implicit one is 2^(bits−1), MatMulNBits' default).</li>
 *   <li>{@link Kind#ASYMMETRIC}: value = (code − zero)·scale, codes 0 … 2^bits − 1, with the range [min, max] of
 *       the group widened to include 0; scale = (max − min)/(2^bits − 1), zero = round(−min/scale), stored per
 *       group in {@code bits} bits.</li>
 *   <li>{@link Kind#NORMAL_FLOAT}: value = level[code]·scale with the normal-float code book of QLoRA / LQ-LoRA
 *       ({@link NormalFloat#levels}) and scale = absmax of the block (no double quantization of the scales).</li>
 * </ul>
 *
 * @param kind      the code grid
 * @param bits      code width: 2, 3, 4 or 8 for the uniform grids, 2, 3 or 4 for normal float
 * @param groupSize columns per group, or {@link #WHOLE_ROW}
 */
public record QuantizationFormat(Kind kind, int bits, int groupSize) {

    /** Group size meaning "one group per output channel". */
    public static final int WHOLE_ROW = 0;

    /** The code grid of a format. */
    public enum Kind { SYMMETRIC, ASYMMETRIC, NORMAL_FLOAT }

    public QuantizationFormat {
        if (kind == null) {
            throw new IllegalArgumentException("quantization kind must be given");
        }
        boolean supported = kind == Kind.NORMAL_FLOAT
                ? bits >= 2 && bits <= 4
                : bits == 2 || bits == 3 || bits == 4 || bits == 8;
        if (!supported) {
            throw new IllegalArgumentException("unsupported bit width " + bits + " for " + kind.name().toLowerCase()
                    + " quantization; supported: " + (kind == Kind.NORMAL_FLOAT ? "2, 3, 4" : "2, 3, 4, 8"));
        }
        if (groupSize < 0) {
            throw new IllegalArgumentException("group size must be positive (or 0 for one group per output channel), got "
                    + groupSize);
        }
    }

    /** int8, symmetric, one scale per output channel. */
    public static QuantizationFormat int8PerChannel() {
        return new QuantizationFormat(Kind.SYMMETRIC, 8, WHOLE_ROW);
    }

    /** Asymmetric b-bit codes with a scale and a zero point per group of {@code groupSize} input columns. */
    public static QuantizationFormat asymmetric(int bits, int groupSize) {
        return new QuantizationFormat(Kind.ASYMMETRIC, bits, groupSize);
    }

    /** Symmetric b-bit codes with a scale per group of {@code groupSize} input columns. */
    public static QuantizationFormat symmetric(int bits, int groupSize) {
        return new QuantizationFormat(Kind.SYMMETRIC, bits, groupSize);
    }

    /** NF4: 4-bit normal-float codes with an absmax scale per block of {@code blockSize} input columns. */
    public static QuantizationFormat nf4(int blockSize) {
        return new QuantizationFormat(Kind.NORMAL_FLOAT, 4, blockSize);
    }

    /** Largest code, 2^bits − 1. */
    public int maxCode() {
        return (1 << bits) - 1;
    }

    /** True when a zero point is stored per group. */
    public boolean hasZeroPoints() {
        return kind == Kind.ASYMMETRIC;
    }

    /**
     * The group size for a matrix with {@code columns} input features.
     *
     * @throws IllegalArgumentException when the group size does not divide the input dimension
     */
    public int groupSizeFor(int columns) {
        if (groupSize == WHOLE_ROW) {
            return columns;
        }
        if (columns % groupSize != 0) {
            throw new IllegalArgumentException("group size " + groupSize + " does not divide the input dimension "
                    + columns + " (" + columns + " = " + columns / groupSize + "·" + groupSize + " + "
                    + columns % groupSize + ")");
        }
        return groupSize;
    }

    /** e.g. "int4 asymmetric g128", "int8 symmetric per-channel", "nf4 g64". */
    @Override
    public String toString() {
        String group = groupSize == WHOLE_ROW ? "per-channel" : "g" + groupSize;
        return switch (kind) {
            case NORMAL_FLOAT -> "nf" + bits + " " + group;
            case SYMMETRIC -> "int" + bits + " symmetric " + group;
            case ASYMMETRIC -> "int" + bits + " asymmetric " + group;
        };
    }
}
