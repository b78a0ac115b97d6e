package org.lowrank4j.compress;

/** Summaries of a singular-value spectrum for inspection and reports. */
public final class Spectra {
    private Spectra() {
    }

    /** Fraction of Σ s_i² captured by the first r values. */
    public static double energyAt(double[] s, int r) {
        double total = 0, head = 0;
        for (int i = 0; i < s.length; i++) {
            total += s[i] * s[i];
            if (i < r) {
                head += s[i] * s[i];
            }
        }
        return total == 0 ? 1 : head / total;
    }

    /** Fraction of Σ s_i² left out by the first r values (0 for an all-zero spectrum): the loss of keeping rank r. */
    public static double tailFraction(double[] s, int r) {
        double total = 0, tail = 0;
        for (int i = 0; i < s.length; i++) {
            total += s[i] * s[i];
            if (i >= r) {
                tail += s[i] * s[i];
            }
        }
        return total > 0 ? tail / total : 0;
    }

    /** Smallest r whose energy reaches {@code fraction}. */
    public static int rankForEnergy(double[] s, double fraction) {
        for (int r = 0; r <= s.length; r++) {
            if (energyAt(s, r) >= fraction) {
                return r;
            }
        }
        return s.length;
    }

    /**
     * Effective rank (Roy and Vetterli 2007): exp of the Shannon entropy of the normalised singular values
     * p_i = s_i / Σ s_j. Between 1 (one direction) and the number of non-zero values (flat spectrum).
     */
    public static double effectiveRank(double[] s) {
        double sum = 0;
        for (double v : s) {
            sum += v;
        }
        if (sum == 0) {
            return 0;
        }
        double entropy = 0;
        for (double v : s) {
            if (v > 0) {
                double p = v / sum;
                entropy -= p * Math.log(p);
            }
        }
        return Math.exp(entropy);
    }
}
