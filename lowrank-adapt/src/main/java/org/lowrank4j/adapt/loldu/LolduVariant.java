package org.lowrank4j.adapt.loldu;

import static org.lowrank4j.adapt.variant.StoredTensor.required;

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
 * LoLDU (spec ../shared/methods/04-svd-inits-pissa-svfit-salt-loldu.md D) as an adapter variant ({@link LolduWeight}): the
 * first r pivots of W's pivoted LU, a trainable diagonal z (from the pivots) and scalar γ (α/r). Options: {@code rank}
 * (default --rank), {@code alpha} (γ₀ = α/r; default --alpha). A folder stores P·L_r, Û_r, z₀, γ₀ beside the trained z and
 * γ, so that the layer is rebuilt exactly over the same base.
 */
public final class LolduVariant implements AdapterVariant {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String LOWER = "loldu_PL", UPPER = "loldu_U", Z0 = "loldu_z0", Z = "loldu_z", GAMMA = "loldu_gamma";

    @Override
    public String name() {
        return "loldu";
    }

    @Override
    public String peftType() {
        return "LOWRANK4J_LOLDU";
    }

    @Override
    public VariantAdapter create(Map<String, Linear> targets, VariantSpec spec, int defaultRank, double defaultAlpha, long seed,
            Precision precision) {
        int rank = spec.integer("rank", defaultRank, 1);
        double alpha = spec.number("alpha", defaultAlpha);
        spec.requireAllRead();
        double gamma0 = alpha / rank;
        Map<String, LolduWeight> layers = new LinkedHashMap<>();
        for (Map.Entry<String, Linear> e : targets.entrySet()) {
            String path = e.getKey();
            Linear linear = e.getValue();
            int out = linear.outFeatures(), in = linear.inFeatures();
            if (rank > Math.min(in, out)) {
                throw new IllegalArgumentException("LoLDU rank " + rank + " for " + path + " is above min(in, out) = " + Math.min(in, out));
            }
            PivotedLu lu;
            try {
                lu = PivotedLu.of(linear.weight().toDense().toDoubleArray(), out, in, rank);
            } catch (IllegalArgumentException ex) {
                throw new IllegalArgumentException(path + ": " + ex.getMessage() + "; use a smaller --rank");
            }
            Tensor z = Tensor.of(precision, lu.pivots(), rank);
            Tensor g = Tensor.zeros(precision, 1);
            g.set(0, gamma0);
            layers.put(path, new LolduWeight(path, linear.weight(), Tensor.of(precision, lu.permutedLower(), out, rank),
                    Tensor.of(precision, lu.unitUpper(), rank, in), z.toDoubleArray(), g.get(0), new Parameter(path + "." + Z, z.copy()),
                    new Parameter(path + "." + GAMMA, g)));
        }
        return new LolduAdapter(this, layers, alpha);
    }

    @Override
    public VariantAdapter read(ObjectNode config, Map<String, Map<String, StoredTensor>> tensors, Map<String, Linear> modules, Precision precision) {
        int rank = config.path("r").asInt(0);
        double alpha = config.path("lora_alpha").asDouble(Double.NaN);
        if (rank < 1 || !Double.isFinite(alpha)) {
            throw new IllegalArgumentException("adapter_config.json: a LoLDU config needs r >= 1 and a finite lora_alpha");
        }
        Map<String, LolduWeight> layers = new LinkedHashMap<>();
        for (Map.Entry<String, Map<String, StoredTensor>> e : tensors.entrySet()) {
            String path = e.getKey();
            Linear linear = modules.get(path);
            if (linear == null) {
                throw new IllegalArgumentException("the adapter is for module " + path + ", which this model does not have: it was made for another base model");
            }
            Map<String, StoredTensor> t = e.getValue();
            Tensor gamma0 = required(t, GAMMA + "0", path, precision, 1);
            layers.put(path, new LolduWeight(path, linear.weight(), required(t, LOWER, path, precision, linear.outFeatures(), rank),
                    required(t, UPPER, path, precision, rank, linear.inFeatures()), required(t, Z0, path, precision, rank).toDoubleArray(), gamma0.get(0),
                    new Parameter(path + "." + Z, required(t, Z, path, precision, rank)), new Parameter(path + "." + GAMMA,
                            required(t, GAMMA, path, precision, 1))));
        }
        return new LolduAdapter(this, layers, alpha);
    }

    @Override
    public List<String> describe(ObjectNode config, Map<String, Map<String, StoredTensor>> tensors) {
        List<String> out = new ArrayList<>();
        out.add(String.format(Locale.ROOT, "LoLDU, r = %d pivots, lora_alpha = %s; %d modules", config.path("r").asInt(),
                config.path("lora_alpha").asText(), tensors.size()));
        tensors.forEach((path, t) -> out.add(path + ": " + (t.containsKey(LOWER) ? "P·L " + t.get(LOWER).shapeString() : "")
                + (t.containsKey(UPPER) ? ", Û " + t.get(UPPER).shapeString() : "")));
        return out;
    }

    /** The layers of one LoLDU adapter and how they are stored. */
    static final class LolduAdapter extends VariantAdapter {
        private final LolduVariant variant;
        private final Map<String, LolduWeight> loldu;
        private final double alpha;

        LolduAdapter(LolduVariant variant, Map<String, LolduWeight> layers, double alpha) {
            super(layers);
            this.variant = variant;
            this.loldu = layers;
            this.alpha = alpha;
        }

        @Override
        public AdapterVariant variant() {
            return variant;
        }

        @Override
        public ObjectNode config() {
            ObjectNode o = JSON.createObjectNode();
            o.put("r", loldu.values().iterator().next().rank());
            o.put("lora_alpha", alpha);
            return o;
        }

        @Override
        public Map<String, Map<String, StoredTensor>> tensors() {
            Map<String, Map<String, StoredTensor>> out = new LinkedHashMap<>();
            loldu.forEach((path, w) -> {
                Map<String, StoredTensor> m = new LinkedHashMap<>();
                m.put(LOWER, StoredTensor.of(w.lower()));
                m.put(UPPER, StoredTensor.of(w.upper()));
                double[] z0 = w.initialDiagonal();
                float[] z0f = new float[z0.length];
                for (int k = 0; k < z0.length; k++) {
                    z0f[k] = (float) z0[k];
                }
                m.put(Z0, new StoredTensor(new int[] {z0.length}, z0f));
                m.put(GAMMA + "0", new StoredTensor(new int[] {1}, new float[] {(float) w.initialGamma()}));
                m.put(Z, StoredTensor.of(w.diagonal().value()));
                m.put(GAMMA, StoredTensor.of(w.gamma().value()));
                out.put(path, m);
            });
            return out;
        }

        @Override
        public List<String> report() {
            List<String> out = new ArrayList<>();
            loldu.forEach((path, w) -> out.add(String.format(Locale.ROOT, "%s: r %d, γ %.4g (from %.4g), |ΔW|_F %.4g", path, w.rank(),
                    w.gamma().value().get(0), w.initialGamma(), w.delta().norm())));
            return out;
        }
    }
}
