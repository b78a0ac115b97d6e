package org.lowrank4j.adapt.loca;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.lowrank4j.adapt.variant.AdapterVariant;
import org.lowrank4j.adapt.variant.StoredTensor;
import org.lowrank4j.adapt.variant.VariantAdapter;
import org.lowrank4j.adapt.variant.VariantSpec;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.train.lowrank.DctBasis;

/**
 * LoCA (Du et al., ICLR 2025, arXiv:2502.06820; spec ../shared/methods/05-nola-loca.md B): {@link LocaWeight} per layer,
 * stepped by LoCA's own Adam after each step following the {@link LocaSchedule} (coefficients at the run's rate,
 * locations at {@code location-lr} times the schedule's factor). Options: {@code frequencies} (K per layer, default 1000
 * as the paper), {@code scale} (1), {@code location-lr} (1e-4), {@code location-steps} (B_s; default a tenth of the run),
 * {@code cycle} (30) and {@code cycle-coef} (10), or {@code budget} (trainable values in all: K = budget / (3 · layers),
 * each frequency being one coefficient and two locations). Locations start U(0, 1), coefficients 0 (ΔW = 0).
 * A folder stores the coefficients and the grid indices (row, col) the forward uses, so a reload computes the same ΔW.
 */
public final class LocaVariant implements AdapterVariant {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String COEFFICIENTS = "loca_coefficients", INDEX = "loca_index";

    @Override
    public String name() {
        return "loca";
    }

    @Override
    public String peftType() {
        return "LOWRANK4J_LOCA";
    }

    @Override
    public VariantAdapter create(Map<String, Linear> targets, VariantSpec spec, int defaultRank, double defaultAlpha, long seed,
            Precision precision) {
        int k = spec.integer("frequencies", 1000, 1);
        double scale = spec.number("scale", 1.0);
        double locationRate = spec.number("location-lr", 1e-4);
        long locationSteps = spec.longValue("location-steps", -1);
        int cycle = spec.integer("cycle", LocaSchedule.CYCLE, 1);
        int cycleCoefficients = spec.integer("cycle-coef", LocaSchedule.CYCLE_COEFFICIENTS, 0);
        long budget = spec.longValue("budget", 0);
        spec.requireAllRead();
        if (!(locationRate >= 0)) {
            throw new IllegalArgumentException("--adapter " + spec.text() + ": location-lr must be >= 0, got " + locationRate);
        }
        if (spec.has("location-steps") && locationSteps < 0) {
            throw new IllegalArgumentException("--adapter " + spec.text() + ": location-steps must be >= 0, got " + locationSteps);
        }
        if (spec.has("budget")) {
            long perFrequency = 3L * targets.size();
            if (budget < perFrequency) {
                throw new IllegalArgumentException("--adapter " + spec.text() + ": a budget of " + budget + " trainable values gives no layer one "
                        + "frequency: one (a coefficient and its two locations) on each of the " + targets.size() + " adapted layers costs " + perFrequency);
            }
            k = (int) Math.min(Integer.MAX_VALUE, budget / perFrequency);
        }
        LocaSchedule schedule = new LocaSchedule(locationSteps, cycle, cycleCoefficients);
        Map<Integer, Tensor> dct = new HashMap<>();
        Random random = new Random(seed);
        Map<String, LocaWeight> layers = new LinkedHashMap<>();
        for (Map.Entry<String, Linear> e : targets.entrySet()) {
            Linear linear = e.getValue();
            long entries = (long) linear.outFeatures() * linear.inFeatures();
            if (k > entries) {
                throw new IllegalArgumentException("--adapter " + spec.text() + ": " + k + " frequencies are more than the " + entries + " entries of "
                        + e.getKey() + " (" + linear.outFeatures() + "x" + linear.inFeatures() + ")");
            }
            Tensor l = Tensor.zeros(precision, 2, k);
            for (int i = 0; i < l.size(); i++) {
                l.set(i, random.nextDouble());
            }
            layers.put(e.getKey(), layer(e.getKey(), linear, Tensor.zeros(precision, k), l, scale, dct, schedule, precision));
        }
        return new LocaAdapter(this, layers, scale, schedule, locationRate);
    }

