package org.lowrank4j.algorithms.anncur;

/** A cross-encoder that counts the pair scores asked of it (the budget a search spends). */
public final class CountingCrossEncoder implements CrossEncoder {
    private final CrossEncoder inner;
    private long calls;

    public CountingCrossEncoder(CrossEncoder inner) {
        this.inner = inner;
    }

    @Override
    public double[] score(int query, int[] items) {
        calls += items.length;
        return inner.score(query, items);
    }

    /** Pair scores asked so far. */
    public long calls() {
        return calls;
    }

    /** A cross-encoder that reads rows of an exact score matrix (queries × items) already computed. */
    public static CrossEncoder of(double[][] scores) {
        return (query, items) -> {
            double[] out = new double[items.length];
            for (int j = 0; j < items.length; j++) {
                out[j] = scores[query][items[j]];
            }
            return out;
        };
    }
}
