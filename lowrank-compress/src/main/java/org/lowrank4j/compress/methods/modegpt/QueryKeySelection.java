package org.lowrank4j.compress.methods.modegpt;

/**
 * MoDeGPT module II (../shared/methods/c10-modegpt.md): each head's query·key product keeps the dimensions whose
 * CR score {@code s_i = sqrt(C_q[i,i] · C_k[i,i])} is largest (the column norm of a PSD root is √diag, so only the
 * diagonals of the query/key state correlations, taken before RoPE, are needed). With rotate-half RoPE, dims i and
 * i + D/2 stay together: pair score {@code π_i = C_q[i,i]C_k[i,i] + C_q[i+D/2]C_k[i+D/2]}, summed over the query heads
 * that share a key/value head (grouped-query attention), so one mask serves the key head and all its query heads.
 */
public final class QueryKeySelection {

    private QueryKeySelection() {
    }

    /**
     * The {@code pairs} rotate-half pairs of largest summed score, ascending indices i &lt; D/2.
     *
     * @param queryEnergy per query head of the group, the diagonal of its state correlation (D each)
     * @param keyEnergy   the diagonal of the shared key head's state correlation (D)
     */
    public static int[] keptPairs(double[][] queryEnergy, double[] keyEnergy, int pairs) {
        int d = keyEnergy.length, half = d / 2;
        if (d % 2 != 0 || pairs < 1 || pairs > half) {
            throw new IllegalArgumentException("cannot keep " + pairs + " RoPE pairs of a head of size " + d);
        }
        double[] score = new double[half];
        for (double[] q : queryEnergy) {
            if (q.length != d) {
                throw new IllegalArgumentException("query head energy of length " + q.length + " for key heads of size " + d);
            }
            for (int i = 0; i < half; i++) {
                score[i] += q[i] * keyEnergy[i] + q[i + half] * keyEnergy[i + half];
            }
        }
        return NystromMlp.top(score, pairs);
    }

    /** Without RoPE (BERT, OPT): the {@code dims} dimensions of largest summed {@code C_q[i,i]·C_k[i,i]}, ascending. */
    public static int[] keptDimensions(double[][] queryEnergy, double[] keyEnergy, int dims) {
        int d = keyEnergy.length;
        if (dims < 1 || dims > d) {
            throw new IllegalArgumentException("cannot keep " + dims + " dimensions of a head of size " + d);
        }
        double[] score = new double[d];
        for (double[] q : queryEnergy) {
            for (int i = 0; i < d; i++) {
                score[i] += q[i] * keyEnergy[i]; // the square of s_i; same order
            }
        }
        return NystromMlp.top(score, dims);
    }

    /** The head dimensions of kept pairs in the narrowed head's order: first the i, then the i + D/2. */
    public static int[] dimensionsOfPairs(int[] pairs, int headSize) {
        int[] out = new int[2 * pairs.length];
        for (int j = 0; j < pairs.length; j++) {
            out[j] = pairs[j];
            out[j + pairs.length] = pairs[j] + headSize / 2;
        }
        return out;
    }
}