    private static LocaWeight layer(String path, Linear linear, Tensor a, Tensor l, double scale, Map<Integer, Tensor> dct, LocaSchedule schedule,
            Precision precision) {
        Tensor out = dct.computeIfAbsent(linear.outFeatures(), size -> DctBasis.matrix(size, precision));
        Tensor in = dct.computeIfAbsent(linear.inFeatures(), size -> DctBasis.matrix(size, precision));
        return new LocaWeight(path, linear.weight(), new Parameter(path + "." + COEFFICIENTS, a), new Parameter(path + ".loca_locations", l), scale,
                out, in, schedule);
    }

    @Override
    public VariantAdapter read(ObjectNode config, Map<String, Map<String, StoredTensor>> tensors, Map<String, Linear> modules, Precision precision) {
        double scale = config.path("scale").asDouble(Double.NaN);
        if (!Double.isFinite(scale)) {
            throw new IllegalArgumentException("adapter_config.json: a LoCA config needs a finite scale");
        }
        LocaSchedule schedule = LocaSchedule.frozenLocations();
        Map<Integer, Tensor> dct = new HashMap<>();
        Map<String, LocaWeight> layers = new LinkedHashMap<>();
        for (Map.Entry<String, Map<String, StoredTensor>> e : tensors.entrySet()) {
            String path = e.getKey();
            StoredTensor a = e.getValue().get(COEFFICIENTS), index = e.getValue().get(INDEX);
            if (a == null || index == null) {
                throw new IllegalArgumentException("adapter_model.safetensors lacks " + COEFFICIENTS + " or " + INDEX + " of " + path);
            }
            Linear linear = modules.get(path);
            if (linear == null) {
                throw new IllegalArgumentException("the adapter is for module " + path + ", which this model does not have: it was made for another base model");
            }
            int k = a.values().length;
            if (a.shape().length != 1 || index.shape().length != 2 || index.shape()[0] != 2 || index.shape()[1] != k) {
                throw new IllegalArgumentException("adapter_model.safetensors: " + path + " needs " + COEFFICIENTS + " (K) and " + INDEX + " (2, K), got "
                        + a.shapeString() + " and " + index.shapeString());
            }
            Tensor l = Tensor.zeros(precision, 2, k);
            for (int axis = 0; axis < 2; axis++) {
                int size = axis == 0 ? linear.outFeatures() : linear.inFeatures();
                for (int t = 0; t < k; t++) {
                    float v = index.values()[axis * k + t];
                    if (v != Math.rint(v) || v < 0 || v > size - 1) {
                        throw new IllegalArgumentException("adapter_model.safetensors: " + path + "." + INDEX + " holds " + v + " on axis " + axis
                                + ", not a whole number in [0, " + (size - 1) + "]: it was made for another base model or is damaged");
                    }
                    l.set(axis * k + t, size == 1 ? 0 : v / (size - 1.0)); // the grid point itself: the forward's rounding gives v back
                }
            }
            layers.put(path, layer(path, linear, a.toTensor(precision), l, scale, dct, schedule, precision));
        }
        return new LocaAdapter(this, layers, scale, schedule, 0);
    }

    @Override
    public List<String> describe(ObjectNode config, Map<String, Map<String, StoredTensor>> tensors) {
        List<String> out = new ArrayList<>();
        long total = 0;
        for (Map<String, StoredTensor> t : tensors.values()) {
            total += t.get(COEFFICIENTS).values().length;
        }
        out.add(String.format(Locale.ROOT, "LoCA, scale = %s; %d modules, %,d frequencies in all (coefficient + row, col index each)",
                config.path("scale").asText(), tensors.size(), total));
        tensors.forEach((path, t) -> out.add(path + ": " + t.get(COEFFICIENTS).values().length + " frequencies"));
        return out;
    }

