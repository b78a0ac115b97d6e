package org.lowrank4j.compress.recover;

import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.weight.LowRankWeight;
import org.lowrank4j.nn.weight.WeightFactorization;

/**
 * How far one factorised site's weight {@code Ŵ = A·B} is from the original {@code W} (both out × in): the relative
 * Frobenius distance {@code ‖AB − W‖_F / ‖W‖_F} and the largest entry {@code max |AB − W|} (what PELA's term bounds,
 * spec 14).
 *
 * @param site       the student layer's name
 * @param rank       r
 * @param relative   ‖AB − W‖_F / ‖W‖_F
 * @param maxEntry   max_ij |AB − W|_ij
 */
public record WeightDistance(String site, int rank, double relative, double maxEntry) {

    /** The distance of {@code factors} from {@code original} (out, in). */
    public static WeightDistance of(String site, LowRankWeight factors, Tensor original) {
        return of(site, factors, factors.rank(), original);
    }

    /** The distance of any stored form (factors, a quantized base with its rank-{@code rank} branch) from {@code original}. */
    public static WeightDistance of(String site, WeightFactorization weight, int rank, Tensor original) {
        if (!original.hasShape(weight.outFeatures(), weight.inFeatures())) {
            throw new IllegalArgumentException(site + ": factors of a " + weight.outFeatures() + "x" + weight.inFeatures()
                    + " weight, original " + original.shapeString());
        }
        Tensor product = weight.toDense(); // (out, in)
        double diff = 0, norm = 0, max = 0;
        for (int i = 0; i < product.size(); i++) {
            double w = original.get(i), e = product.get(i) - w;
            diff += e * e;
            norm += w * w;
            max = Math.max(max, Math.abs(e));
        }
        return new WeightDistance(site, rank, norm == 0 ? Math.sqrt(diff) : Math.sqrt(diff / norm), max);
    }
}
