package org.lowrank4j.adapt.sora;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.lowrank4j.adapt.variant.AdapterVariant;
import org.lowrank4j.adapt.variant.StoredTensor;
import org.lowrank4j.adapt.variant.VariantAdapter;
import org.lowrank4j.adapt.variant.VariantSpec;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;

/**
 * SoRA (Ding et al., EMNLP 2023, arXiv:2311.11696; spec ../shared/methods/06-sora-s2lora.md A): LoRA with a gate per rank
 * ({@link SoraWeight}) that a proximal step drives to zero ({@link SoraGates}); ranks with a zero gate are dropped when the
 * adapter is saved. Options: {@code rank} (r_max), {@code alpha}, {@code gate-lr} (default: the run's rate),
 * {@code lambda} (η of the L1 term, default 10), {@code xi} (ξ_0, default 3e-4), {@code xi-max}, {@code stages} and
 * {@code schedule} (linear | log) of the sparsifying schedule, or {@code budget} (trainable values in all, which sets
 * r_max = budget / Σ(in + out + 1)).
 */
public final class SoraVariant implements AdapterVariant {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String A = "sora_A", B = "sora_B", GATE = "sora_gate";

    @Override
    public String name() {
        return "sora";
    }

    @Override
    public String peftType() {
        return "LOWRANK4J_SORA";
    }

    @Override
    public VariantAdapter create(Map<String, Linear> targets, VariantSpec spec, int defaultRank, double defaultAlpha, long seed,
            Precision precision) {
        int rank = spec.integer("rank", defaultRank, 1);
        double alpha = spec.number("alpha", defaultAlpha);
        double gateRate = spec.number("gate-lr", 0);
        double lambda = spec.number("lambda", 10);
        double xi = spec.number("xi", 3e-4);
        double xiMax = spec.number("xi-max", xi);
        int stages = spec.integer("stages", 1, 1);
        String schedule = spec.word("schedule", "linear", Set.of("linear", "log"));
        long budget = spec.longValue("budget", 0);
        spec.requireAllRead();
        if (spec.has("budget")) {
            long perRank = 0;
            for (Linear l : targets.values()) {
                perRank += l.inFeatures() + l.outFeatures() + 1;
            }
            if (budget < perRank) {
                throw new IllegalArgumentException("--adapter " + spec.text() + ": a budget of " + budget + " trainable values gives no layer one rank: "
                        + "rank 1 with its gate on the " + targets.size() + " adapted layers costs " + perRank);
            }
            rank = (int) Math.min(Integer.MAX_VALUE, budget / perRank);
        }
        Random random = new Random(seed);
        Map<String, SoraWeight> layers = new LinkedHashMap<>();
        for (Map.Entry<String, Linear> e : targets.entrySet()) {
            String path = e.getKey();
            Linear linear = e.getValue();
            int limit = Math.min(linear.inFeatures(), linear.outFeatures());
            if (rank > limit) {
                throw new IllegalArgumentException("SoRA rank " + rank + " for " + path + " is above min(in, out) = " + limit);
            }
            Tensor a = Tensor.zeros(precision, rank, linear.inFeatures());
            double bound = 1 / Math.sqrt(linear.inFeatures()); // kaiming-uniform, a = √5
            for (int i = 0; i < a.size(); i++) {
                a.set(i, (2 * random.nextDouble() - 1) * bound);
            }
            Tensor g = Tensor.zeros(precision, rank);
            for (int j = 0; j < rank; j++) {
                g.set(j, random.nextGaussian());
            }
            layers.put(path, new SoraWeight(path, linear.weight(), new Parameter(path + "." + A, a),
                    new Parameter(path + "." + B, Tensor.zeros(precision, linear.outFeatures(), rank)), new Parameter(path + "." + GATE, g),
                    alpha / rank));
        }
        List<Parameter> gates = new ArrayList<>();
        layers.values().forEach(w -> gates.add(w.gate()));
        return new SoraAdapter(this, layers, rank, alpha, new SoraGates(gates, gateRate, lambda, xi, xiMax, stages, schedule.equals("log")));
    }

