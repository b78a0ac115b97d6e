package org.lowrank4j.linalg.quant;

import org.lowrank4j.linalg.DenseMatrix;
import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.linalg.Linalg;
import org.lowrank4j.linalg.decomposition.Cholesky;
import org.lowrank4j.linalg.decomposition.TriangularSolve;

/**
 * GPTQ (Frantar et al., "GPTQ: Accurate Post-Training Quantization for Generative Pre-trained Transformers",
 * ICLR 2023, arXiv:2210.17323): rounds W column by column (input feature by input feature) and spreads each
 * column's rounding error over the columns not yet rounded, so as to keep the layer output X·Wᵀ close, with
 * X the calibration inputs and H = XᵀX their Gram matrix.
 *
 * <p>Steps, all in float64:
 * <ol>
 *   <li>Dead inputs (H_jj = 0) get H_jj = 1 and their weight column set to 0 (the output never sees them).</li>
 *   <li>Damping: H += λ·mean(diag H)·I, λ = 1% by default.</li>
 *   <li>U = the upper Cholesky factor of H⁻¹ (H⁻¹ = UᵀU), computed as H = LLᵀ, H⁻¹ = L⁻ᵀL⁻¹, then Cholesky of H⁻¹.</li>
 *   <li>For each column j: round w_j (m values) to q_j on its group's grid; e = (w_j − q_j)/U_jj; every later column
 *       k of the block gets w_k −= e·U_jk. After a block (128 columns by default) the later columns receive the
 *       whole block's errors at once: W[:, rest] −= E·U[block, rest] (the "lazy batch" update).</li>
 *   <li>Group grids are fitted when the pass reaches a group's first column, from the weights as updated so far
 *       (the pass's block length is rounded to a multiple of the group size, so a group never straddles two
 *       blocks and every one of its columns already has the errors of the columns before it). Per-channel formats
 *       fit one grid per row from the whole row before the pass, as GPTQ does.</li>
 * </ol>
 * Columns are taken in their natural order (no activation ordering). The result has exactly the format and layout
 * of {@link RoundToNearest}.
 */
public final class GptqRounding {

    /** λ: the damping added to H's diagonal, as a fraction of its mean. */
    public static final double DEFAULT_RELATIVE_DAMPING = 0.01;
    /** Columns per lazy-update block. */
    public static final int DEFAULT_BLOCK_SIZE = 128;

    private final double relativeDamping;
    private final int blockSize;

    public GptqRounding() {
        this(DEFAULT_RELATIVE_DAMPING, DEFAULT_BLOCK_SIZE);
    }

    /**
     * @param relativeDamping λ ≥ 0, the damping as a fraction of mean(diag H)
     * @param blockSize       columns per lazy-update block, at least 1
     */
    public GptqRounding(double relativeDamping, int blockSize) {
        if (!(relativeDamping >= 0) || Double.isInfinite(relativeDamping) || blockSize < 1) {
            throw new IllegalArgumentException("GPTQ needs a finite damping >= 0 and a block size >= 1, got "
                    + relativeDamping + " and " + blockSize);
        }
        this.relativeDamping = relativeDamping;
        this.blockSize = blockSize;
    }