    /** The layers of one LoCA adapter and its own Adam for the alternating schedule. */
    static final class LocaAdapter extends VariantAdapter {
        private final LocaVariant variant;
        private final Map<String, LocaWeight> loca;
        private final double scale;
        private final LocaSchedule schedule;
        private final double locationRate;
        private final LocaAdam adam = new LocaAdam();
        private final Map<String, int[][]> start = new LinkedHashMap<>(); // grid indices at creation (for the report)

        LocaAdapter(LocaVariant variant, Map<String, LocaWeight> layers, double scale, LocaSchedule schedule, double locationRate) {
            super(layers);
            this.variant = variant;
            this.loca = layers;
            this.scale = scale;
            this.schedule = schedule;
            this.locationRate = locationRate;
            layers.forEach((path, w) -> start.put(path, new int[][] {w.indices(0), w.indices(1)}));
        }

        @Override
        public AdapterVariant variant() {
            return variant;
        }

        /** None: LoCA steps its coefficients and locations itself ({@link #afterStep}). */
        @Override
        public List<Parameter> optimizerParameters() {
            return List.of();
        }

        /** Steps, per layer, the group its last training pass gave a gradient: coefficients at {@code rate}, locations at location-lr · rate / peak. */
        @Override
        public void afterStep(long step, long totalSteps, double rate, double peakRate) {
            schedule.runLength(totalSteps);
            double factor = peakRate > 0 ? rate / peakRate : 1;
            for (LocaWeight w : loca.values()) {
                LocaSchedule.Phase phase = w.takePhase();
                if (phase == LocaSchedule.Phase.COEFFICIENTS) {
                    adam.step(w.coefficients(), rate);
                } else if (phase == LocaSchedule.Phase.LOCATIONS) {
                    adam.step(w.locations(), locationRate * factor);
                }
            }
        }

        @Override
        public ObjectNode config() {
            ObjectNode o = JSON.createObjectNode();
            o.put("scale", scale);
            o.put("transform", "orthonormal DCT-II, dense matrices");
            o.put("location_steps", schedule.locationSteps());
            return o;
        }

        /** Per layer: the K coefficients and the (row, col) grid index of each, the latter as whole numbers in float32. */
        @Override
        public Map<String, Map<String, StoredTensor>> tensors() {
            Map<String, Map<String, StoredTensor>> out = new LinkedHashMap<>();
            loca.forEach((path, w) -> {
                int k = w.frequencies();
                float[] index = new float[2 * k];
                int[] rows = w.indices(0), cols = w.indices(1);
                for (int t = 0; t < k; t++) {
                    index[t] = rows[t];
                    index[k + t] = cols[t];
                }
                Map<String, StoredTensor> m = new LinkedHashMap<>();
                m.put(COEFFICIENTS, StoredTensor.of(w.coefficients().value()));
                m.put(INDEX, new StoredTensor(new int[] {2, k}, index));
                out.put(path, m);
            });
            return out;
        }

        @Override
        public List<String> report() {
            List<String> out = new ArrayList<>();
            long moved = 0, total = 0, passes = 0;
            for (Map.Entry<String, LocaWeight> e : loca.entrySet()) {
                LocaWeight w = e.getValue();
                int[][] s = start.get(e.getKey());
                int[] rows = w.indices(0), cols = w.indices(1);
                int m = 0;
                for (int t = 0; t < rows.length; t++) {
                    if (rows[t] != s[0][t] || cols[t] != s[1][t]) {
                        m++;
                    }
                }
                moved += m;
                total += rows.length;
                passes = Math.max(passes, w.passes());
                out.add(String.format(Locale.ROOT, "%s: %d frequencies, %d moved to another grid point, coefficient steps %d, location steps %d",
                        e.getKey(), rows.length, m, adam.steps(w.coefficients()), adam.steps(w.locations())));
            }
            out.add(0, String.format(Locale.ROOT, "LoCA locations moved: %d of %d (training passes %d, location learning until pass %d)", moved, total,
                    passes, schedule.locationSteps()));
            return out;
        }
    }
}
