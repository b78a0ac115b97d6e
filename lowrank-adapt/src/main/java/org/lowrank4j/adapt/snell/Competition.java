package org.lowrank4j.adapt.snell;

/**
 * SNELL's competition-based sparsification (spec 07, "Sparsification"): the entries of a kernel matrix compete by
 * magnitude and only the {@code kept} largest |K| survive. The mask it returns is the detached MAGNITUDE on the kept
 * entries, not a 0/1 mask, so that ΔW = K ⊙ M is K·|K| there and 0 elsewhere, and ∂L/∂K = ∂L/∂ΔW ⊙ M.
 *
 * <p>The reference takes τ = quantile(|K|, s) and keeps |K| > τ; here exactly {@code kept} = ⌈(1 − s)·n·m⌉ entries
 * are kept ({@link #keptCount}), found by selection (O(nm), no sort). Ties at the threshold are broken by index (the
 * first ones in row-major order win), so the choice is deterministic.
 */
public final class Competition {
    private Competition() {
    }

    /** ⌈(1 − s)·size⌉, with s in [0, 1] (a hair of rounding slack so that 0.1·100 gives 10, not 11). */
    public static long keptCount(double sparsity, long size) {
        if (!(sparsity >= 0 && sparsity <= 1)) {
            throw new IllegalArgumentException("a sparsity must be in [0, 1], got " + sparsity);
        }
        return Math.min(size, (long) Math.ceil((1 - sparsity) * size - 1e-9));
    }

    /** M: |K| on the {@code kept} entries of largest |K|, 0 elsewhere. */
    public static double[] magnitudeMask(double[] k, int kept) {
        if (kept < 0 || kept > k.length) {
            throw new IllegalArgumentException("cannot keep " + kept + " of " + k.length + " entries");
        }
        double[] mask = new double[k.length];
        if (kept == 0) {
            return mask;
        }
        double[] abs = new double[k.length];
        for (int e = 0; e < k.length; e++) {
            abs[e] = Math.abs(k[e]);
        }
        if (kept == k.length) {
            return abs;
        }
        double tau = largest(abs.clone(), kept);
        int above = 0;
        for (double a : abs) {
            if (a > tau) {
                above++;
            }
        }
        int ties = kept - above; // entries equal to τ still to keep
        for (int e = 0; e < k.length; e++) {
            if (abs[e] > tau) {
                mask[e] = abs[e];
            } else if (abs[e] == tau && ties > 0) {
                mask[e] = abs[e];
                ties--;
            }
        }
        return mask;
    }

    /** The {@code rank}-th largest value of {@code a} (1-based), by quickselect; reorders {@code a}. */
    static double largest(double[] a, int rank) {
        int target = a.length - rank; // index in ascending order
        int lo = 0, hi = a.length - 1;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            double pivot = median(a[lo], a[mid], a[hi]);
            int i = lo, j = hi;
            while (i <= j) {
                while (a[i] < pivot) {
                    i++;
                }
                while (a[j] > pivot) {
                    j--;
                }
                if (i <= j) {
                    double t = a[i];
                    a[i] = a[j];
                    a[j] = t;
                    i++;
                    j--;
                }
            }
            if (target <= j) {
                hi = j;
            } else if (target >= i) {
                lo = i;
            } else {
                return a[target];
            }
        }
        return a[target];
    }

    private static double median(double x, double y, double z) {
        return Math.max(Math.min(x, y), Math.min(Math.max(x, y), z));
    }
}
