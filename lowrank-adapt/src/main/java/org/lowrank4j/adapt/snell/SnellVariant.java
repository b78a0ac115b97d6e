package org.lowrank4j.adapt.snell;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.lowrank4j.adapt.variant.AdapterVariant;
import org.lowrank4j.adapt.variant.StoredTensor;
import org.lowrank4j.adapt.variant.VariantAdapter;
import org.lowrank4j.adapt.variant.VariantSpec;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.tensor.Precision;

/**
 * SNELL (Shen et al., NeurIPS 2024, arXiv:2411.01800; spec ../shared/methods/07-snell-snella.md): a kernelised low-rank
 * update, sparsified by magnitude competition on every forward ({@link SnellWeight}). Options: {@code rank} (q, the
 * reference's low_rank_dim; default --rank), {@code heads} (H, default 2; q must be a multiple), {@code sparsity}
 * (s in [0, 1): the share of ΔW's entries pruned, default 0.9 as the SNELL-32 scripts; 0 is the reference's plain
 * kernel without competition), {@code coefficient} (c of c_h = c·(−1)^h, default 0.1), or {@code budget} (trainable
 * values in all: q = the largest multiple of H with q·Σ(in + out) ≤ budget). Trainable values per layer: q·(in + out).
 */
public final class SnellVariant implements AdapterVariant {

    @Override
    public String name() {
        return "snell";
    }

    @Override
    public String peftType() {
        return "LOWRANK4J_SNELL";
    }

    @Override
    public VariantAdapter create(Map<String, Linear> targets, VariantSpec spec, int defaultRank, double defaultAlpha, long seed,
            Precision precision) {
        int rank = spec.integer("rank", defaultRank, 1);
        int heads = spec.integer("heads", 2, 1);
        double sparsity = spec.number("sparsity", 0.9);
        double coefficient = spec.number("coefficient", 0.1);
        long budget = spec.longValue("budget", 0);
        spec.requireAllRead();
        if (!(sparsity >= 0 && sparsity < 1)) {
            throw new IllegalArgumentException("--adapter " + spec.text() + ": sparsity is the share of entries pruned, in [0, 1), got " + sparsity);
        }
        if (coefficient == 0) {
            throw new IllegalArgumentException("--adapter " + spec.text() + ": coefficient 0 makes the kernel 0; the reference uses 0.1");
        }
        if (spec.has("budget")) {
            rank = SnellLayers.rankForBudget(spec.text(), targets, heads, 0, budget);
        } else if (rank % heads != 0) {
            throw new IllegalArgumentException("--adapter " + spec.text() + ": rank " + rank + " must be a multiple of heads (" + heads + ")");
        }
        boolean sparse = sparsity > 0;
        Map<String, SnellWeight> layers = SnellLayers.fresh(targets, rank, heads, coefficient, false, sparse,
                l -> (int) Competition.keptCount(sparsity, (long) l.inFeatures() * l.outFeatures()), seed, precision);
        ObjectNode fields = SnellLayers.JSON.createObjectNode();
        fields.put("sparsity", sparsity);
        return new SnellAdapter(this, layers, fields);
    }

    @Override
    public VariantAdapter read(ObjectNode config, Map<String, Map<String, StoredTensor>> tensors, Map<String, Linear> modules, Precision precision) {
        ObjectNode fields = SnellLayers.JSON.createObjectNode();
        fields.put("sparsity", config.path("sparsity").asDouble(Double.NaN));
        return new SnellAdapter(this, SnellLayers.read("SNELL", config, tensors, modules, precision, false), fields);
    }

    @Override
    public List<String> describe(ObjectNode config, Map<String, Map<String, StoredTensor>> tensors) {
        return describe("SNELL", config, tensors);
    }

    /** The lines of {@code adapter inspect} for a SNELL or SNELLA folder. */
    public static List<String> describe(String kind, ObjectNode config, Map<String, Map<String, StoredTensor>> tensors) {
        List<String> out = new ArrayList<>();
        long kept = 0;
        int count = 0;
        for (var e : config.path("kept").properties()) {
            kept += e.getValue().asLong();
            count++;
        }
        out.add(String.format(Locale.ROOT, "%s, q = %d over %d heads, kernel coefficient %s, %s; %d modules, %,d entries of ΔW kept in all", kind,
                config.path("rank").asInt(), config.path("heads").asInt(), config.path("kernel_coefficient").asText(),
                config.path("sparse").asBoolean() ? "sparsified by magnitude competition" : "plain kernel (no competition)", count, kept));
        config.path("kept").properties().forEach(e -> {
            StoredTensor p = tensors.getOrDefault(e.getKey(), Map.of()).get(SnellLayers.P);
            out.add(e.getKey() + ": keeps " + e.getValue().asLong() + " entries" + (p != null ? ", P " + p.shapeString() : ""));
        });
        return out;
    }
}
