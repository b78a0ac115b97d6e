package org.lowrank4j.adapt.flora;

import java.util.Collection;
import org.lowrank4j.adapt.variant.VariantSpec;

/**
 * FLoRA's ranks from a budget of trainable values: one rank r for every mode of every layer, a mode smaller than r kept at
 * full rank (as the spec's 3×3 kernel modes), the largest r whose adapter has at most the budget's values.
 */
final class FloraBudget {
    private FloraBudget() {
    }

    /** r on every mode, capped at each mode's size. */
    static int[] capped(WeightView view, int r) {
        int[] ranks = new int[view.modes()];
        for (int m = 0; m < ranks.length; m++) {
            ranks[m] = Math.min(r, view.size(m));
        }
        return ranks;
    }

    /** Σ over the layers of the values at uniform rank r. */
    static long count(Collection<WeightView> views, int r) {
        long n = 0;
        for (WeightView v : views) {
            n += v.parameterCount(capped(v, r));
        }
        return n;
    }

    /** @throws IllegalArgumentException when rank 1 on every mode already costs more than the budget */
    static int uniformRank(VariantSpec spec, Collection<WeightView> views, long budget) {
        long least = count(views, 1);
        if (budget < least) {
            throw new IllegalArgumentException("--adapter " + spec.text() + ": a budget of " + budget + " trainable values gives no layer rank 1: "
                    + "rank 1 on every mode of the " + views.size() + " adapted layers costs " + least);
        }
        int largest = 1;
        for (WeightView v : views) {
            for (int m = 0; m < v.modes(); m++) {
                largest = Math.max(largest, v.size(m));
            }
        }
        int r = 1;
        while (r < largest && count(views, r + 1) <= budget) {
            r++;
        }
        return r;
    }
}
