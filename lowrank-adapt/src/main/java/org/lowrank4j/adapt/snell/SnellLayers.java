package org.lowrank4j.adapt.snell;

import static org.lowrank4j.adapt.variant.StoredTensor.required;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.function.ToIntFunction;
import org.lowrank4j.adapt.variant.StoredTensor;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;

/**
 * What SNELL and SNELLA share: sizing q from a budget, fresh layers (P and Q kaiming-uniform with a = √5 over the whole
 * (H, n, q_h) tensor as the reference's {@code nn.init.kaiming_uniform_}, i.e. bound 1/√(n·q_h); α = γ = 1, β = 0), the
 * folder's tensors ({@code snell_P}, {@code snell_Q}, {@code snell_mix}) and config fields (q, H, c, sparse, kept entries
 * per module), and the storage accounting.
 */
public final class SnellLayers {
    public static final String P = "snell_P", Q = "snell_Q", MIX = "snell_mix";
    public static final ObjectMapper JSON = new ObjectMapper();

    private SnellLayers() {
    }

    /**
     * The largest q, a multiple of {@code heads}, with q·Σ(in + out) + extraPerLayer·L ≤ budget.
     *
     * @throws IllegalArgumentException when even q = H (one kernel dimension per head) does not fit
     */
    public static int rankForBudget(String specText, Map<String, Linear> targets, int heads, int extraPerLayer, long budget) {
        long perRank = 0;
        for (Linear l : targets.values()) {
            perRank += l.inFeatures() + l.outFeatures();
        }
        long extra = (long) extraPerLayer * targets.size();
        long least = heads * perRank + extra;
        if (budget < least) {
            throw new IllegalArgumentException("--adapter " + specText + ": a budget of " + budget + " trainable values gives no layer one kernel "
                    + "dimension per head: q = " + heads + " (" + heads + " heads) on the " + targets.size() + " adapted layers costs " + least);
        }
        long q = (budget - extra) / perRank;
        return (int) Math.min(Integer.MAX_VALUE - heads, q - q % heads);
    }

    /** Fresh layers over the targets. {@code kept} gives each layer's starting kept count. */
    public static Map<String, SnellWeight> fresh(Map<String, Linear> targets, int rank, int heads, double coefficient, boolean mixed, boolean sparse,
            ToIntFunction<Linear> kept, long seed, Precision precision) {
        if (rank < 1 || heads < 1 || rank % heads != 0) {
            throw new IllegalArgumentException("SNELL's rank q = " + rank + " must be a positive multiple of its " + heads + " heads");
        }
        int qh = rank / heads;
        Random random = new Random(seed);
        Map<String, SnellWeight> layers = new LinkedHashMap<>();
        for (Map.Entry<String, Linear> e : targets.entrySet()) {
            String path = e.getKey();
            Linear linear = e.getValue();
            int n = linear.inFeatures(), m = linear.outFeatures();
            Tensor p = uniform(precision, random, 1 / Math.sqrt((double) n * qh), heads, n, qh);
            Tensor q = uniform(precision, random, 1 / Math.sqrt((double) m * qh), heads, m, qh);
            Parameter mix = mixed ? new Parameter(path + "." + MIX, Tensor.of(precision, new double[] {1, 1, 0}, 3)) : null;
            layers.put(path, new SnellWeight(path, linear.weight(), new Parameter(path + "." + P, p), new Parameter(path + "." + Q, q), mix,
                    coefficient, sparse, kept.applyAsInt(linear)));
        }
        return layers;
    }

    private static Tensor uniform(Precision precision, Random random, double bound, int... shape) {
        Tensor t = Tensor.zeros(precision, shape);
        for (int i = 0; i < t.size(); i++) {
            t.set(i, (2 * random.nextDouble() - 1) * bound);
        }
        return t;
    }

    /** The shared config fields: rank q, heads H, kernel coefficient c, sparse, kept entries per module. */
    public static ObjectNode config(Map<String, SnellWeight> layers) {
        SnellWeight first = layers.values().iterator().next();
        ObjectNode o = JSON.createObjectNode();
        o.put("rank", first.rank());
        o.put("heads", first.heads());
        o.put("kernel_coefficient", first.coefficient());
        o.put("sparse", first.sparse());
        ObjectNode kept = o.putObject("kept");
        layers.forEach((path, w) -> kept.put(path, w.kept()));
        return o;
    }

