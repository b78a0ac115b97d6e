package org.lowrank4j.compress.methods.cospadi;

import org.lowrank4j.compress.Dictionary;

/**
 * Budget → (k, s) for one dictionary (spec c11, "Budget → (k, s)"): a group of layers with input width n and
 * {@code columns} = Σ m_l output neurons may keep {@code (1 − CR)} of its float32 bytes, {@code 4·n·Σm_l}. A shape
 * (k atoms, s non-zeros per column) costs {@code 4kn + Σm_l·(4s + index bytes)} ({@link Dictionary#indexBytesPerColumn}).
 * With ρ = k/s fixed, s = max(1, round(k/ρ)) capped at min(k, n) (more than n atoms on one support are dependent), and
 * the largest k whose cost fits is chosen.
 */
public final class DictionaryBudget {

    /** k atoms, s non-zeros per column. */
    public record Shape(int atoms, int sparsity) {
    }

    private DictionaryBudget() {
    }

    /** Bytes of a shape. */
    public static long bytes(int n, long columns, int atoms, int sparsity) {
        return 4L * atoms * n + columns * (4L * sparsity + Dictionary.indexBytesPerColumn(atoms, sparsity));
    }

    /** s for k at ratio ρ. */
    public static int sparsityFor(int atoms, double rho, int n) {
        return (int) Math.max(1, Math.min(Math.min(atoms, n), Math.round(atoms / rho)));
    }

    /**
     * The largest shape with ρ = k/s whose bytes are at most (1 − ratio) of the dense float32 bytes, or null when not
     * even k = s = 1 fits.
     *
     * @throws IllegalArgumentException for a ratio outside [0, 1), ρ below 1 or empty sizes
     */
    public static Shape solve(int n, long columns, double ratio, double rho) {
        if (n < 1 || columns < 1) {
            throw new IllegalArgumentException("cospadi budget: n and the column count must be positive, got n=" + n + ", m=" + columns);
        }
        if (!(ratio >= 0 && ratio < 1)) {
            throw new IllegalArgumentException("cospadi budget: ratio must be in [0, 1), got " + ratio);
        }
        if (!(rho >= 1)) {
            throw new IllegalArgumentException("cospadi budget: rho = k/s must be at least 1, got " + rho);
        }
        double budget = (1 - ratio) * 4.0 * n * columns;
        Shape best = null;
        int limit = (int) Math.min(65_536, budget / (4.0 * n) + 1);
        for (int k = 1; k <= limit; k++) {
            int s = sparsityFor(k, rho, n);
            if (bytes(n, columns, k, s) <= budget) {
                best = new Shape(k, s);
            }
        }
        return best;
    }
}