    /**
     * Quantizes W (m×n, rows = output channels) given the Gram matrix H = XᵀX (n×n, a sum or a mean) of its inputs.
     *
     * @throws IllegalArgumentException on a non-finite or empty W, a group size that does not divide n, or a Gram
     *     matrix that is not n×n, not finite, or has a negative diagonal entry
     * @throws ArithmeticException when H stays indefinite after damping
     */
    public QuantizedMatrix quantize(DenseMatrix weight, DenseMatrix gram, QuantizationFormat format) {
        RoundToNearest.requireQuantizable(weight, format);
        int m = weight.rows();
        int n = weight.cols();
        if (gram == null || gram.rows() != n || gram.cols() != n) {
            throw new IllegalArgumentException("GPTQ needs the " + n + "x" + n + " Gram matrix of the inputs of a "
                    + weight.shape() + " weight, got " + (gram == null ? "none" : gram.shape()));
        }
        Linalg.requireFinite("Gram matrix", gram);

        // Work on Wᵀ (n×m): column j of W is the contiguous row j of wt.
        double[] wt = weight.toDouble().transpose().copy().data();
        DoubleMatrix h = DoubleMatrix.zeros(n, n);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                h.set(i, j, 0.5 * (gram.get(i, j) + gram.get(j, i)));
            }
        }
        double meanDiagonal = 0;
        for (int j = 0; j < n; j++) {
            double d = h.get(j, j);
            if (d < 0) {
                throw new IllegalArgumentException("Gram matrix has a negative diagonal entry " + d + " at " + j
                        + "; it must be XᵀX");
            }
            if (d == 0) {
                h.set(j, j, 1);
                java.util.Arrays.fill(wt, j * m, (j + 1) * m, 0);
            }
            meanDiagonal += h.get(j, j) / n;
        }
        for (int j = 0; j < n; j++) {
            h.set(j, j, h.get(j, j) + relativeDamping * meanDiagonal);
        }
        DoubleMatrix upper = upperCholeskyOfInverse(h);

        QuantizedMatrixBuilder builder = new QuantizedMatrixBuilder(format, m, n);
        int groupSize = builder.groupSize;
        boolean perChannel = groupSize == n;
        GroupGrid[] grids = new GroupGrid[m];
        if (perChannel) {
            for (int r = 0; r < m; r++) {
                double min = Double.POSITIVE_INFINITY;
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < n; j++) {
                    min = Math.min(min, wt[j * m + r]);
                    max = Math.max(max, wt[j * m + r]);
                }
                grids[r] = builder.fitGroup(r, 0, min, max);
            }
        }
        int block = perChannel ? blockSize : groupSize * Math.max(1, blockSize / groupSize);

        for (int start = 0; start < n; start += block) {
            int end = Math.min(n, start + block);
            DoubleMatrix errors = DoubleMatrix.zeros(end - start, m); // row j − start: the scaled error of column j
            double[] e = errors.data();
            for (int j = start; j < end; j++) {
                if (!perChannel && j % groupSize == 0) {
                    fitGroups(builder, grids, wt, m, j, groupSize);
                }
                double diagonal = upper.get(j, j);
                int errorRow = (j - start) * m;
                for (int r = 0; r < m; r++) {
                    double w = wt[j * m + r];
                    int code = grids[r].encode(w);
                    builder.setCode(r, j, code);
                    e[errorRow + r] = (w - grids[r].decode(code)) / diagonal;
                }
                for (int k = j + 1; k < end; k++) {
                    double u = upper.get(j, k);
                    if (u != 0) {
                        for (int r = 0; r < m; r++) {
                            wt[k * m + r] -= u * e[errorRow + r];
                        }
                    }
                }
            }
            if (end < n) { // Wᵀ[end:, :] −= U[start:end, end:]ᵀ · E
                DoubleMatrix update = Linalg.multiply(upper.view(start, end, end, n).transpose(), errors);
                double[] u = update.data();
                for (int i = 0; i < u.length; i++) {
                    wt[end * m + i] -= u[i];
                }
            }
        }
        return builder.build();
    }

    /** Fits the grid of the group starting at column {@code first} for every row, from the current weights. */
    private static void fitGroups(QuantizedMatrixBuilder builder, GroupGrid[] grids, double[] wt, int m, int first,
            int groupSize) {
        for (int r = 0; r < m; r++) {
            double min = Double.POSITIVE_INFINITY;
            double max = Double.NEGATIVE_INFINITY;
            for (int j = first; j < first + groupSize; j++) {
                double w = wt[j * m + r];
                min = Math.min(min, w);
                max = Math.max(max, w);
            }
            grids[r] = builder.fitGroup(r, first / groupSize, min, max);
        }
    }

    /** U upper triangular with H⁻¹ = UᵀU, for symmetric positive definite H. */
    static DoubleMatrix upperCholeskyOfInverse(DoubleMatrix h) {
        int n = h.rows();
        Cholesky cholesky = new Cholesky();
        DoubleMatrix lower = cholesky.decompose(h).lower();
        DoubleMatrix lowerInverse = new TriangularSolve().lower(lower, DoubleMatrix.identity(n));
        DoubleMatrix inverse = Linalg.gram(lowerInverse); // L⁻ᵀ L⁻¹ = H⁻¹
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < i; j++) {
                double mean = 0.5 * (inverse.get(i, j) + inverse.get(j, i));
                inverse.set(i, j, mean);
                inverse.set(j, i, mean);
            }
        }
        return cholesky.decompose(inverse).lower().transpose().copy();
    }
}
