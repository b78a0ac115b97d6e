package org.lowrank4j.algorithms.turbovbi;

/** Inverse and log-determinant of a small symmetric positive definite matrix by Cholesky (the regression's p × p). */
final class Cholesky {
    private Cholesky() {
    }

    /** L with A = L·Lᵀ. */
    static double[][] factor(double[][] a) {
        int n = a.length;
        double[][] l = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                double s = a[i][j];
                for (int k = 0; k < j; k++) {
                    s -= l[i][k] * l[j][k];
                }
                if (i == j) {
                    if (!(s > 0)) {
                        throw new IllegalArgumentException("matrix is not positive definite (pivot " + s + " at " + i + ")");
                    }
                    l[i][i] = Math.sqrt(s);
                } else {
                    l[i][j] = s / l[j][j];
                }
            }
        }
        return l;
    }

    static double[][] inverse(double[][] a) {
        int n = a.length;
        double[][] l = factor(a);
        double[][] inv = new double[n][n];
        for (int c = 0; c < n; c++) {
            double[] z = new double[n];
            for (int i = 0; i < n; i++) { // L z = e_c
                double s = i == c ? 1 : 0;
                for (int k = 0; k < i; k++) {
                    s -= l[i][k] * z[k];
                }
                z[i] = s / l[i][i];
            }
            for (int i = n - 1; i >= 0; i--) { // Lᵀ x = z
                double s = z[i];
                for (int k = i + 1; k < n; k++) {
                    s -= l[k][i] * inv[k][c];
                }
                inv[i][c] = s / l[i][i];
            }
        }
        return inv;
    }

    static double logDeterminant(double[][] a) {
        double[][] l = factor(a);
        double s = 0;
        for (int i = 0; i < l.length; i++) {
            s += 2 * Math.log(l[i][i]);
        }
        return s;
    }
}
