package org.lowrank4j.compress;

import org.lowrank4j.linalg.quant.QuantizationFormat;
import org.lowrank4j.linalg.quant.QuantizedMatrix;
import org.lowrank4j.linalg.quant.RoundToNearest;

/**
 * A low-rank branch {@code A·B} (A m×r, B r×n) stored in codes: each factor rounded to nearest on a symmetric grid
 * (EoRA's spec: "EoRA itself can be quantised"), as the two products of the layer read them — {@code first} is B
 * (r outputs, groups along the n inputs), {@code second} is A (m outputs, groups along the r inputs). In ONNX each
 * becomes a MatMulNBits node, whose blocks are 16 to 256 inputs, so the rank is a multiple of {@link #RANK_STEP}.
 *
 * @param first  B's codes, r×n
 * @param second A's codes, m×r
 */
public record QuantizedBranch(QuantizedMatrix first, QuantizedMatrix second) {

    /** Ranks of a quantized branch are multiples of this (MatMulNBits' smallest block along the rank). */
    public static final int RANK_STEP = 16;

    public QuantizedBranch {
        if (first == null || second == null) {
            throw new IllegalArgumentException("a quantized branch needs both factors");
        }
        if (first.rows() != second.cols()) {
            throw new IllegalArgumentException("quantized branch factors " + second.rows() + "x" + second.cols() + " and "
                    + first.rows() + "x" + first.cols() + " do not chain");
        }
    }

    /**
     * Rounds both factors of {@code branch} to {@code bits}-bit symmetric codes: B in groups of {@code group} of its
     * inputs, A in groups of the largest power of two that divides the rank, at most {@code group}.
     *
     * @throws IllegalArgumentException when the rank is not a positive multiple of {@link #RANK_STEP}, or the group does
     *     not divide the branch's inputs
     */
    public static QuantizedBranch round(LowRank branch, int bits, int group) {
        int rank = branch.rank();
        requireRank(rank);
        QuantizedMatrix first = RoundToNearest.quantize(branch.b(), QuantizationFormat.symmetric(bits, group));
        QuantizedMatrix second = RoundToNearest.quantize(branch.a(), QuantizationFormat.symmetric(bits, rankGroup(rank, group)));
        return new QuantizedBranch(first, second);
    }

    /** The group along the rank: the largest power of two dividing {@code rank}, at most {@code group}. */
    static int rankGroup(int rank, int group) {
        return Math.min(Integer.lowestOneBit(rank), Integer.highestOneBit(Math.max(group, RANK_STEP)));
    }

    /** @throws IllegalArgumentException unless {@code rank} is a positive multiple of {@link #RANK_STEP} */
    public static void requireRank(int rank) {
        if (rank < RANK_STEP || rank % RANK_STEP != 0) {
            throw new IllegalArgumentException("a quantized branch has a rank that is a multiple of " + RANK_STEP + ", got " + rank);
        }
    }

    /** Stored bytes of a rank-r branch of an m×n site at these bits and group: codes plus one float32 scale per group. */
    public static long bytes(int m, int n, int rank, int bits, int group) {
        int g2 = rankGroup(rank, group);
        long codes = ((long) rank * n + (long) m * rank) * bits / 8;
        long scales = 4L * ((long) rank * (n / group) + (long) m * (rank / g2));
        return codes + scales;
    }

    public int rank() {
        return first.rows();
    }

    /** The factors as the layer computes with them (dequantized, float64). */
    public LowRank dequantized() {
        return new LowRank(second.dequantize().toDouble(), first.dequantize().toDouble());
    }

    /** Codes and scales of both factors. */
    public long bytes() {
        return first.bytes() + second.bytes();
    }
}
