package org.lowrank4j.adapt.salt;

import static org.lowrank4j.adapt.variant.StoredTensor.required;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.lowrank4j.adapt.variant.AdapterVariant;
import org.lowrank4j.adapt.variant.StoredTensor;
import org.lowrank4j.adapt.variant.VariantAdapter;
import org.lowrank4j.adapt.variant.VariantSpec;
import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.linalg.Linalg;
import org.lowrank4j.linalg.SvdResult;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.weight.WeightFactorization;

/**
 * SALT (spec ../shared/methods/04-svd-inits-pissa-svfit-salt-loldu.md C) as an adapter variant ({@link SaltWeight}): scale
 * and shift of the top-r singular values plus a LoRA pair. Options: {@code rank} (r, singular values adapted; default
 * --rank), {@code lora-rank} (r_l; default r), {@code alpha} (the pair's scaling is α/r_l; default --alpha).
 * Trainable values per layer: 2r + r_l·(in + out). A folder stores U_r, V_rᵀ and σ_r beside the trained values, so that
 * the layer is rebuilt exactly over the same base (its residual is recomputed from the base weight).
 */
public final class SaltVariant implements AdapterVariant {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String U = "salt_U", VT = "salt_Vt", SIGMA = "salt_sigma", SCALE = "salt_scale", SHIFT = "salt_shift", X = "salt_X",
            Y = "salt_Y";

    @Override
    public String name() {
        return "salt";
    }

    @Override
    public String peftType() {
        return "LOWRANK4J_SALT";
    }

    @Override
    public VariantAdapter create(Map<String, Linear> targets, VariantSpec spec, int defaultRank, double defaultAlpha, long seed,
            Precision precision) {
        int rank = spec.integer("rank", defaultRank, 1);
        int loraRank = spec.integer("lora-rank", rank, 1);
        double alpha = spec.number("alpha", defaultAlpha);
        spec.requireAllRead();
        Random random = new Random(seed);
        Map<String, SaltWeight> layers = new LinkedHashMap<>();
        for (Map.Entry<String, Linear> e : targets.entrySet()) {
            String path = e.getKey();
            Linear linear = e.getValue();
            int out = linear.outFeatures(), in = linear.inFeatures(), limit = Math.min(in, out);
            if (rank > limit || loraRank > limit) {
                throw new IllegalArgumentException("SALT rank " + rank + " / lora-rank " + loraRank + " for " + path + " is above min(in, out) = "
                        + limit);
            }
            Tensor[] svd = topSingular(linear.weight(), rank, precision);
            Tensor ones = Tensor.zeros(precision, rank);
            for (int k = 0; k < rank; k++) {
                ones.set(k, 1);
            }
            Tensor y = Tensor.zeros(precision, loraRank, in);
            double bound = 1 / Math.sqrt(in); // kaiming-uniform, a = √5, as LoRA's A
            for (int i = 0; i < y.size(); i++) {
                y.set(i, (2 * random.nextDouble() - 1) * bound);
            }
            layers.put(path, new SaltWeight(path, linear.weight(), svd[0], svd[1], svd[2].toDoubleArray(), new Parameter(path + "." + SCALE, ones),
                    new Parameter(path + "." + SHIFT, Tensor.zeros(precision, rank)),
                    new Parameter(path + "." + X, Tensor.zeros(precision, out, loraRank)), new Parameter(path + "." + Y, y),
                    alpha / loraRank));
        }
        return new SaltAdapter(this, layers, alpha);
    }

    /** U_r (out, r), V_rᵀ (r, in) and σ_r (r) of the weight's exact SVD, rounded to {@code precision}. */
    static Tensor[] topSingular(WeightFactorization weight, int r, Precision precision) {
        Tensor w = weight.toDense();
        int out = w.dim(0), in = w.dim(1);
        DoubleMatrix m = DoubleMatrix.zeros(out, in);
        for (int i = 0; i < out; i++) {
            for (int j = 0; j < in; j++) {
                m.set(i, j, w.get(i * in + j));
            }
        }
        SvdResult svd = Linalg.backend().svd(m);
        Tensor u = Tensor.zeros(precision, out, r), vt = Tensor.zeros(precision, r, in), sigma = Tensor.zeros(precision, r);
        for (int k = 0; k < r; k++) {
            for (int i = 0; i < out; i++) {
                u.set(i * r + k, svd.u().get(i, k));
            }
            for (int j = 0; j < in; j++) {
                vt.set(k * in + j, svd.vt().get(k, j));
            }
            sigma.set(k, svd.s()[k]);
        }
        return new Tensor[] {u, vt, sigma};
    }

