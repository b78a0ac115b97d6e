package org.lowrank4j.nn.train.lowrank.maestro;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.lowrank4j.nn.generate.CausalLanguageModel;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.train.LanguageModel;
import org.lowrank4j.nn.train.Parameterization;

/**
 * Maestro's parameterisation: every linear site of the model's blocks becomes an {@link OrderedWeight} initialised from
 * the exact SVD of its current weight. The object also holds what the method's objective and optimizer share: the
 * per-layer sampler of the partial passes, the group lasso and progressive shrinking.
 *
 * <p><b>Sampler</b> (the paper's {@code per_layer}): all pairs (site, width j), j = 1 … kept count of the site, are
 * enumerated and shuffled; each partial pass takes the next pair; when they are exhausted, or after a shrinking
 * dropped something, the pairs are enumerated again and shuffled anew. The order is a function of (seed, reshuffle
 * number, kept sets), and the reshuffle number and position are a state tensor ({@link #state()}), as are the kept
 * flags, so a resumed run continues with the same pairs.
 */
public final class MaestroSites implements Parameterization {
    private final MaestroSettings settings;
    private final List<OrderedWeight> weights = new ArrayList<>();
    private final List<String> sites = new ArrayList<>();
    private Tensor sampler = Tensor.zeros(Precision.FLOAT32, 2); // [reshuffle number, position]
    private long seed;

    public MaestroSettings settings() {
        return settings;
    }

    public MaestroSites(MaestroSettings settings) {
        this.settings = settings;
    }

    @Override
    public void install(CausalLanguageModel model, long seed) {
        weights.clear();
        sites.clear();
        for (Map.Entry<String, Linear> e : model.linearSites().entrySet()) {
            Linear linear = e.getValue();
            OrderedWeight w = OrderedWeight.of(linear.name(), linear.weight().toDense());
            linear.setWeight(w);
            weights.add(w);
            sites.add(e.getKey());
        }
        if (weights.isEmpty()) {
            throw new IllegalArgumentException(MaestroSettings.METHOD + ": the model has no linear sites to factorise");
        }
        this.sampler = Tensor.zeros(model.precision(), 2);
        this.seed = seed;
    }

    @Override
    public LanguageModel objective(CausalLanguageModel model, LanguageModel plain) {
        return new MaestroObjective(model, plain, this);
    }

    /** The weights of the latest {@link #install}, in site order. */
    public List<OrderedWeight> weights() {
        return List.copyOf(weights);
    }

    /** One sampled partial pass: site index (into {@link #weights()}) and width. */
    public record Pair(int site, int width) {
    }

    /** The next (site, width) pair of the shuffled enumeration; advances the sampler state. */
    public Pair nextPair() {
        long round = (long) sampler.get(0);
        int position = (int) sampler.get(1);
        List<Pair> pairs = enumerate(round);
        if (position >= pairs.size()) {
            round++;
            position = 0;
            pairs = enumerate(round);
        }
        sampler.set(0, round);
        sampler.set(1, position + 1);
        return pairs.get(position);
    }

    /** The pairs of reshuffle {@code round} for the current kept sets, in their shuffled order. */
    List<Pair> enumerate(long round) {
        List<Pair> pairs = new ArrayList<>();
        for (int s = 0; s < weights.size(); s++) {
            int kept = weights.get(s).keptCount();
            for (int j = 1; j <= kept; j++) {
                pairs.add(new Pair(s, j));
            }
        }
        SplittableRandom random = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + round * 0xC2B2AE3D27D4EB4FL + 0x165667B19E3779F9L);
        for (int i = pairs.size() - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            Pair t = pairs.get(i);
            pairs.set(i, pairs.get(j));
            pairs.set(j, t);
        }
        return pairs;
    }

    /** λ·Σ_sites Σ_kept j (‖V_j,:‖ + ‖U_:,j‖), its gradient added into the factors' gradients. */
    public double groupLassoAndBackward() {
        double sum = 0;
        for (OrderedWeight w : weights) {
            sum += w.groupLasso(settings.lambda());
        }
        return settings.lambda() * sum;
    }

    /**
     * Progressive shrinking: drops, at every site, the kept components with importance below the threshold; when any was
     * dropped the sampler starts a new shuffled enumeration.
     *
     * @return the number of components dropped
     */
    public int shrink() {
        int dropped = 0;
        for (OrderedWeight w : weights) {
            dropped += w.shrink(settings.threshold());
        }
        if (dropped > 0) {
            sampler.set(0, sampler.get(0) + 1);
            sampler.set(1, 0);
        }
        return dropped;
    }

    /** The live state tensors: {@code maestro.kept.<U's name>} per site and {@code maestro.sampler}. */
    public Map<String, Tensor> state() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (OrderedWeight w : weights) {
            out.put("maestro.kept." + w.u().name(), w.keptFlags());
        }
        out.put("maestro.sampler", sampler);
        return out;
    }

    @Override
    public Map<String, Integer> siteRanks() {
        Map<String, Integer> out = new LinkedHashMap<>();
        for (int s = 0; s < weights.size(); s++) {
            out.put(sites.get(s), weights.get(s).keptCount());
        }
        return out;
    }
}
