package org.lowrank4j.nn.train.sltrain;

import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.generate.CausalLanguageModel;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.train.Parameterization;
import org.lowrank4j.nn.weight.SparsePlusLowRankWeight;

/**
 * SLTrain (Han et al., NeurIPS 2024, arXiv:2406.02214): every block projection becomes
 * {@code W = (α/r)·B·A + S}, S on a fixed random support Ω of ⌊δ·out·in⌋ entries drawn uniformly without replacement
 * (at least one), with trainable values; embeddings and norms stay dense. Initialisation as the reference code:
 * A ~ U(±1/√in) (Kaiming-uniform with a = √5), <b>B = 0</b>, values ~ U(±1/√in), so the initial weight is the sparse
 * matrix alone. The support is drawn from the run's seed and the sites' shapes only, so a resumed run draws the same
 * one before its checkpoint fills the values.
 *
 * @param rank    r, at least 1 and at most every projection's smaller dimension
 * @param density δ in (0, 1]
 * @param alpha   α, finite and positive; the scale of B·A is α/r
 */
public record SlTrain(int rank, double density, double alpha) implements Parameterization {
    public static final String METHOD = "sltrain";
    /** The reference scripts' LLaMA-60M settings: r = 128, δ = 0.03, α = 32. */
    public static final int DEFAULT_RANK = 128;
    public static final double DEFAULT_DENSITY = 0.03, DEFAULT_ALPHA = 32;
    /** Parameter name suffixes: {@code <site>.sltrain_B} (out, r), {@code .sltrain_A} (r, in), {@code .sltrain_values}. */
    public static final String B_SUFFIX = ".sltrain_B", A_SUFFIX = ".sltrain_A", VALUES_SUFFIX = ".sltrain_values";

    public SlTrain {
        if (rank < 1) {
            throw new IllegalArgumentException(METHOD + ": option rank must be >= 1, got " + rank);
        }
        if (!(density > 0 && density <= 1)) {
            throw new IllegalArgumentException(METHOD + ": option density must be in (0, 1], got " + density);
        }
        if (!(alpha > 0) || !Double.isFinite(alpha)) {
            throw new IllegalArgumentException(METHOD + ": option alpha must be a finite number > 0, got " + alpha);
        }
    }

    /** {@code sltrain:rank=R:density=D:alpha=A}, every option written out. */
    public String describe() {
        return String.format(Locale.ROOT, "%s:rank=%d:density=%s:alpha=%s", METHOD, rank, density, alpha);
    }

    /** s = α / r. */
    public double scale() {
        return alpha / rank;
    }

    /** |Ω| of an out × in weight: ⌊δ·out·in⌋, at least 1. */
    public int supportSize(int out, int in) {
        return (int) Math.max(1, Math.floor(density * out * in));
    }

    @Override
    public void install(CausalLanguageModel model, long seed) {
        Map<String, Linear> sites = model.linearSites();
        for (Map.Entry<String, Linear> e : sites.entrySet()) {
            requireRankFits(METHOD, rank, e.getKey(), e.getValue());
        }
        SplittableRandom random = new SplittableRandom(seed);
        for (Linear linear : sites.values()) {
            linear.setWeight(initial(linear.name(), linear.outFeatures(), linear.inFeatures(), linear.weight().precision(), random));
        }
    }

    /** The initial weight of one projection, drawing its support and values from {@code random} (in this order). */
    SparsePlusLowRankWeight initial(String name, int out, int in, Precision precision, SplittableRandom random) {
        int[] support = randomSupport(out * in, supportSize(out, in), random);
        double bound = 1 / Math.sqrt(in);
        Tensor a = Tensor.zeros(precision, rank, in);
        for (int i = 0; i < a.size(); i++) {
            a.set(i, random.nextDouble(-bound, bound));
        }
        Tensor v = Tensor.zeros(precision, support.length);
        for (int i = 0; i < v.size(); i++) {
            v.set(i, random.nextDouble(-bound, bound));
        }
        return new SparsePlusLowRankWeight(new Parameter(name + B_SUFFIX, Tensor.zeros(precision, out, rank)),
                new Parameter(name + A_SUFFIX, a), scale(), support, new Parameter(name + VALUES_SUFFIX, v));
    }

    /** {@code count} distinct indices of [0, size), uniformly without replacement (partial Fisher–Yates), sorted. */
    static int[] randomSupport(int size, int count, SplittableRandom random) {
        int[] all = new int[size];
        for (int i = 0; i < size; i++) {
            all[i] = i;
        }
        for (int i = 0; i < count; i++) {
            int j = i + random.nextInt(size - i);
            int t = all[i];
            all[i] = all[j];
            all[j] = t;
        }
        int[] chosen = Arrays.copyOf(all, count);
        Arrays.sort(chosen);
        return chosen;
    }

    /** One line when {@code rank} exceeds the projection's smaller dimension. */
    public static void requireRankFits(String method, int rank, String site, Linear linear) {
        int limit = Math.min(linear.outFeatures(), linear.inFeatures());
        if (rank > limit) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "%s: rank %d exceeds min(out, in) = %d of %s (%d x %d); choose rank <= %d",
                    method, rank, limit, site, linear.outFeatures(), linear.inFeatures(), limit));
        }
    }
}
