package org.lowrank4j.compress.methods.saes;

import java.util.List;
import java.util.TreeSet;
import org.lowrank4j.compress.methods.MethodSpec;

/**
 * Options of SAES-SVD (spec {@code shared/methods/c05-saes-svd.md}; Hu et al., <i>SAES-SVD: Self-Adaptive
 * Suppression of Accumulated and Local Errors for SVD-based LLM Compression</i>, arXiv:2602.03051).
 *
 * @param alphas        candidate weights α of the alignment term. One value fixes α; several make ACES pick, per site
 *                      and per rank, the α maximising {@code ρ(α) = Σ_{i≤r} σ_i²(M_α) / ‖M_α‖_F²}. Stored sorted and
 *                      without duplicates (ties go to the smallest α). Each in [0, {@value #MAX_ALPHA}]: large α
 *                      over-fits the calibration outputs (spec pitfall).
 * @param relativeFloor eigenvalue floor of the eigen fallback when G_c is singular, relative to λ_max (default
 *                      1e-10), in [0, 0.01)
 */
public record SaesOptions(List<Double> alphas, double relativeFloor) {
    /** The largest accepted α. */
    public static final double MAX_ALPHA = 100;
    /** The spec's suggested ACES grid (not from the paper). */
    public static final List<Double> GRID = List.of(0.0, 0.125, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0);

    public SaesOptions {
        if (alphas == null || alphas.isEmpty()) {
            throw new IllegalArgumentException("saes: at least one alpha must be given (one fixes alpha, several are the ACES grid)");
        }
        for (Double a : alphas) {
            if (a == null || !(a >= 0 && a <= MAX_ALPHA)) {
                throw new IllegalArgumentException("saes: alpha must be in [0, " + MAX_ALPHA + "], got " + a);
            }
        }
        if (!(relativeFloor >= 0 && relativeFloor < 1e-2)) {
            throw new IllegalArgumentException("saes: relative eigenvalue floor must be in [0, 0.01), got " + relativeFloor);
        }
        alphas = List.copyOf(new TreeSet<>(alphas));
    }

    /** ACES over {@link #GRID}: the default. */
    public static SaesOptions defaults() {
        return new SaesOptions(GRID, 1e-10);
    }

    /**
     * From {@code saes[:alpha=A | :alphas=A/B/…][:floor=F]}: {@code alpha} fixes α, {@code alphas} is the ACES grid
     * (default {@link #GRID}).
     */
    public static SaesOptions from(MethodSpec spec) {
        double alpha = spec.number("alpha", Double.NaN);
        List<Double> grid = spec.numbers("alphas", null);
        double floor = spec.number("floor", defaults().relativeFloor());
        spec.requireAllRead();
        if (!Double.isNaN(alpha) && grid != null) {
            throw new IllegalArgumentException("saes: give alpha (one fixed value) or alphas (the ACES grid), not both");
        }
        return new SaesOptions(!Double.isNaN(alpha) ? List.of(alpha) : grid != null ? grid : GRID, floor);
    }

    /** A fixed α (no search). */
    public static SaesOptions fixed(double alpha) {
        return new SaesOptions(List.of(alpha), 1e-10);
    }

    /** Whether α is searched per site (more than one candidate). */
    public boolean searches() {
        return alphas.size() > 1;
    }
}
