package org.lowrank4j.linalg.dictionary;

import java.util.Arrays;
import org.lowrank4j.linalg.DoubleMatrix;

/**
 * A column-sparse code matrix C (atoms × columns, k×m) with at most {@code sparsity} non-zeros per column, stored as
 * index + value arrays: slot t of column j is {@code indices[j·sparsity + t]} (an atom, or -1 for an unused slot) with
 * value {@code values[j·sparsity + t]} (0 for an unused slot). The arrays are owned by the record; do not modify them.
 *
 * @param atoms    k, the number of rows (dictionary atoms)
 * @param columns  m, the number of coded columns
 * @param sparsity s, slots per column
 */
public record SparseCodes(int atoms, int columns, int sparsity, int[] indices, double[] values) {

    public SparseCodes {
        if (atoms < 1 || columns < 0 || sparsity < 1) {
            throw new IllegalArgumentException("sparse codes need k ≥ 1 atoms, m ≥ 0 columns and s ≥ 1 slots, got k=" + atoms
                    + " m=" + columns + " s=" + sparsity);
        }
        long slots = (long) columns * sparsity;
        if (indices.length != slots || values.length != slots) {
            throw new IllegalArgumentException("sparse codes with m=" + columns + " and s=" + sparsity + " need " + slots
                    + " indices and values, got " + indices.length + " and " + values.length);
        }
        for (int i = 0; i < indices.length; i++) {
            if (indices[i] < -1 || indices[i] >= atoms) {
                throw new IllegalArgumentException("sparse code slot " + i + " names atom " + indices[i] + " of " + atoms);
            }
            if (!Double.isFinite(values[i])) {
                throw new IllegalArgumentException("sparse code slot " + i + " holds a non-finite value " + values[i]);
            }
        }
    }

    /** All slots empty. */
    public static SparseCodes empty(int atoms, int columns, int sparsity) {
        int[] idx = new int[columns * sparsity];
        Arrays.fill(idx, -1);
        return new SparseCodes(atoms, columns, sparsity, idx, new double[columns * sparsity]);
    }

    /**
     * Bytes that locate one column's s non-zeros among k atoms in a stored sparse format: the cheaper of s indices of one
     * byte (k ≤ 256) or two bytes (k ≤ 65,536) and a k-bit mask.
     */
    public static long indexBytesPerColumn(int atoms, int sparsity) {
        long indices = (long) sparsity * (atoms <= 256 ? 1 : 2);
        long mask = (atoms + 7) / 8;
        return Math.min(indices, mask);
    }

    /** Atom of slot t of column j (-1 for an unused slot). */
    public int index(int column, int slot) {
        return indices[column * sparsity + slot];
    }

    public double value(int column, int slot) {
        return values[column * sparsity + slot];
    }

    /** Slots that hold an atom. */
    public long usedSlots() {
        return Arrays.stream(indices).filter(i -> i >= 0).count();
    }

    /** The dense k×m matrix. */
    public DoubleMatrix toDense() {
        DoubleMatrix c = DoubleMatrix.zeros(atoms, columns);
        for (int j = 0; j < columns; j++) {
            for (int t = 0; t < sparsity; t++) {
                int i = index(j, t);
                if (i >= 0) {
                    c.set(i, j, c.get(i, j) + value(j, t));
                }
            }
        }
        return c;
    }

    /** D·C for a dictionary D (n×k): the n×m approximation. */
    public DoubleMatrix multiplyLeft(DoubleMatrix dictionary) {
        if (dictionary.cols() != atoms) {
            throw new IllegalArgumentException("a dictionary of " + dictionary.cols() + " atoms cannot expand codes over " + atoms);
        }
        int n = dictionary.rows();
        DoubleMatrix out = DoubleMatrix.zeros(n, columns);
        for (int j = 0; j < columns; j++) {
            for (int t = 0; t < sparsity; t++) {
                int i = index(j, t);
                if (i >= 0) {
                    double v = value(j, t);
                    for (int r = 0; r < n; r++) {
                        out.set(r, j, out.get(r, j) + v * dictionary.get(r, i));
                    }
                }
            }
        }
        return out;
    }
}