    /** P, Q (and mix) per module. */
    public static Map<String, Map<String, StoredTensor>> tensors(Map<String, SnellWeight> layers) {
        Map<String, Map<String, StoredTensor>> out = new LinkedHashMap<>();
        layers.forEach((path, w) -> {
            Map<String, StoredTensor> m = new LinkedHashMap<>();
            m.put(P, StoredTensor.of(w.p().value()));
            m.put(Q, StoredTensor.of(w.q().value()));
            if (w.mix() != null) {
                m.put(MIX, StoredTensor.of(w.mix().value()));
            }
            out.put(path, m);
        });
        return out;
    }

    /**
     * The layers a folder holds, for the model's modules.
     *
     * @throws IllegalArgumentException naming the module or field that does not fit
     */
    public static Map<String, SnellWeight> read(String kind, ObjectNode config, Map<String, Map<String, StoredTensor>> tensors,
            Map<String, Linear> modules, Precision precision, boolean mixed) {
        int rank = config.path("rank").asInt(0), heads = config.path("heads").asInt(0);
        double c = config.path("kernel_coefficient").asDouble(Double.NaN);
        JsonNode kept = config.path("kept");
        if (heads < 1 || rank < heads || rank % heads != 0 || !Double.isFinite(c) || !kept.isObject() || !config.path("sparse").isBoolean()) {
            throw new IllegalArgumentException("adapter_config.json: a " + kind + " config needs rank a multiple of heads >= 1, a finite "
                    + "kernel_coefficient, sparse (true/false) and kept entries per module");
        }
        boolean sparse = config.path("sparse").asBoolean();
        int qh = rank / heads;
        Map<String, SnellWeight> layers = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : kept.properties()) {
            String path = e.getKey();
            Linear linear = modules.get(path);
            if (linear == null) {
                throw new IllegalArgumentException("the adapter is for module " + path + ", which this model does not have: it was made for another base model");
            }
            Map<String, StoredTensor> t = tensors.getOrDefault(path, Map.of());
            int n = linear.inFeatures(), m = linear.outFeatures();
            Tensor p = required(t, P, path, precision, heads, n, qh), q = required(t, Q, path, precision, heads, m, qh);
            Parameter mix = mixed ? new Parameter(path + "." + MIX, required(t, MIX, path, precision, 3)) : null;
            long k = e.getValue().asLong(-1);
            if (k < 0 || k > (long) n * m) {
                throw new IllegalArgumentException("adapter_config.json: " + path + " keeps " + e.getValue() + " entries, outside [0, " + (long) n * m + "]");
            }
            layers.put(path, new SnellWeight(path, linear.weight(), new Parameter(path + "." + P, p), new Parameter(path + "." + Q, q), mix, c, sparse,
                    (int) k));
        }
        if (layers.isEmpty()) {
            throw new IllegalArgumentException("adapter_config.json: a " + kind + " config lists no module under \"kept\"");
        }
        return layers;
    }

    /**
     * The storage line: the file holds P, Q (and mix) as float32, while the sparse ΔW it stands for would cost its kept
     * values plus an int32 index each, and the dense ΔW 4 bytes per entry.
     */
    public static String storageLine(String kind, Map<String, SnellWeight> layers) {
        long kept = 0, entries = 0, stored = 0;
        for (SnellWeight w : layers.values()) {
            kept += w.sparse() ? w.kept() : (long) w.inFeatures() * w.outFeatures();
            entries += (long) w.inFeatures() * w.outFeatures();
            stored += w.trainableCount();
        }
        return String.format(Locale.ROOT, "%s storage: ΔW keeps %,d of %,d entries (%.2f%%, sparsity %.4f) over %d layers; the file stores %,d "
                + "float32 values (%,d bytes of tensors) in place of %,d bytes for the kept entries as float32 values + int32 indices "
                + "(%,d bytes dense)", kind, kept, entries, 100.0 * kept / entries, 1 - (double) kept / entries, layers.size(), stored, 4 * stored,
                8 * kept, 4 * entries);
    }
}
