package org.lowrank4j.adapt.loldu;

/**
 * LU with partial (row) pivoting of an m×n matrix, in float64, written for LoLDU: W = P·L·diag(d)·Û with p = min(m, n),
 * L (m, p) unit lower-trapezoidal, d the p pivots in elimination order and Û (p, n) unit upper-trapezoidal. The permutation
 * is folded into L: {@link #permutedLower()} is P·L, whose row {@code perm[i]} is row i of L. The first k columns of L,
 * pivots and rows of Û depend only on the first k elimination steps, so {@link #of} can stop there (LoLDU keeps the first r).
 *
 * @param permutedLower P·L (m, p), row-major
 * @param pivots        d (p)
 * @param unitUpper     Û = diag(d)⁻¹·U (p, n), row-major
 */
public record PivotedLu(int rows, int cols, double[] permutedLower, double[] pivots, double[] unitUpper) {

    /**
     * @param w     row-major m×n values (not modified)
     * @param steps elimination steps, 1..min(m, n): the factors returned have this many columns of L, pivots and rows of Û
     * @throws IllegalArgumentException when a pivot is zero or below 1e-12 of the largest entry (Û would blow up),
     *                                  naming its position
     */
    public static PivotedLu of(double[] w, int m, int n, int steps) {
        if (w.length != (long) m * n || m < 1 || n < 1) {
            throw new IllegalArgumentException("LU needs " + m + "x" + n + " values, got " + w.length);
        }
        if (steps < 1 || steps > Math.min(m, n)) {
            throw new IllegalArgumentException("LU of a " + m + "x" + n + " matrix takes 1.." + Math.min(m, n) + " steps, got " + steps);
        }
        double[] a = w.clone();
        int p = steps;
        int[] perm = new int[m];
        for (int i = 0; i < m; i++) {
            perm[i] = i;
        }
        double largest = 0;
        for (double v : a) {
            largest = Math.max(largest, Math.abs(v));
        }
        for (int k = 0; k < p; k++) {
            int best = k;
            for (int i = k + 1; i < m; i++) {
                if (Math.abs(a[i * n + k]) > Math.abs(a[best * n + k])) {
                    best = i;
                }
            }
            if (!(Math.abs(a[best * n + k]) > 1e-12 * largest)) {
                throw new IllegalArgumentException("LU pivot " + k + " is " + a[best * n + k] + " (below 1e-12 of the largest entry " + largest
                        + "): the matrix is rank-deficient there, and LoLDU's Û = U / d would not be finite");
            }
            if (best != k) {
                swapRows(a, n, k, best);
                int t = perm[k];
                perm[k] = perm[best];
                perm[best] = t;
            }
            double pivot = a[k * n + k];
            for (int i = k + 1; i < m; i++) {
                double f = a[i * n + k] / pivot;
                a[i * n + k] = f; // L below the diagonal
                for (int j = k + 1; j < n; j++) {
                    a[i * n + j] -= f * a[k * n + j];
                }
            }
        }
        double[] pl = new double[m * p], d = new double[p], uhat = new double[p * n];
        for (int i = 0; i < m; i++) {
            for (int k = 0; k < p; k++) {
                double l = k < i ? a[i * n + k] : k == i ? 1 : 0;
                pl[perm[i] * p + k] = l;
            }
        }
        for (int k = 0; k < p; k++) {
            d[k] = a[k * n + k];
            uhat[k * n + k] = 1;
            for (int j = k + 1; j < n; j++) {
                uhat[k * n + j] = a[k * n + j] / d[k];
            }
        }
        return new PivotedLu(m, n, pl, d, uhat);
    }

    private static void swapRows(double[] a, int n, int r1, int r2) {
        for (int j = 0; j < n; j++) {
            double t = a[r1 * n + j];
            a[r1 * n + j] = a[r2 * n + j];
            a[r2 * n + j] = t;
        }
    }

    public int rank() {
        return pivots.length;
    }
}
