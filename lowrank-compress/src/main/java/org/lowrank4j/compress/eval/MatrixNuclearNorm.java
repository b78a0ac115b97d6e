package org.lowrank4j.compress.eval;

import java.util.Arrays;

/**
 * Matrix Nuclear-Norm (spec c18; Li et al., arXiv:2410.10672): a label-free probe of a representation
 * Z (N tokens × d), the nuclear norm approximated without an SVD by an L1,2 norm. Centre Z over tokens, scale each
 * token row to unit length, take the L2 norm of every column and sum the D = min(N, d) largest:
 * {@code MNN(Z) = Σ_{j≤D} c_(j)}. Since {@code ‖Z‖_* ≤ Σ_j ‖Z[:, j]‖₂} with equality for orthogonal columns,
 * larger values mean more diverse, less redundant representations. O(N·d) work.
 */
public final class MatrixNuclearNorm {
    private MatrixNuclearNorm() {
    }

    /**
     * MNN of Z (row-major, {@code rows × cols}, not modified). Rows that are zero after centring (a token equal to
     * the mean) are left at zero rather than divided by zero.
     *
     * @throws IllegalArgumentException for fewer than 2 rows (centring leaves nothing) or a wrong array length
     */
    public static double of(double[] z, int rows, int cols) {
        if (rows < 2 || cols < 1 || z.length != (long) rows * cols) {
            throw new IllegalArgumentException("MNN needs at least 2 token rows of at least 1 feature; got " + z.length + " values for "
                    + rows + "x" + cols);
        }
        double[] mean = new double[cols];
        for (int t = 0; t < rows; t++) {
            for (int j = 0; j < cols; j++) {
                mean[j] += z[t * cols + j];
            }
        }
        for (int j = 0; j < cols; j++) {
            mean[j] /= rows;
        }
        double[] columnSquares = new double[cols];
        double[] row = new double[cols];
        for (int t = 0; t < rows; t++) {
            double norm = 0;
            for (int j = 0; j < cols; j++) {
                row[j] = z[t * cols + j] - mean[j];
                norm += row[j] * row[j];
            }
            if (norm == 0) {
                continue;
            }
            double inverse = 1 / Math.sqrt(norm);
            for (int j = 0; j < cols; j++) {
                double v = row[j] * inverse;
                columnSquares[j] += v * v;
            }
        }
        return largestColumnNormSum(columnSquares, Math.min(rows, cols));
    }

    /** {@link #of} divided by the number of tokens: the per-text score the paper averages over a data set. */
    public static double perToken(double[] z, int rows, int cols) {
        return of(z, rows, cols) / rows;
    }

    /** The L1,2 step alone: the sum of the {@code count} largest column L2 norms of Z (rows × cols, row-major). */
    public static double columnNormSum(double[] z, int rows, int cols, int count) {
        double[] squares = new double[cols];
        for (int t = 0; t < rows; t++) {
            for (int j = 0; j < cols; j++) {
                squares[j] += z[t * cols + j] * z[t * cols + j];
            }
        }
        return largestColumnNormSum(squares, count);
    }

    private static double largestColumnNormSum(double[] columnSquares, int count) {
        double[] norms = new double[columnSquares.length];
        for (int j = 0; j < norms.length; j++) {
            norms[j] = Math.sqrt(columnSquares[j]);
        }
        Arrays.sort(norms);
        double sum = 0;
        for (int k = 0; k < Math.min(count, norms.length); k++) {
            sum += norms[norms.length - 1 - k];
        }
        return sum;
    }
}
