package org.lowrank4j.algorithms.completion;

import java.util.Random;

/** A planted rank-k matrix M = A Bᵀ with Gaussian factors, row-major. */
final class Planted {
    private Planted() {
    }

    static double[] matrix(int m, int n, int k, long seed) {
        Random random = new Random(seed);
        double[] a = new double[m * k], b = new double[n * k], out = new double[m * n];
        for (int e = 0; e < a.length; e++) {
            a[e] = random.nextGaussian();
        }
        for (int e = 0; e < b.length; e++) {
            b[e] = random.nextGaussian();
        }
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int c = 0; c < k; c++) {
                    s += a[i * k + c] * b[j * k + c];
                }
                out[i * n + j] = s;
            }
        }
        return out;
    }
}
