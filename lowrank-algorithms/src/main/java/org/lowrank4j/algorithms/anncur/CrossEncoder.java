package org.lowrank4j.algorithms.anncur;

/**
 * Exact pair scores of a cross-encoder: one call per (query, item) pair, the cost that ANNCUR saves. Queries and items
 * are numbered by the caller (rows of its query list, lines of its item file).
 */
@FunctionalInterface
public interface CrossEncoder {
    /** The scores of {@code query} against each of {@code items}, in their order. */
    double[] score(int query, int[] items);
}