    @Override
    public VariantAdapter read(ObjectNode config, Map<String, Map<String, StoredTensor>> tensors, Map<String, Linear> modules, Precision precision) {
        int rank = config.path("r").asInt(0);
        int loraRank = config.path("lora_r").asInt(-1);
        double alpha = config.path("lora_alpha").asDouble(Double.NaN);
        if (rank < 1 || loraRank < 1 || !Double.isFinite(alpha)) {
            throw new IllegalArgumentException("adapter_config.json: a SALT config needs r >= 1, lora_r >= 1 and a finite lora_alpha");
        }
        Map<String, SaltWeight> layers = new LinkedHashMap<>();
        for (Map.Entry<String, Map<String, StoredTensor>> e : tensors.entrySet()) {
            String path = e.getKey();
            Linear linear = modules.get(path);
            if (linear == null) {
                throw new IllegalArgumentException("the adapter is for module " + path + ", which this model does not have: it was made for another base model");
            }
            int out = linear.outFeatures(), in = linear.inFeatures();
            Map<String, StoredTensor> t = e.getValue();
            layers.put(path, new SaltWeight(path, linear.weight(), required(t, U, path, precision, out, rank), required(t, VT, path, precision, rank, in),
                    required(t, SIGMA, path, precision, rank).toDoubleArray(), new Parameter(path + "." + SCALE, required(t, SCALE, path, precision, rank)),
                    new Parameter(path + "." + SHIFT, required(t, SHIFT, path, precision, rank)),
                    new Parameter(path + "." + X, required(t, X, path, precision, out, loraRank)),
                    new Parameter(path + "." + Y, required(t, Y, path, precision, loraRank, in)), alpha / loraRank));
        }
        return new SaltAdapter(this, layers, alpha);
    }

    @Override
    public List<String> describe(ObjectNode config, Map<String, Map<String, StoredTensor>> tensors) {
        List<String> out = new ArrayList<>();
        out.add(String.format(Locale.ROOT, "SALT, r = %d singular values scaled and shifted, LoRA r_l = %d, lora_alpha = %s; %d modules",
                config.path("r").asInt(), config.path("lora_r").asInt(), config.path("lora_alpha").asText(), tensors.size()));
        tensors.forEach((path, t) -> out.add(path + ": " + (t.containsKey(U) ? "U " + t.get(U).shapeString() : "")
                + (t.containsKey(Y) ? ", Y " + t.get(Y).shapeString() : "")));
        return out;
    }

    /** The layers of one SALT adapter and how they are stored. */
    static final class SaltAdapter extends VariantAdapter {
        private final SaltVariant variant;
        private final Map<String, SaltWeight> salt;
        private final double alpha;

        SaltAdapter(SaltVariant variant, Map<String, SaltWeight> layers, double alpha) {
            super(layers);
            this.variant = variant;
            this.salt = layers;
            this.alpha = alpha;
        }

        @Override
        public AdapterVariant variant() {
            return variant;
        }

        @Override
        public ObjectNode config() {
            SaltWeight first = salt.values().iterator().next();
            ObjectNode o = JSON.createObjectNode();
            o.put("r", first.rank());
            o.put("lora_r", first.loraRank());
            o.put("lora_alpha", alpha);
            o.put("form", "paper: frozen shifts 0, X = 0 at step 0, no auxiliary loss");
            return o;
        }

        @Override
        public Map<String, Map<String, StoredTensor>> tensors() {
            Map<String, Map<String, StoredTensor>> out = new LinkedHashMap<>();
            salt.forEach((path, w) -> {
                Map<String, StoredTensor> m = new LinkedHashMap<>();
                m.put(U, StoredTensor.of(w.u()));
                m.put(VT, StoredTensor.of(w.vt()));
                float[] sigma = new float[w.rank()];
                double[] s = w.sigma();
                for (int k = 0; k < sigma.length; k++) {
                    sigma[k] = (float) s[k];
                }
                m.put(SIGMA, new StoredTensor(new int[] {w.rank()}, sigma));
                m.put(SCALE, StoredTensor.of(w.scale().value()));
                m.put(SHIFT, StoredTensor.of(w.shift().value()));
                m.put(X, StoredTensor.of(w.x().value()));
                m.put(Y, StoredTensor.of(w.y().value()));
                out.put(path, m);
            });
            return out;
        }

        @Override
        public List<String> report() {
            List<String> out = new ArrayList<>();
            salt.forEach((path, w) -> {
                double[] adapted = w.adaptedSigma(), sigma = w.sigma();
                double change = 0;
                for (int k = 0; k < sigma.length; k++) {
                    change = Math.max(change, Math.abs(adapted[k] / sigma[k] - 1));
                }
                out.add(String.format(Locale.ROOT, "%s: r %d, r_l %d, largest relative change of a singular value %.3g, |ΔW|_F %.4g", path,
                        w.rank(), w.loraRank(), change, w.delta().norm()));
            });
            return out;
        }
    }
}
