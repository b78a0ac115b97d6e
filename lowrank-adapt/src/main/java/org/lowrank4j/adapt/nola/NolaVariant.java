package org.lowrank4j.adapt.nola;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.lowrank4j.adapt.variant.AdapterVariant;
import org.lowrank4j.adapt.variant.StoredTensor;
import org.lowrank4j.adapt.variant.VariantAdapter;
import org.lowrank4j.adapt.variant.VariantSpec;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;

/**
 * NOLA (Koohpayegani et al., ICLR 2024, arXiv:2310.02556; spec ../shared/methods/05-nola-loca.md A): LoRA whose factors
 * are mixtures of seeded random bases ({@link NolaWeight}); a folder stores the seeds, the generator version and the
 * coefficients only. Options: {@code rank}, {@code alpha}, {@code basis} (k = l bases per factor, default 128),
 * {@code basis-a}, {@code basis-b}, or {@code budget} (trainable values in all, split evenly: k = l = budget / (2 · layers)).
 */
public final class NolaVariant implements AdapterVariant {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String COEF_A = "nola_alpha";
    static final String COEF_B = "nola_beta";

    @Override
    public String name() {
        return "nola";
    }

    @Override
    public String peftType() {
        return "LOWRANK4J_NOLA";
    }

    @Override
    public VariantAdapter create(Map<String, Linear> targets, VariantSpec spec, int defaultRank, double defaultAlpha, long seed,
            Precision precision) {
        int rank = spec.integer("rank", defaultRank, 1);
        double alpha = spec.number("alpha", defaultAlpha);
        int basis = spec.integer("basis", 128, 1);
        int k = spec.integer("basis-a", basis, 1);
        int l = spec.integer("basis-b", basis, 1);
        long budget = spec.longValue("budget", 0);
        spec.requireAllRead();
        if (spec.has("budget")) {
            long perFactor = budget / (2L * targets.size());
            if (perFactor < 1) {
                throw new IllegalArgumentException("--adapter " + spec.text() + ": a budget of " + budget + " trainable values cannot give each of the "
                        + targets.size() + " adapted layers one coefficient per factor (NOLA needs at least " + 2 * targets.size() + ")");
            }
            k = l = (int) Math.min(Integer.MAX_VALUE, perFactor);
        }
        Map<String, NolaWeight> layers = new LinkedHashMap<>();
        long n = 0;
        for (Map.Entry<String, Linear> e : targets.entrySet()) {
            String path = e.getKey();
            Linear linear = e.getValue();
            int limit = Math.min(linear.inFeatures(), linear.outFeatures());
            if (rank > limit) {
                throw new IllegalArgumentException("NOLA rank " + rank + " for " + path + " is above min(in, out) = " + limit);
            }
            layers.put(path, new NolaWeight(path, linear.weight(), rank, alpha, NolaBasis.seed(seed, n), NolaBasis.seed(seed, n + 1),
                    new Parameter(path + "." + COEF_A, Tensor.zeros(precision, k)), new Parameter(path + "." + COEF_B, Tensor.zeros(precision, l))));
            n += 2;
        }
        return new NolaAdapter(this, layers);
    }

