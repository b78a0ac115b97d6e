package org.lowrank4j.algorithms.completion;

import java.util.Arrays;
import java.util.Random;

/**
 * The observed entries Ω of an m×n matrix, M_ij for (i, j) ∈ Ω, in coordinate form, with two indexes built once:
 * by row (the entries of row i, columns ascending) and by column (the entries of column j, rows ascending).
 *
 * <p>Memory is O(|Ω|): three arrays of length |Ω| for the coordinates and values and two permutations; the
 * matrix itself is never formed. Instances are immutable.
 */
public final class ObservedEntries {
    private final int rows;
    private final int cols;
    private final int[] rowIndex;   // (|Ω|) row of each entry, in row-major order
    private final int[] colIndex;   // (|Ω|)
    private final double[] values;  // (|Ω|)
    private final int[] rowStart;   // (m + 1) entries of row i are [rowStart[i], rowStart[i+1])
    private final int[] colStart;   // (n + 1) entries of column j are byColumn[colStart[j] .. colStart[j+1])
    private final int[] byColumn;   // (|Ω|) entry positions ordered by column, then row

    private ObservedEntries(int rows, int cols, int[] rowIndex, int[] colIndex, double[] values) {
        this.rows = rows;
        this.cols = cols;
        int count = values.length;
        // Row-major order by two stable counting sorts: by column, then by row.
        int[] byCol = countingOrder(identity(count), colIndex, cols);
        int[] order = countingOrder(byCol, rowIndex, rows);
        this.rowIndex = new int[count];
        this.colIndex = new int[count];
        this.values = new double[count];
        for (int e = 0; e < count; e++) {
            int from = order[e];
            this.rowIndex[e] = rowIndex[from];
            this.colIndex[e] = colIndex[from];
            this.values[e] = values[from];
            if (e > 0 && this.rowIndex[e] == this.rowIndex[e - 1] && this.colIndex[e] == this.colIndex[e - 1]) {
                throw new IllegalArgumentException("entry (" + this.rowIndex[e] + ", " + this.colIndex[e] + ") is observed twice; give each entry once");
            }
        }
        this.rowStart = new int[rows + 1];
        this.colStart = new int[cols + 1];
        for (int e = 0; e < count; e++) {
            rowStart[this.rowIndex[e] + 1]++;
            colStart[this.colIndex[e] + 1]++;
        }
        for (int i = 0; i < rows; i++) {
            rowStart[i + 1] += rowStart[i];
        }
        for (int j = 0; j < cols; j++) {
            colStart[j + 1] += colStart[j];
        }
        this.byColumn = new int[count];
        int[] next = Arrays.copyOf(colStart, cols);
        for (int e = 0; e < count; e++) { // row-major order, so rows ascend within each column
            byColumn[next[this.colIndex[e]]++] = e;
        }
    }

    private static int[] identity(int count) {
        int[] order = new int[count];
        for (int e = 0; e < count; e++) {
            order[e] = e;
        }
        return order;
    }

    /** {@code order} stably re-sorted by {@code key[order[.]]} in [0, range). */
    private static int[] countingOrder(int[] order, int[] key, int range) {
        int[] start = new int[range + 1];
        for (int e : order) {
            start[key[e] + 1]++;
        }
        for (int k = 0; k < range; k++) {
            start[k + 1] += start[k];
        }
        int[] sorted = new int[order.length];
        for (int e : order) {
            sorted[start[key[e]]++] = e;
        }
        return sorted;
    }

    /**
     * The entries {@code values[e]} at {@code (rowIndex[e], colIndex[e])} of an m×n matrix; the arrays are copied.
     *
     * @throws IllegalArgumentException when the arrays differ in length, an index is outside the shape, a value is
     *                                  not finite, or an entry is given twice
     */
    public static ObservedEntries of(int rows, int cols, int[] rowIndex, int[] colIndex, double[] values) {
        if (rows < 1 || cols < 1) {
            throw new IllegalArgumentException("matrix shape must be at least 1x1, got " + rows + "x" + cols);
        }
        if (rowIndex.length != values.length || colIndex.length != values.length) {
            throw new IllegalArgumentException("observed entries disagree in length: " + rowIndex.length + " rows, " + colIndex.length
                    + " columns, " + values.length + " values");
        }
        for (int e = 0; e < values.length; e++) {
            if (rowIndex[e] < 0 || rowIndex[e] >= rows || colIndex[e] < 0 || colIndex[e] >= cols) {
                throw new IllegalArgumentException("observed entry (" + rowIndex[e] + ", " + colIndex[e] + ") is outside the " + rows + "x" + cols + " matrix");
            }
            if (!Double.isFinite(values[e])) {
                throw new IllegalArgumentException("observed entry (" + rowIndex[e] + ", " + colIndex[e] + ") is " + values[e] + "; values must be finite");
            }
        }
        return new ObservedEntries(rows, cols, rowIndex.clone(), colIndex.clone(), values.clone());
    }

