package org.lowrank4j.algorithms.funbat;

/** Inverses of the small dense matrices of {@link MarkovChainSmoother} and {@link FunctionalTucker} (Gauss–Jordan with pivoting). */
final class SmallMatrices {
    private SmallMatrices() {
    }

    /** @throws IllegalStateException for a singular matrix */
    static double[][] inverse(double[][] m) {
        int n = m.length;
        double[][] a = new double[n][2 * n];
        for (int i = 0; i < n; i++) {
            System.arraycopy(m[i], 0, a[i], 0, n);
            a[i][n + i] = 1;
        }
        for (int c = 0; c < n; c++) {
            int pivot = c;
            for (int i = c + 1; i < n; i++) {
                if (Math.abs(a[i][c]) > Math.abs(a[pivot][c])) {
                    pivot = i;
                }
            }
            if (Math.abs(a[pivot][c]) < 1e-300) {
                throw new IllegalStateException("singular " + n + "x" + n + " matrix in the FunBaT updates");
            }
            double[] tmp = a[c];
            a[c] = a[pivot];
            a[pivot] = tmp;
            double d = a[c][c];
            for (int j = 0; j < 2 * n; j++) {
                a[c][j] /= d;
            }
            for (int i = 0; i < n; i++) {
                if (i != c && a[i][c] != 0) {
                    double f = a[i][c];
                    for (int j = 0; j < 2 * n; j++) {
                        a[i][j] -= f * a[c][j];
                    }
                }
            }
        }
        double[][] out = new double[n][n];
        for (int i = 0; i < n; i++) {
            System.arraycopy(a[i], n, out[i], 0, n);
        }
        return out;
    }

    static double[][] symmetrize(double[][] m) {
        for (int i = 0; i < m.length; i++) {
            for (int j = 0; j < i; j++) {
                double v = 0.5 * (m[i][j] + m[j][i]);
                m[i][j] = v;
                m[j][i] = v;
            }
        }
        return m;
    }
}
