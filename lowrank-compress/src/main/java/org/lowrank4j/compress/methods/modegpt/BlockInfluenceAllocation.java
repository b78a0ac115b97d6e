package org.lowrank4j.compress.methods.modegpt;

/**
 * MoDeGPT's global sparsity allocation (../shared/methods/c10-modegpt.md): with Block-Influence scores
 * {@code s_l = mean_t (1 − cos(x_in, x_out))} of the L blocks, the sparsity of block l is
 * {@code φ_l = L · φ_avg · softmax(−s / ε)_l}; a block above the cap φ_max is set to the cap and the excess is handed
 * to the uncapped blocks in proportion to their softmax weights, until none is above. The mean of φ stays φ_avg (when
 * {@code φ_avg ≤ φ_max}); a block that changes its input less (lower s) is compressed more.
 */
public final class BlockInfluenceAllocation {

    private BlockInfluenceAllocation() {
    }

    /**
     * The sparsity of every block.
     *
     * @param scores      Block-Influence score per block (finite)
     * @param average     φ_avg, in [0, cap]
     * @param temperature ε &gt; 0; {@code Double.POSITIVE_INFINITY} gives the uniform allocation
     * @param cap         φ_max in (0, 1]
     */
    public static double[] sparsities(double[] scores, double average, double temperature, double cap) {
        int layers = scores.length;
        if (layers < 1 || !(temperature > 0) || !(cap > 0 && cap <= 1) || !(average >= 0 && average <= cap)) {
            throw new IllegalArgumentException("block-influence allocation needs scores, ε > 0, 0 < cap <= 1 and 0 <= average <= cap; got "
                    + layers + " scores, ε = " + temperature + ", cap = " + cap + ", average = " + average);
        }
        double[] weight = new double[layers];
        double min = Double.POSITIVE_INFINITY;
        for (double s : scores) {
            if (!Double.isFinite(s)) {
                throw new IllegalArgumentException("block-influence score " + s + " is not finite");
            }
            min = Math.min(min, s);
        }
        double sum = 0;
        for (int l = 0; l < layers; l++) {
            weight[l] = Double.isInfinite(temperature) ? 1 : Math.exp(-(scores[l] - min) / temperature); // shifted for stability
            sum += weight[l];
        }
        double[] phi = new double[layers];
        boolean[] capped = new boolean[layers];
        double budget = layers * average; // Σ φ to place
        for (int round = 0; round <= layers; round++) {
            double free = 0, placed = 0;
            for (int l = 0; l < layers; l++) {
                if (capped[l]) {
                    placed += cap;
                } else {
                    free += weight[l];
                }
            }
            boolean changed = false;
            for (int l = 0; l < layers; l++) {
                if (!capped[l]) {
                    phi[l] = free == 0 ? 0 : (budget - placed) * weight[l] / free;
                    if (phi[l] > cap) {
                        capped[l] = true;
                        changed = true;
                    }
                } else {
                    phi[l] = cap;
                }
            }
            if (!changed) {
                break;
            }
        }
        assert sum > 0;
        return phi;
    }
}
