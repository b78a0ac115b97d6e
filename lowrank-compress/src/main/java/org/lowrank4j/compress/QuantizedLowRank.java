package org.lowrank4j.compress;

import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.linalg.quant.QuantizedMatrix;

/**
 * A quantized base plus a float32 low-rank branch: {@code W ≈ dequantize(Q) + A·B} with Q m×n, A m×r, B r×n. The layer
 * computes {@code y = dequantize(Q) x + A (B x) + b}; ONNX writes the base as MatMulNBits and the branch as two float
 * MatMuls added to it. With an input scale s (SVDQuant) the base reads x ⊙ s and the branch x:
 * {@code W ≈ dequantize(Q)·diag(s) + A·B}. Bytes: the base's exact storage plus 4·r(m + n) for float32 factors, or the
 * codes and scales of a {@link QuantizedBranch} (plus 4·n for the scale).
 *
 * @param inputScale     the per-input-channel scale of the base's input, or null
 * @param branchCodes    the branch in codes, or null for float32 factors; when given, {@code branch} holds its
 *                       dequantized values (what the layer computes with)
 */
public record QuantizedLowRank(QuantizedMatrix base, LowRank branch, InputScale inputScale, QuantizedBranch branchCodes) implements Factorization {

    /** Base plus branch, the base reading x as it is. */
    public QuantizedLowRank(QuantizedMatrix base, LowRank branch) {
        this(base, branch, null, null);
    }

    /** Base plus a float32 branch. */
    public QuantizedLowRank(QuantizedMatrix base, LowRank branch, InputScale inputScale) {
        this(base, branch, inputScale, null);
    }

    public QuantizedLowRank {
        if (base == null || branch == null) {
            throw new IllegalArgumentException("a quantized low-rank factorization needs a base and a branch");
        }
        if (branch.biasShift() != null) {
            throw new IllegalArgumentException("a low-rank branch beside a quantized base carries no bias shift");
        }
        if (branch.a().rows() != base.rows() || branch.b().cols() != base.cols()) {
            throw new IllegalArgumentException("branch " + branch.a().rows() + "x" + branch.b().cols() + " does not match the quantized base "
                    + base.rows() + "x" + base.cols());
        }
        InputScale.requireFits(inputScale, base.cols());
        if (branchCodes != null && branchCodes.rank() != branch.rank()) {
            throw new IllegalArgumentException("branch codes of rank " + branchCodes.rank() + " beside a rank-" + branch.rank() + " branch");
        }
    }

    /**
     * The same base with the branch's factors rounded to {@code bits}-bit codes (B in groups of {@code group} inputs);
     * the branch becomes their dequantized values.
     *
     * @throws IllegalArgumentException when the rank is not a multiple of {@link QuantizedBranch#RANK_STEP}
     */
    public QuantizedLowRank withBranchCodes(int bits, int group) {
        QuantizedBranch codes = QuantizedBranch.round(branch, bits, group);
        return new QuantizedLowRank(base, codes.dequantized(), inputScale, codes);
    }

    public int rank() {
        return branch.rank();
    }

    /** Codes of the base plus the branch's factor parameters. */
    @Override
    public long parameterCount() {
        return (long) base.rows() * base.cols() + branch.parameterCount() + (inputScale == null ? 0 : inputScale.size());
    }

    @Override
    public long bytes() {
        long branchBytes = branchCodes == null ? 4 * branch.parameterCount() : branchCodes.bytes();
        return base.bytes() + branchBytes + (inputScale == null ? 0 : inputScale.bytes());
    }

    @Override
    public DoubleMatrix toDense() {
        DoubleMatrix sum = base.dequantize().toDouble().copy();
        if (inputScale != null) {
            inputScale.scaleColumns(sum);
        }
        DoubleMatrix ab = branch.toDense();
        for (int i = 0; i < sum.rows(); i++) {
            for (int j = 0; j < sum.cols(); j++) {
                sum.set(i, j, sum.get(i, j) + ab.get(i, j));
            }
        }
        return sum;
    }

    @Override
    public String describe() {
        return "quantized " + base.format() + (inputScale == null ? "" : inputScale.describe()) + " + low-rank r=" + rank()
                + (branchCodes == null ? "" : " (int" + branchCodes.first().bits() + " factors)");
    }
}
