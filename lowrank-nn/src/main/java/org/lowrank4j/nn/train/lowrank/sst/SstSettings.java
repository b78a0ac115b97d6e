package org.lowrank4j.nn.train.lowrank.sst;

/**
 * SST's options.
 *
 * @param rank   r, the singular-vector pairs updated in each iteration (at most min(out, in) of every block matrix)
 * @param period T3, steps of one iteration: the sampled indices are kept for this many steps, then drawn again
 */
public record SstSettings(int rank, int period) {
    public static final String METHOD = "sst";
    /** r = 64 (the paper's LLaMA-1.3B setting) and T3 = 200 (our choice; the constant was not visible). */
    public static final int DEFAULT_RANK = 64, DEFAULT_PERIOD = 200;

    public SstSettings {
        if (rank < 1) {
            throw new IllegalArgumentException(METHOD + ": option rank must be >= 1 (singular-vector pairs updated per iteration), got " + rank);
        }
        if (period < 1) {
            throw new IllegalArgumentException(METHOD + ": option period must be >= 1 (steps between resampling the updated pairs), got " + period);
        }
    }

    /** Iterations in a round for a weight with p singular triplets: ceil(p / r); the weight is re-decomposed after each round. */
    public int round(int p) {
        return (p + rank - 1) / rank;
    }

    public String describe() {
        return METHOD + ":rank=" + rank + ":period=" + period;
    }
}