    /**
     * The entries of a dense m×n array (row-major, {@code values[i * cols + j]}) where {@code observed} is true.
     */
    public static ObservedEntries fromMask(int rows, int cols, double[] values, boolean[] observed) {
        if (values.length != (long) rows * cols || observed.length != values.length) {
            throw new IllegalArgumentException("a " + rows + "x" + cols + " matrix needs " + (long) rows * cols + " values and mask entries, got "
                    + values.length + " and " + observed.length);
        }
        int count = 0;
        for (boolean b : observed) {
            count += b ? 1 : 0;
        }
        int[] r = new int[count], c = new int[count];
        double[] v = new double[count];
        int e = 0;
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                if (observed[i * cols + j]) {
                    r[e] = i;
                    c[e] = j;
                    v[e++] = values[i * cols + j];
                }
            }
        }
        return of(rows, cols, r, c, v);
    }

    /** Each entry of a dense row-major m×n array kept independently with probability {@code fraction} (seeded). */
    public static ObservedEntries sample(int rows, int cols, double[] values, double fraction, long seed) {
        if (!(fraction > 0 && fraction <= 1)) {
            throw new IllegalArgumentException("the observed fraction must be in (0, 1], got " + fraction);
        }
        Random random = new Random(seed);
        boolean[] mask = new boolean[values.length];
        for (int e = 0; e < mask.length; e++) {
            mask[e] = random.nextDouble() < fraction;
        }
        return fromMask(rows, cols, values, mask);
    }

    public int rows() {
        return rows;
    }

    public int cols() {
        return cols;
    }

    /** |Ω|. */
    public int count() {
        return values.length;
    }

    /** p = |Ω| / (m n). */
    public double density() {
        return values.length / ((double) rows * cols);
    }

    /** Row of the e-th entry (entries are in row-major order). */
    public int row(int e) {
        return rowIndex[e];
    }

    public int col(int e) {
        return colIndex[e];
    }

    public double value(int e) {
        return values[e];
    }

    /** The entries of row i are e in [rowStart(i), rowStart(i + 1)). */
    public int rowStart(int i) {
        return rowStart[i];
    }

    /** The entries of column j are {@code columnEntry(q)} for q in [colStart(j), colStart(j + 1)). */
    public int colStart(int j) {
        return colStart[j];
    }

    /** The q-th entry in column-major order (an index into row/col/value). */
    public int columnEntry(int q) {
        return byColumn[q];
    }

    /** Number of observed entries in row i. */
    public int rowCount(int i) {
        return rowStart[i + 1] - rowStart[i];
    }

    /** Number of observed entries in column j. */
    public int colCount(int j) {
        return colStart[j + 1] - colStart[j];
    }

    /** The mean of the observed values. */
    public double mean() {
        double sum = 0;
        for (double v : values) {
            sum += v;
        }
        return values.length == 0 ? 0 : sum / values.length;
    }

    /** The same positions with values {@code v - shift}. */
    public ObservedEntries shifted(double shift) {
        double[] v = values.clone();
        for (int e = 0; e < v.length; e++) {
            v[e] -= shift;
        }
        return new ObservedEntries(rows, cols, rowIndex, colIndex, v);
    }

    /** The entries whose {@code keep[e]} is true (e in this object's row-major order). */
    public ObservedEntries subset(boolean[] keep) {
        if (keep.length != values.length) {
            throw new IllegalArgumentException("subset mask has " + keep.length + " entries for " + values.length + " observed entries");
        }
        int count = 0;
        for (boolean b : keep) {
            count += b ? 1 : 0;
        }
        int[] r = new int[count], c = new int[count];
        double[] v = new double[count];
        for (int e = 0, k = 0; e < keep.length; e++) {
            if (keep[e]) {
                r[k] = rowIndex[e];
                c[k] = colIndex[e];
                v[k++] = values[e];
            }
        }
        return new ObservedEntries(rows, cols, r, c, v);
    }

    /**
     * Throws when some row or column has no observed entry: nothing determines it, so no completion can recover it.
     */
    public void requireEveryRowAndColumn() {
        for (int i = 0; i < rows; i++) {
            if (rowCount(i) == 0) {
                throw new IllegalArgumentException("row " + i + " of the " + rows + "x" + cols
                        + " matrix has no observed entry; every row and column needs at least one to be completed");
            }
        }
        for (int j = 0; j < cols; j++) {
            if (colCount(j) == 0) {
                throw new IllegalArgumentException("column " + j + " of the " + rows + "x" + cols
                        + " matrix has no observed entry; every row and column needs at least one to be completed");
            }
        }
    }
}
