package org.lowrank4j.linalg.decomposition;

import java.util.Arrays;
import java.util.Random;

/** Uniform draws of distinct indices, as the sampling-based decompositions (Nyström, CUR indexes) pick their columns. */
public final class RandomSubset {
    private RandomSubset() {
    }

    /** {@code k} distinct indices of [0, n), uniformly without replacement (partial Fisher–Yates with {@code seed}), sorted. */
    public static int[] draw(int n, int k, long seed) {
        int[] all = new int[n];
        for (int i = 0; i < n; i++) {
            all[i] = i;
        }
        Random random = new Random(seed);
        for (int i = 0; i < k; i++) {
            int j = i + random.nextInt(n - i);
            int t = all[i];
            all[i] = all[j];
            all[j] = t;
        }
        int[] picked = Arrays.copyOf(all, k);
        Arrays.sort(picked);
        return picked;
    }
}
