package org.lowrank4j.nn.train.lowrank.trp;

import java.util.Locale;

/**
 * TRP's options.
 *
 * @param period  m, steps between truncations (the reference's {@code --decouple-period}; its training script uses 5)
 * @param energy  e in (0, 1]: the kept rank k is the smallest with Σ_{i≤k} σ_i² ≥ e·Σ σ_i² (the reference's 0.9)
 * @param nuclear λ ≥ 0, the weight of the truncated nuclear-norm sub-gradient U_k·V_kᵀ (the reference's 3e-4)
 */
public record TrpSettings(int period, double energy, double nuclear) {
    public static final String METHOD = "trp";
    public static final int DEFAULT_PERIOD = 5;
    public static final double DEFAULT_ENERGY = 0.9, DEFAULT_NUCLEAR = 3e-4;

    public TrpSettings {
        if (period < 1) {
            throw new IllegalArgumentException(METHOD + ": option period must be >= 1 (steps between truncations), got " + period);
        }
        if (!(energy > 0 && energy <= 1)) {
            throw new IllegalArgumentException(METHOD + ": option energy must be in (0, 1] (the share of Σσ² the truncation keeps), got " + energy);
        }
        if (!(nuclear >= 0) || !Double.isFinite(nuclear)) {
            throw new IllegalArgumentException(METHOD + ": option nuclear must be a finite number >= 0 (weight of the nuclear-norm term), got "
                    + nuclear);
        }
    }

    public String describe() {
        return String.format(Locale.ROOT, "%s:period=%d:energy=%s:nuclear=%s", METHOD, period, energy, nuclear);
    }
}
