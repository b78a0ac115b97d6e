package org.lowrank4j.compress.eval;

import java.util.Arrays;

/**
 * Fidelity metrics between two sets of embeddings of the same texts, on plain float arrays: cosine per text,
 * summary statistics, and nearest-neighbour agreement. Row {@code i} of both sets embeds the same text.
 */
public final class EmbeddingMetrics {

    private EmbeddingMetrics() {
    }

    /** Cosine of two vectors of the same length; 0 when either is the zero vector. */
    public static double cosine(float[] a, float[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("vectors of length " + a.length + " and " + b.length);
        }
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            na += (double) a[i] * a[i];
            nb += (double) b[i] * b[i];
        }
        return na == 0 || nb == 0 ? 0 : dot / Math.sqrt(na * nb);
    }

    /** Cosine between row i of {@code a} and row i of {@code b}, for every i. */
    public static double[] rowCosines(float[][] a, float[][] b) {
        requireSameShape(a, b);
        double[] out = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = cosine(a[i], b[i]);
        }
        return out;
    }

    public static double mean(double[] values) {
        if (values.length == 0) {
            throw new IllegalArgumentException("mean of no values");
        }
        double sum = 0;
        for (double v : values) {
            sum += v;
        }
        return sum / values.length;
    }

    /** The p-th percentile (0..100), linear interpolation between order statistics (numpy's default). */
    public static double percentile(double[] values, double p) {
        if (values.length == 0 || p < 0 || p > 100) {
            throw new IllegalArgumentException("percentile " + p + " of " + values.length + " values");
        }
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        double position = p / 100.0 * (sorted.length - 1);
        int low = (int) Math.floor(position);
        int high = Math.min(low + 1, sorted.length - 1);
        return sorted[low] + (position - low) * (sorted[high] - sorted[low]);
    }

    /** Unit-length copies of the rows (zero rows stay zero). */
    public static float[][] normalizeRows(float[][] rows) {
        float[][] out = new float[rows.length][];
        for (int i = 0; i < rows.length; i++) {
            out[i] = rows[i].clone();
            normalizeInPlace(out[i]);
        }
        return out;
    }

    /** Scales {@code v} to unit length in place (a zero vector is left as is). */
    public static void normalizeInPlace(float[] v) {
        double norm = 0;
        for (float x : v) {
            norm += (double) x * x;
        }
        if (norm > 0) {
            float scale = (float) (1.0 / Math.sqrt(norm));
            for (int i = 0; i < v.length; i++) {
                v[i] *= scale;
            }
        }
    }

    /**
     * For each row, the indices of its {@code k} most cosine-similar other rows, most similar first
     * (ties broken by lower index).
     */
    public static int[][] nearestNeighbours(float[][] rows, int k) {
        if (k < 1 || k >= rows.length) {
            throw new IllegalArgumentException("k = " + k + " neighbours needs 1 <= k < " + rows.length + " rows");
        }
        float[][] unit = normalizeRows(rows);
        int n = unit.length;
        int[][] out = new int[n][];
        double[] similarity = new double[n];
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                similarity[j] = dot(unit[i], unit[j]);
                order[j] = j;
            }
            final int self = i;
            Arrays.sort(order, (x, y) -> x == self ? 1 : y == self ? -1
                    : similarity[x] != similarity[y] ? Double.compare(similarity[y], similarity[x]) : Integer.compare(x, y));
            out[i] = new int[k];
            for (int r = 0; r < k; r++) {
                out[i][r] = order[r];
            }
        }
        return out;
    }

    /**
     * Nearest-neighbour agreement: for each row, the fraction of the reference's {@code k} nearest neighbours
     * (by cosine, excluding the row itself) that are also among the candidate's {@code k}; averaged over rows.
     */
    public static double recallAtK(float[][] reference, float[][] candidate, int k) {
        requireSameShape(reference, candidate);
        int[][] expected = nearestNeighbours(reference, k);
        int[][] actual = nearestNeighbours(candidate, k);
        double total = 0;
        for (int i = 0; i < expected.length; i++) {
            int[] wanted = expected[i].clone();
            Arrays.sort(wanted);
            int hits = 0;
            for (int j : actual[i]) {
                if (Arrays.binarySearch(wanted, j) >= 0) {
                    hits++;
                }
            }
            total += (double) hits / k;
        }
        return total / expected.length;
    }

    private static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += (double) a[i] * b[i];
        }
        return s;
    }

    private static void requireSameShape(float[][] a, float[][] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("embedding sets of " + a.length + " and " + b.length + " rows");
        }
    }
}
