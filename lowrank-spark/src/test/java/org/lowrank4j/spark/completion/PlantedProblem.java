package org.lowrank4j.spark.completion;

import java.util.Random;
import org.lowrank4j.algorithms.completion.ObservedEntries;

/**
 * A planted rank-k matrix M = A Bᵀ (Gaussian factors), the entries a solver sees (a seeded fraction) and as many
 * held-out entries drawn from the rest.
 */
final class PlantedProblem {
    final int rows, cols;
    final double[] matrix;
    final ObservedEntries observed;
    final ObservedEntries heldOut;

    PlantedProblem(int rows, int cols, int rank, double fraction, int heldOutCount, long seed) {
        this.rows = rows;
        this.cols = cols;
        Random random = new Random(seed);
        double[] a = gaussian(rows * rank, random), b = gaussian(cols * rank, random);
        matrix = new double[rows * cols];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                double s = 0;
                for (int c = 0; c < rank; c++) {
                    s += a[i * rank + c] * b[j * rank + c];
                }
                matrix[i * cols + j] = s;
            }
        }
        observed = ObservedEntries.sample(rows, cols, matrix, fraction, seed + 1);
        boolean[] seen = new boolean[rows * cols];
        for (int e = 0; e < observed.count(); e++) {
            seen[observed.row(e) * cols + observed.col(e)] = true;
        }
        int[] r = new int[heldOutCount], c = new int[heldOutCount];
        double[] v = new double[heldOutCount];
        for (int h = 0; h < heldOutCount; ) {
            int at = random.nextInt(rows * cols);
            if (!seen[at]) {
                seen[at] = true;
                r[h] = at / cols;
                c[h] = at % cols;
                v[h] = matrix[at];
                h++;
            }
        }
        heldOut = ObservedEntries.of(rows, cols, r, c, v);
    }

    /** Root mean square of the held-out values (the error of predicting 0; a scale for the RMSEs). */
    double heldOutScale() {
        double s = 0;
        for (int e = 0; e < heldOut.count(); e++) {
            s += heldOut.value(e) * heldOut.value(e);
        }
        return Math.sqrt(s / heldOut.count());
    }

    private static double[] gaussian(int count, Random random) {
        double[] out = new double[count];
        for (int e = 0; e < count; e++) {
            out[e] = random.nextGaussian();
        }
        return out;
    }
}