    @Override
    public VariantAdapter read(ObjectNode config, Map<String, Map<String, StoredTensor>> tensors, Map<String, Linear> modules, Precision precision) {
        int rMax = config.path("r_max").asInt(0);
        double alpha = config.path("lora_alpha").asDouble(Double.NaN);
        JsonNode ranks = config.path("ranks");
        if (rMax < 1 || !Double.isFinite(alpha) || !ranks.isObject()) {
            throw new IllegalArgumentException("adapter_config.json: a SoRA config needs r_max >= 1, a finite lora_alpha and ranks per module");
        }
        Map<String, SoraWeight> layers = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : (Iterable<Map.Entry<String, JsonNode>>) ranks::fields) {
            String path = e.getKey();
            int r = e.getValue().asInt(-1);
            if (r == 0) {
                continue; // every gate of this module was zero: nothing stored
            }
            Map<String, StoredTensor> t = tensors.get(path);
            if (t == null || !t.containsKey(A) || !t.containsKey(B) || !t.containsKey(GATE)) {
                throw new IllegalArgumentException("adapter_model.safetensors lacks " + A + ", " + B + " or " + GATE + " of " + path);
            }
            Linear linear = modules.get(path);
            if (linear == null) {
                throw new IllegalArgumentException("the adapter is for module " + path + ", which this model does not have: it was made for another base model");
            }
            if (t.get(A).shape()[0] != r) {
                throw new IllegalArgumentException("adapter_model.safetensors: " + path + "." + A + " has shape " + t.get(A).shapeString()
                        + " but adapter_config.json gives it rank " + r);
            }
            layers.put(path, new SoraWeight(path, linear.weight(), new Parameter(path + "." + A, t.get(A).toTensor(precision)),
                    new Parameter(path + "." + B, t.get(B).toTensor(precision)), new Parameter(path + "." + GATE, t.get(GATE).toTensor(precision)),
                    alpha / rMax));
        }
        return new SoraAdapter(this, layers, rMax, alpha, null);
    }

    @Override
    public List<String> describe(ObjectNode config, Map<String, Map<String, StoredTensor>> tensors) {
        List<String> out = new ArrayList<>();
        JsonNode ranks = config.path("ranks");
        int total = 0, count = 0;
        for (JsonNode r : ranks) {
            total += r.asInt();
            count++;
        }
        out.add(String.format(Locale.ROOT, "SoRA, r_max = %d, lora_alpha = %s; %d modules, %d of %d ranks kept after pruning",
                config.path("r_max").asInt(), config.path("lora_alpha").asText(), count, total, count * config.path("r_max").asInt()));
        ranks.fields().forEachRemaining(e -> out.add(e.getKey() + ": rank " + e.getValue().asInt() + " of " + config.path("r_max").asInt()));
        return out;
    }

    /** The layers of one SoRA adapter, its gate optimiser (null when read from a folder) and the pruned storage. */
    static final class SoraAdapter extends VariantAdapter {
        private final SoraVariant variant;
        private final Map<String, SoraWeight> sora;
        private final int rMax;
        private final double alpha;
        private final SoraGates gates;

        SoraAdapter(SoraVariant variant, Map<String, SoraWeight> layers, int rMax, double alpha, SoraGates gates) {
            super(layers);
            this.variant = variant;
            this.sora = layers;
            this.rMax = rMax;
            this.alpha = alpha;
            this.gates = gates;
        }

        @Override
        public AdapterVariant variant() {
            return variant;
        }

        @Override
        public void afterStep(long step, long totalSteps, double rate, double peakRate) {
            if (gates == null) {
                throw new IllegalStateException("a SoRA adapter read from a folder has no gate optimiser; it is not trained further");
            }
            gates.step(step, totalSteps, rate, peakRate);
        }

        @Override
        public ObjectNode config() {
            ObjectNode o = JSON.createObjectNode();
            o.put("r_max", rMax);
            o.put("lora_alpha", alpha);
            ObjectNode ranks = o.putObject("ranks");
            sora.forEach((path, w) -> ranks.put(path, w.liveRanks().size()));
            return o;
        }

        /** A, B and g of the ranks whose gate is not zero (a module with none is left out). */
        @Override
        public Map<String, Map<String, StoredTensor>> tensors() {
            Map<String, Map<String, StoredTensor>> out = new LinkedHashMap<>();
            sora.forEach((path, w) -> {
                List<Integer> live = w.liveRanks();
                if (live.isEmpty()) {
                    return;
                }
                int r = w.rank(), in = w.inFeatures(), outF = w.outFeatures(), k = live.size();
                float[] a = new float[k * in], b = new float[outF * k], g = new float[k];
                for (int c = 0; c < k; c++) {
                    int j = live.get(c);
                    g[c] = (float) w.gate().value().get(j);
                    for (int i = 0; i < in; i++) {
                        a[c * in + i] = (float) w.a().value().get(j * in + i);
                    }
                    for (int o = 0; o < outF; o++) {
                        b[o * k + c] = (float) w.b().value().get(o * r + j);
                    }
                }
                Map<String, StoredTensor> m = new LinkedHashMap<>();
                m.put(A, new StoredTensor(new int[] {k, in}, a));
                m.put(B, new StoredTensor(new int[] {outF, k}, b));
                m.put(GATE, new StoredTensor(new int[] {k}, g));
                out.put(path, m);
            });
            return out;
        }

        @Override
        public List<String> report() {
            List<String> out = new ArrayList<>();
            int kept = 0;
            for (Map.Entry<String, SoraWeight> e : sora.entrySet()) {
                int live = e.getValue().liveRanks().size();
                kept += live;
                out.add(String.format(Locale.ROOT, "%s: rank %d of %d", e.getKey(), live, e.getValue().rank()));
            }
            out.add(0, String.format(Locale.ROOT, "SoRA ranks kept: %d of %d", kept, rMax * sora.size()));
            return out;
        }
    }
}
