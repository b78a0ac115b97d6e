package org.lowrank4j.adapt.snella;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.lowrank4j.adapt.snell.Competition;
import org.lowrank4j.adapt.snell.SnellAdapter;
import org.lowrank4j.adapt.snell.SnellLayers;
import org.lowrank4j.adapt.snell.SnellVariant;
import org.lowrank4j.adapt.snell.SnellWeight;
import org.lowrank4j.adapt.variant.AdapterVariant;
import org.lowrank4j.adapt.variant.StoredTensor;
import org.lowrank4j.adapt.variant.VariantAdapter;
import org.lowrank4j.adapt.variant.VariantSpec;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.tensor.Precision;

/**
 * SNELLA (Shen et al., 2025, arXiv:2510.24037; spec ../shared/methods/07-snell-snella.md): SNELL's layer with the mixed
 * kernel K + α·softmax_rows(K/γ) + β (α, γ, β trained per layer) and a per-layer sparsity set during training by
 * {@link SparsityAllocator}. Options: {@code rank} (q; default --rank), {@code heads} (default 2), {@code init-sparsity}
 * (default 0.01) and {@code target-sparsity} (default 0.8) of the budget schedule, {@code beta1}, {@code beta2} (0.85),
 * {@code interval} (steps between allocations, 1), {@code init-warmup}, {@code final-warmup} (steps, 0) — the defaults of
 * the reference's SNELLA-32 scripts — {@code coefficient} (0.1), or {@code budget} (trainable values: q·Σ(in + out) + 3
 * per layer). The budgets it chose (entries kept per layer) are in the folder's config and the run's report.
 */
public final class SnellaVariant implements AdapterVariant {

    @Override
    public String name() {
        return "snella";
    }

    @Override
    public String peftType() {
        return "LOWRANK4J_SNELLA";
    }

    @Override
    public VariantAdapter create(Map<String, Linear> targets, VariantSpec spec, int defaultRank, double defaultAlpha, long seed,
            Precision precision) {
        int rank = spec.integer("rank", defaultRank, 1);
        int heads = spec.integer("heads", 2, 1);
        double init = spec.number("init-sparsity", 0.01);
        double target = spec.number("target-sparsity", 0.8);
        double beta1 = spec.number("beta1", 0.85), beta2 = spec.number("beta2", 0.85);
        int interval = spec.integer("interval", 1, 1);
        int initWarmup = spec.integer("init-warmup", 0, 0), finalWarmup = spec.integer("final-warmup", 0, 0);
        double coefficient = spec.number("coefficient", 0.1);
        long budget = spec.longValue("budget", 0);
        spec.requireAllRead();
        if (!(init >= 0 && init < 1) || !(target >= 0 && target < 1)) {
            throw new IllegalArgumentException("--adapter " + spec.text() + ": init-sparsity and target-sparsity are shares of entries pruned, in "
                    + "[0, 1), got " + init + " and " + target);
        }
        if (coefficient == 0) {
            throw new IllegalArgumentException("--adapter " + spec.text() + ": coefficient 0 makes the kernel 0; the reference uses 0.1");
        }
        if (spec.has("budget")) {
            rank = SnellLayers.rankForBudget(spec.text(), targets, heads, 3, budget);
        } else if (rank % heads != 0) {
            throw new IllegalArgumentException("--adapter " + spec.text() + ": rank " + rank + " must be a multiple of heads (" + heads + ")");
        }
        Map<String, SnellWeight> layers = SnellLayers.fresh(targets, rank, heads, coefficient, true, true,
                l -> (int) Competition.keptCount(init, (long) l.inFeatures() * l.outFeatures()), seed, precision);
        SparsityAllocator allocator;
        try {
            allocator = new SparsityAllocator(new ArrayList<>(layers.values()), init, target, beta1, beta2, interval, initWarmup, finalWarmup);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--adapter " + spec.text() + ": " + e.getMessage());
        }
        ObjectNode fields = SnellLayers.JSON.createObjectNode();
        fields.put("init_sparsity", init);
        fields.put("target_sparsity", target);
        fields.put("beta1", beta1);
        fields.put("beta2", beta2);
        fields.put("interval", interval);
        fields.put("init_warmup", initWarmup);
        fields.put("final_warmup", finalWarmup);
        return new SnellaAdapter(this, layers, fields, allocator);
    }

    @Override
    public VariantAdapter read(ObjectNode config, Map<String, Map<String, StoredTensor>> tensors, Map<String, Linear> modules, Precision precision) {
        ObjectNode fields = config.deepCopy();
        List.of("rank", "heads", "kernel_coefficient", "sparse", "kept").forEach(fields::remove);
        return new SnellaAdapter(this, SnellLayers.read("SNELLA", config, tensors, modules, precision, true), fields, null);
    }

    @Override
    public List<String> describe(ObjectNode config, Map<String, Map<String, StoredTensor>> tensors) {
        List<String> out = SnellVariant.describe("SNELLA (mixed kernel, allocated budgets)", config, tensors);
        out.add(1, String.format(Locale.ROOT, "budget schedule: sparsity %s -> %s; the entries kept per module below are the budgets it chose",
                config.path("init_sparsity").asText(), config.path("target_sparsity").asText()));
        return out;
    }

    /** SNELL's adapter plus the allocator (null when read from a folder) and the budgets it chose. */
    static final class SnellaAdapter extends SnellAdapter {
        private final SparsityAllocator allocator;

        SnellaAdapter(AdapterVariant variant, Map<String, SnellWeight> layers, ObjectNode fields, SparsityAllocator allocator) {
            super(variant, layers, fields);
            this.allocator = allocator;
        }

        @Override
        public void afterStep(long step, long totalSteps, double rate, double peakRate) {
            if (allocator == null) {
                throw new IllegalStateException("a SNELLA adapter read from a folder has no allocator; it is not trained further");
            }
            allocator.afterStep(step, totalSteps);
        }

        @Override
        public ObjectNode config() {
            ObjectNode o = super.config();
            if (allocator != null) {
                ObjectNode scores = o.putObject("scores");
                double[] s = allocator.scores();
                int l = 0;
                for (String path : snellLayers().keySet()) {
                    scores.put(path, s[l++]);
                }
                o.put("allocations", allocator.allocations());
            }
            return o;
        }

        /** The storage line, then the budgets chosen: per layer the entries kept, its sparsity and its score. */
        @Override
        public List<String> report() {
            List<String> out = new ArrayList<>();
            out.add(SnellLayers.storageLine("SNELLA", snellLayers()));
            double[] s = allocator != null ? allocator.scores() : null;
            out.add("SNELLA budgets chosen (entries of ΔW kept per layer" + (allocator != null ? ", after " + allocator.allocations()
                    + " allocations" : "") + "):");
            int l = 0;
            for (Map.Entry<String, SnellWeight> e : snellLayers().entrySet()) {
                SnellWeight w = e.getValue();
                long cap = (long) w.inFeatures() * w.outFeatures();
                out.add(String.format(Locale.ROOT, "%s: keeps %,d of %,d (sparsity %.4f)%s, α %.4g γ %.4g β %.3g", e.getKey(), w.kept(), cap,
                        1 - (double) w.kept() / cap, s != null ? String.format(Locale.ROOT, ", score %.4f", s[l]) : "", w.mix().value().get(0),
                        w.mix().value().get(1), w.mix().value().get(2)));
                l++;
            }
            return out;
        }
    }
}