    @Override
    public VariantAdapter read(ObjectNode config, Map<String, Map<String, StoredTensor>> tensors, Map<String, Linear> modules, Precision precision) {
        requireFields(config);
        int rank = config.path("r").asInt(0);
        double alpha = config.path("lora_alpha").asDouble(Double.NaN);
        JsonNode seeds = config.path("seeds");
        Map<String, NolaWeight> layers = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : (Iterable<Map.Entry<String, JsonNode>>) seeds::fields) {
            String path = e.getKey();
            JsonNode pair = e.getValue();
            if (!pair.isArray() || pair.size() != 2 || !pair.get(0).canConvertToLong() || !pair.get(1).canConvertToLong()) {
                throw new IllegalArgumentException("adapter_config.json: seeds[\"" + path + "\"] must be [seed_a, seed_b], got " + pair);
            }
            Map<String, StoredTensor> t = tensors.get(path);
            if (t == null || !t.containsKey(COEF_A) || !t.containsKey(COEF_B)) {
                throw new IllegalArgumentException("adapter_model.safetensors has no " + COEF_A + " / " + COEF_B + " for " + path);
            }
            Linear linear = modules.get(path);
            if (linear == null) {
                throw new IllegalArgumentException("the adapter is for module " + path + ", which this model does not have: it was made for another base model");
            }
            layers.put(path, new NolaWeight(path, linear.weight(), rank, alpha, pair.get(0).asLong(), pair.get(1).asLong(),
                    new Parameter(path + "." + COEF_A, vector(t.get(COEF_A), path, precision)),
                    new Parameter(path + "." + COEF_B, vector(t.get(COEF_B), path, precision))));
        }
        return new NolaAdapter(this, layers);
    }

    private static Tensor vector(StoredTensor t, String path, Precision precision) {
        if (t.shape().length != 1) {
            throw new IllegalArgumentException("adapter_model.safetensors: NOLA coefficients of " + path + " have shape " + t.shapeString()
                    + "; they are vectors");
        }
        return t.toTensor(precision);
    }

    /**
     * The fields every reader of the config needs ({@link #read} with a model, {@link #describe} without): this build's
     * generator version, r >= 1, a finite lora_alpha, seeds per module.
     */
    private static void requireFields(ObjectNode config) {
        requireVersion(config);
        JsonNode r = config.path("r"), seeds = config.path("seeds");
        if (!r.canConvertToExactIntegral() || r.asInt() < 1 || !Double.isFinite(config.path("lora_alpha").asDouble(Double.NaN))
                || !seeds.isObject() || seeds.isEmpty()) {
            throw new IllegalArgumentException("adapter_config.json: a NOLA config needs r >= 1, a finite lora_alpha and seeds per module; it"
                    + " has r = " + r + ", lora_alpha = " + config.path("lora_alpha") + (seeds.isObject() ? ", seeds for " + seeds.size()
                    + " modules" : ", no seeds object"));
        }
    }

    /** @throws IllegalArgumentException in one line when the file's generator version is not this build's */
    static void requireVersion(ObjectNode config) {
        JsonNode v = config.get("generator_version");
        if (v == null || !v.isIntegralNumber() || v.asInt() != NolaBasis.GENERATOR_VERSION) {
            throw new IllegalArgumentException("adapter_config.json: this NOLA adapter's bases come from generator version " + v
                    + ", but this build regenerates them with version " + NolaBasis.GENERATOR_VERSION
                    + " only; its seeds would give other bases, so it cannot be loaded (train it again with this build)");
        }
    }

    @Override
    public List<String> describe(ObjectNode config, Map<String, Map<String, StoredTensor>> tensors) {
        requireFields(config);
        List<String> out = new ArrayList<>();
        out.add(String.format(Locale.ROOT, "NOLA, generator version %d, r = %d, lora_alpha = %s; %d modules", NolaBasis.GENERATOR_VERSION,
                config.path("r").asInt(), config.path("lora_alpha").asText(), tensors.size()));
        tensors.forEach((path, t) -> out.add(String.format(Locale.ROOT, "%s: %d + %d coefficients, seeds %s", path,
                t.containsKey(COEF_A) ? t.get(COEF_A).values().length : 0, t.containsKey(COEF_B) ? t.get(COEF_B).values().length : 0,
                config.path("seeds").path(path))));
        return out;
    }

    /** The layers of one NOLA adapter and how they are stored. */
    static final class NolaAdapter extends VariantAdapter {
        private final NolaVariant variant;
        private final Map<String, NolaWeight> nola;

        NolaAdapter(NolaVariant variant, Map<String, NolaWeight> layers) {
            super(layers);
            this.variant = variant;
            this.nola = layers;
        }

        @Override
        public AdapterVariant variant() {
            return variant;
        }

        @Override
        public ObjectNode config() {
            NolaWeight first = nola.values().iterator().next();
            ObjectNode o = JSON.createObjectNode();
            o.put("generator_version", NolaBasis.GENERATOR_VERSION);
            o.put("generator", "SplitMix64 stream per basis, see org.lowrank4j.adapt.nola.NolaBasis");
            o.put("r", first.rank());
            o.put("lora_alpha", first.alpha());
            o.put("num_basis_a", first.coefA().size());
            o.put("num_basis_b", first.coefB().size());
            ObjectNode seeds = o.putObject("seeds");
            nola.forEach((path, w) -> seeds.putArray(path).add(w.seedA()).add(w.seedB()));
            return o;
        }

        @Override
        public Map<String, Map<String, StoredTensor>> tensors() {
            Map<String, Map<String, StoredTensor>> out = new LinkedHashMap<>();
            nola.forEach((path, w) -> {
                Map<String, StoredTensor> m = new LinkedHashMap<>();
                m.put(COEF_A, StoredTensor.of(w.coefA().value()));
                m.put(COEF_B, StoredTensor.of(w.coefB().value()));
                out.put(path, m);
            });
            return out;
        }

        @Override
        public List<String> report() {
            List<String> out = new ArrayList<>();
            nola.forEach((path, w) -> out.add(String.format(Locale.ROOT, "%s: r %d, %d + %d coefficients, |ΔW|_F %.4g", path, w.rank(),
                    w.coefA().size(), w.coefB().size(), w.delta().norm())));
            return out;
        }
    }
}
