package org.lowrank4j.algorithms.anncur;

import java.util.Arrays;
import java.util.Comparator;

/** The best-scoring positions of a score vector, highest first; ties go to the lower index, so the order is deterministic. */
public final class TopK {
    private TopK() {
    }

    /** Indices of the {@code k} largest of {@code scores} (all of them when k ≥ length), highest first. */
    public static int[] of(double[] scores, int k) {
        return among(scores, null, k);
    }

    /**
     * The {@code k} best of the positions {@code candidates} (all positions when null) by {@code scores}, highest first.
     */
    public static int[] among(double[] scores, int[] candidates, int k) {
        int n = candidates == null ? scores.length : candidates.length;
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = candidates == null ? i : candidates[i];
        }
        Arrays.sort(order, Comparator.<Integer>comparingDouble(i -> -scores[i]).thenComparingInt(i -> i));
        int[] out = new int[Math.min(k, n)];
        for (int i = 0; i < out.length; i++) {
            out[i] = order[i];
        }
        return out;
    }

    /**
     * Top-k recall: the share of the exact top-k found in {@code found}'s first k entries, |exact ∩ found[:k]| / k
     * (k = exact.length).
     *
     * @throws IllegalArgumentException when {@code exact} is empty
     */
    public static double recall(int[] exact, int[] found) {
        if (exact.length == 0) {
            throw new IllegalArgumentException("recall of an empty exact top-k: k must be at least 1");
        }
        java.util.Set<Integer> truth = new java.util.HashSet<>();
        for (int i : exact) {
            truth.add(i);
        }
        int hits = 0;
        for (int i = 0; i < Math.min(exact.length, found.length); i++) {
            if (truth.contains(found[i])) {
                hits++;
            }
        }
        return hits / (double) exact.length;
    }
}
