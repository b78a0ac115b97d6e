package org.lowrank4j.nn.arch.llama;

import java.util.Arrays;

/**
 * The inner sizes of one decoder block whose modules were narrowed (MoDeGPT, ../shared/methods/c10-modegpt.md): the
 * MLP's intermediate size, the query/key head size {@code Dqk} and the value/output head size {@code Dvo}, and for
 * every key/value head the original RoPE pairs its query/key heads kept.
 *
 * @param intermediateSize the MLP's intermediate channels (gate/up rows, down columns)
 * @param queryKeySize     Dqk, even; the rows of each query and key head
 * @param valueSize        Dvo; the rows of each value head and the columns of each output head
 * @param ropePairs        per key/value head, the sorted indices i &lt; D/2 of the original rotate-half pairs (i, i + D/2)
 *                         kept, {@code Dqk / 2} of them; new dimension j &lt; Dqk/2 is old i = ropePairs[g][j], new
 *                         j + Dqk/2 is old i + D/2, and both rotate at the original frequency of pair i
 */
public record BlockShape(int intermediateSize, int queryKeySize, int valueSize, int[][] ropePairs) {

    public BlockShape {
        if (intermediateSize < 1 || queryKeySize < 2 || queryKeySize % 2 != 0 || valueSize < 1) {
            throw new IllegalArgumentException("block shape needs intermediate_size >= 1, an even query_key_head_size >= 2 and value_head_size >= 1,"
                    + " got " + intermediateSize + ", " + queryKeySize + ", " + valueSize);
        }
        ropePairs = Arrays.stream(ropePairs).map(int[]::clone).toArray(int[][]::new);
        for (int[] pairs : ropePairs) {
            if (pairs.length != queryKeySize / 2) {
                throw new IllegalArgumentException("block shape: " + pairs.length + " kept RoPE pairs for query_key_head_size " + queryKeySize
                        + " (it needs " + queryKeySize / 2 + ")");
            }
            for (int j = 1; j < pairs.length; j++) {
                if (pairs[j] <= pairs[j - 1]) {
                    throw new IllegalArgumentException("block shape: kept RoPE pairs " + Arrays.toString(pairs) + " are not strictly increasing");
                }
            }
        }
    }

    /** The shape of an untouched block of {@code config}-like sizes: every channel, dimension and pair kept. */
    public static BlockShape full(int intermediateSize, int headSize, int kvHeads) {
        int[][] pairs = new int[kvHeads][headSize / 2];
        for (int[] p : pairs) {
            Arrays.setAll(p, j -> j);
        }
        return new BlockShape(intermediateSize, headSize, headSize, pairs);
    }

    /** Per key/value head, the inverse frequencies of the kept pairs, taken from the original head's {@code frequencies}. */
    double[][] keptFrequencies(double[] frequencies) {
        double[][] out = new double[ropePairs.length][];
        for (int g = 0; g < ropePairs.length; g++) {
            int[] pairs = ropePairs[g];
            out[g] = new double[pairs.length];
            for (int j = 0; j < pairs.length; j++) {
                if (pairs[j] < 0 || pairs[j] >= frequencies.length) {
                    throw new IllegalArgumentException("block shape: kept RoPE pair " + pairs[j] + " is outside the original head's "
                            + frequencies.length + " pairs");
                }
                out[g][j] = frequencies[pairs[j]];
            }
        }
        return out;
    }

    @Override
    public int[][] ropePairs() {
        return Arrays.stream(ropePairs).map(int[]::clone).toArray(int[][]::new);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BlockShape b && b.intermediateSize == intermediateSize && b.queryKeySize == queryKeySize && b.valueSize == valueSize
                && Arrays.deepEquals(b.ropePairs, ropePairs);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * (31 * intermediateSize + queryKeySize) + valueSize) + Arrays.deepHashCode(ropePairs);
    }

    @Override
    public String toString() {
        return "BlockShape[intermediate=" + intermediateSize + ", qk=" + queryKeySize + ", vo=" + valueSize + ", ropePairs="
                + Arrays.deepToString(ropePairs) + "]";
    }
}
