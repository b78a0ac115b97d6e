package org.lowrank4j.compress.methods.whitened;

import org.lowrank4j.compress.methods.MethodSpec;

/**
 * Options of whitened SVD (spec c04, SVD-LLM V1 and V2).
 *
 * @param route         how G is square-rooted: CHOLESKY (V1: G = L Lᵀ), EIGEN (V2: G = U S Uᵀ, pseudo-inverse on
 *                      the null space) or AUTO (Cholesky when G is numerically positive definite, else eigen)
 * @param relativeFloor eigenvalues at or below floor · λ_max count as zero on the eigen route (default 1e-10)
 */
public record WhitenedOptions(Route route, double relativeFloor) {

    public WhitenedOptions {
        if (route == null) {
            throw new IllegalArgumentException("whitened: the whitening route must be given (auto, cholesky or eigen)");
        }
        if (!(relativeFloor >= 0 && relativeFloor < 1e-2)) {
            throw new IllegalArgumentException("whitened: relative eigenvalue floor must be in [0, 0.01), got " + relativeFloor);
        }
    }

    public static WhitenedOptions defaults() {
        return new WhitenedOptions(Route.AUTO, 1e-10);
    }

    /** From {@code whitened[:route=auto|cholesky|eigen][:floor=F]}. */
    public static WhitenedOptions from(MethodSpec spec) {
        WhitenedOptions d = defaults();
        WhitenedOptions o = new WhitenedOptions(spec.choice("route", Route.class, d.route()), spec.number("floor", d.relativeFloor()));
        spec.requireAllRead();
        return o;
    }

    public enum Route { AUTO, CHOLESKY, EIGEN }
}
