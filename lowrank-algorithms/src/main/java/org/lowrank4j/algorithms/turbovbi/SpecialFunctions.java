package org.lowrank4j.algorithms.turbovbi;

/** ln Γ and the digamma function ψ = (ln Γ)' for positive arguments, to about 1e-13 relative. */
final class SpecialFunctions {
    private SpecialFunctions() {
    }

    /** ln Γ(x), x > 0: the recurrence ln Γ(x) = ln Γ(x + 1) − ln x up to x ≥ 10, then Stirling's series. */
    static double lnGamma(double x) {
        double shift = 0;
        while (x < 10) {
            shift += Math.log(x);
            x += 1;
        }
        double inv = 1 / x, inv2 = inv * inv;
        return (x - 0.5) * Math.log(x) - x + 0.5 * Math.log(2 * Math.PI)
                + inv * (1.0 / 12 - inv2 * (1.0 / 360 - inv2 * (1.0 / 1260 - inv2 / 1680))) - shift;
    }

    /** ψ(x), x > 0: the recurrence ψ(x) = ψ(x + 1) − 1/x up to x ≥ 10, then the asymptotic series. */
    static double digamma(double x) {
        double result = 0;
        while (x < 10) {
            result -= 1 / x;
            x += 1;
        }
        double inv = 1 / x, inv2 = inv * inv;
        return result + Math.log(x) - 0.5 * inv
                - inv2 * (1.0 / 12 - inv2 * (1.0 / 120 - inv2 * (1.0 / 252 - inv2 * (1.0 / 240 - inv2 / 132))));
    }
}
