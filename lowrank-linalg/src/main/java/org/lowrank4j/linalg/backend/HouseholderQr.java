package org.lowrank4j.linalg.backend;

import org.lowrank4j.linalg.DoubleMatrix;

/** Householder QR in plain Java, optionally with column pivoting by largest remaining column norm. */
record HouseholderQr(DoubleMatrix q, DoubleMatrix r, int[] permutation) {

    static HouseholderQr factor(DoubleMatrix a, boolean pivot) {
        int m = a.rows(), n = a.cols(), k = Math.min(m, n);
        double[][] col = new double[n][m]; // column-major working copy
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                col[j][i] = a.get(i, j);
            }
        }
        int[] perm = new int[n];
        for (int j = 0; j < n; j++) {
            perm[j] = j;
        }
        double[][] reflectors = new double[k][];
        for (int p = 0; p < k; p++) {
            if (pivot) {
                int best = p;
                double bestNorm = -1;
                for (int j = p; j < n; j++) {
                    double norm = sumSquares(col[j], p, m);
                    if (norm > bestNorm) {
                        bestNorm = norm;
                        best = j;
                    }
                }
                double[] tmp = col[p];
                col[p] = col[best];
                col[best] = tmp;
                int t = perm[p];
                perm[p] = perm[best];
                perm[best] = t;
            }
            double[] x = col[p];
            double norm = Math.sqrt(sumSquares(x, p, m));
            if (norm == 0) {
                continue; // nothing to annihilate; H = I
            }
            double alpha = x[p] > 0 ? -norm : norm;
            double[] v = new double[m - p];
            for (int i = p; i < m; i++) {
                v[i - p] = x[i];
            }
            v[0] -= alpha;
            double vNorm = Math.sqrt(sumSquares(v, 0, v.length));
            if (vNorm == 0) {
                continue;
            }
            for (int i = 0; i < v.length; i++) {
                v[i] /= vNorm;
            }
            reflectors[p] = v;
            for (int j = p; j < n; j++) {
                reflect(v, col[j], p);
            }
        }
        DoubleMatrix r = DoubleMatrix.zeros(k, n);
        for (int i = 0; i < k; i++) {
            for (int j = i; j < n; j++) {
                r.set(i, j, col[j][i]);
            }
        }
        double[][] qCols = new double[k][m];
        for (int j = 0; j < k; j++) {
            qCols[j][j] = 1;
            for (int p = Math.min(j, k - 1); p >= 0; p--) {
                if (reflectors[p] != null) {
                    reflect(reflectors[p], qCols[j], p);
                }
            }
        }
        DoubleMatrix q = DoubleMatrix.zeros(m, k);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < k; j++) {
                q.set(i, j, qCols[j][i]);
            }
        }
        return new HouseholderQr(q, r, perm);
    }

    /** Applies I - 2 v vᵀ (v acting on rows p..m-1) to the column x. */
    private static void reflect(double[] v, double[] x, int p) {
        double dot = 0;
        for (int i = 0; i < v.length; i++) {
            dot += v[i] * x[p + i];
        }
        dot *= 2;
        for (int i = 0; i < v.length; i++) {
            x[p + i] -= dot * v[i];
        }
    }

    private static double sumSquares(double[] x, int from, int to) {
        double sum = 0;
        for (int i = from; i < to; i++) {
            sum += x[i] * x[i];
        }
        return sum;
    }
}
