package org.lowrank4j.adapt.flora;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.lowrank4j.adapt.variant.AdapterVariant;
import org.lowrank4j.adapt.variant.HeadLayout;
import org.lowrank4j.adapt.variant.StoredTensor;
import org.lowrank4j.adapt.variant.VariantAdapter;
import org.lowrank4j.adapt.variant.VariantSpec;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;

/**
 * FLoRA (Si et al. 2024, arXiv:2405.14739; spec ../shared/methods/08-flora-tucker-nd.md) as an adapter variant
 * ({@link FloraWeight}): a Tucker core with one factor per mode of an N-mode view of each weight ({@link WeightView}).
 * Options: {@code view} ({@code matrix}: [out, in]; {@code heads}: attention projections as [heads, head_dim, in], the
 * output projection as [out, heads, head_dim], head counts from the model's config), {@code heads} (a head count for
 * every target instead of the model's), {@code ranks} (one rank per mode, comma-separated: {@code out,in} in the matrix
 * view, {@code heads,head_dim,channels} in the heads view, channels being in for q, k, v and out for o; each at most its
 * mode's size), {@code rank} (every mode that rank, a mode smaller than it at full rank; default
 * --rank), {@code budget} (trainable values in all: the largest such uniform rank whose adapter fits), {@code scale}
 * (s; default --alpha / --rank). The core starts at zero, the factors at kaiming-normal(a=√3): N(0, 1/(2 r_m)).
 */
public final class FloraVariant implements AdapterVariant {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String CORE = "flora_core", FACTOR = "flora_U";

    @Override
    public String name() {
        return "flora";
    }

    @Override
    public String peftType() {
        return "LOWRANK4J_FLORA";
    }

    @Override
    public VariantAdapter create(Map<String, Linear> targets, VariantSpec spec, int defaultRank, double defaultAlpha, long seed, Precision precision) {
        return create(targets, Map.of(), spec, defaultRank, defaultAlpha, seed, precision);
    }

    @Override
    public VariantAdapter create(Map<String, Linear> targets, Map<String, HeadLayout> heads, VariantSpec spec, int defaultRank, double defaultAlpha,
            long seed, Precision precision) {
        String viewName = spec.word("view", "matrix", Set.of("matrix", "heads"));
        int headCount = spec.integer("heads", 0, 1);
        String ranksText = spec.string("ranks", null);
        int rank = spec.integer("rank", defaultRank, 1);
        long budget = spec.longValue("budget", 0);
        double scale = spec.number("scale", defaultAlpha / defaultRank);
        spec.requireAllRead();
        if ((spec.has("ranks") ? 1 : 0) + (spec.has("rank") ? 1 : 0) + (spec.has("budget") ? 1 : 0) > 1) {
            throw new IllegalArgumentException("--adapter " + spec.text() + ": give one of ranks, rank and budget");
        }
        if (spec.has("heads") && !viewName.equals("heads")) {
            throw new IllegalArgumentException("--adapter " + spec.text() + ": heads=N applies to view=heads only");
        }
        Map<String, WeightView> views = new LinkedHashMap<>();
        for (Map.Entry<String, Linear> e : targets.entrySet()) {
            views.put(e.getKey(), view(spec, viewName, e.getKey(), e.getValue(), heads.get(e.getKey()), headCount));
        }
        Map<String, int[]> ranks = new LinkedHashMap<>();
        if (ranksText != null) {
            int[] given = parseRanks(spec, ranksText);
            views.forEach((path, v) -> ranks.put(path, checkedRanks(spec, path, v, given)));
        } else {
            int r = spec.has("budget") ? FloraBudget.uniformRank(spec, views.values(), budget) : rank;
            views.forEach((path, v) -> ranks.put(path, FloraBudget.capped(v, r)));
        }
        Random random = new Random(seed);
        Map<String, FloraWeight> layers = new LinkedHashMap<>();
        for (Map.Entry<String, WeightView> e : views.entrySet()) {
            String path = e.getKey();
            WeightView v = e.getValue();
            int[] r = ranks.get(path);
            List<Parameter> factors = new ArrayList<>();
            for (int m = 0; m < v.modes(); m++) {
                factors.add(new Parameter(path + "." + FACTOR + m, Tensor.gaussian(precision, random, 1 / Math.sqrt(2.0 * r[m]), v.size(m), r[m])));
            }
            layers.put(path, new FloraWeight(path, targets.get(path).weight(), v, new Parameter(path + "." + CORE, Tensor.zeros(precision, r)), factors,
                    scale));
        }
        return new FloraAdapter(this, layers, viewName, scale);
    }

    /** The view of one target, or one line saying why it has none. */
    private static WeightView view(VariantSpec spec, String viewName, String path, Linear linear, HeadLayout layout, int headCount) {
        int out = linear.outFeatures(), in = linear.inFeatures();
        if (viewName.equals("matrix")) {
            return WeightView.matrix(out, in);
        }
        if (headCount > 0) {
            boolean input = layout != null && layout.input();
            int side = input ? in : out;
            if (side % headCount != 0) {
                throw new IllegalArgumentException("--adapter " + spec.text() + ": " + path + "'s " + (input ? "in" : "out") + " dim " + side
                        + " is not divisible by " + headCount + " heads");
            }
            layout = new HeadLayout(headCount, side / headCount, input);
        }
        if (layout == null) {
            throw new IllegalArgumentException("--adapter " + spec.text() + ": " + path + " is not an attention projection of known heads; view=heads "
                    + "needs q/k/v/o targets of a decoder, or heads=N to split its output rows");
        }
        return WeightView.heads(path, out, in, layout);
    }

    private static int[] parseRanks(VariantSpec spec, String text) {
        String[] parts = text.split(",", -1);
        int[] r = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                r[i] = Integer.parseInt(parts[i]);
            } catch (NumberFormatException e) {
                r[i] = 0;
            }
            if (r[i] < 1) {
                throw new IllegalArgumentException("--adapter " + spec.text() + ": ranks must be whole numbers >= 1 separated by commas, got '" + text + "'");
            }
        }
        return r;
    }

    /**
     * The given ranks in the view's mode order. They are written in a fixed order whatever the projection: matrix
     * {@code out,in}; heads {@code heads,head_dim,channels} (channels: in for q, k, v; out for o).
     */
    private static int[] checkedRanks(VariantSpec spec, String path, WeightView v, int[] given) {
        if (given.length != v.modes()) {
            throw new IllegalArgumentException("--adapter " + spec.text() + ": ranks gives " + given.length + " values but " + path + " is viewed as "
                    + v + " (" + v.modes() + " modes)");
        }
        int[] ranks = new int[v.modes()];
        int[] order = writtenOrder(v);
        for (int k = 0; k < given.length; k++) {
            int m = order[k];
            if (given[k] > v.size(m)) {
                throw new IllegalArgumentException("--adapter " + spec.text() + ": rank " + given[k] + " of mode " + v.labels().get(m) + " is above its size "
                        + v.size(m) + " in " + path + ", viewed as " + v);
            }
            ranks[m] = given[k];
        }
        return ranks;
    }

    /** The view's modes in the order ranks are written: heads, head_dim, then the others as they come. */
    static int[] writtenOrder(WeightView v) {
        int[] order = new int[v.modes()];
        int k = 0;
        for (String first : List.of("heads", "head_dim")) {
            int m = v.labels().indexOf(first);
            if (m >= 0) {
                order[k++] = m;
            }
        }
        for (int m = 0; m < v.modes(); m++) {
            if (!v.labels().get(m).equals("heads") && !v.labels().get(m).equals("head_dim")) {
                order[k++] = m;
            }
        }
        return order;
    }

    @Override
    public VariantAdapter read(ObjectNode config, Map<String, Map<String, StoredTensor>> tensors, Map<String, Linear> modules, Precision precision) {
        double scale = config.path("scale").asDouble(Double.NaN);
        JsonNode views = config.path("views");
        if (!Double.isFinite(scale) || !views.isObject() || views.isEmpty()) {
            throw new IllegalArgumentException("adapter_config.json: a FLoRA config needs a finite scale and views per module");
        }
        Map<String, FloraWeight> layers = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : (Iterable<Map.Entry<String, JsonNode>>) views::fields) {
            String path = e.getKey();
            WeightView v = FloraStorage.view(path, e.getValue());
            Linear linear = modules.get(path);
            if (linear == null) {
                throw new IllegalArgumentException("the adapter is for module " + path + ", which this model does not have: it was made for another base model");
            }
            if (v.out() != linear.outFeatures() || v.in() != linear.inFeatures()) {
                throw new IllegalArgumentException("adapter_config.json: " + path + " is viewed as " + v + " but the model's is " + linear.outFeatures()
                        + "x" + linear.inFeatures() + ": the adapter was made for another base model");
            }
            Map<String, StoredTensor> t = tensors.get(path);
            StoredTensor core = t == null ? null : t.get(CORE);
            if (core == null || core.shape().length != v.modes()) {
                throw new IllegalArgumentException("adapter_model.safetensors: " + path + " needs a " + CORE + " of " + v.modes() + " modes");
            }
            List<Parameter> factors = new ArrayList<>();
            for (int m = 0; m < v.modes(); m++) {
                StoredTensor u = t.get(FACTOR + m);
                if (u == null || !Arrays.equals(u.shape(), new int[] {v.size(m), core.shape()[m]})) {
                    throw new IllegalArgumentException("adapter_model.safetensors: " + path + "." + FACTOR + m + " must have shape [" + v.size(m) + ", "
                            + core.shape()[m] + "]" + (u == null ? " but is missing" : ", got " + u.shapeString()));
                }
                factors.add(new Parameter(path + "." + FACTOR + m, u.toTensor(precision)));
            }
            layers.put(path, new FloraWeight(path, linear.weight(), v, new Parameter(path + "." + CORE, core.toTensor(precision)), factors, scale));
        }
        return new FloraAdapter(this, layers, config.path("view").asText("?"), scale);
    }

    @Override
    public List<String> describe(ObjectNode config, Map<String, Map<String, StoredTensor>> tensors) {
        List<String> out = new ArrayList<>();
        out.add(String.format(Locale.ROOT, "FLoRA, view %s, scale %s; %d modules", config.path("view").asText(), config.path("scale").asText(),
                config.path("views").size()));
        config.path("views").fields().forEachRemaining(e -> {
            Map<String, StoredTensor> t = tensors.get(e.getKey());
            String core = t != null && t.containsKey(CORE) ? t.get(CORE).shapeString() : "missing";
            out.add(e.getKey() + ": " + FloraStorage.view(e.getKey(), e.getValue()) + ", core " + core);
        });
        return out;
    }
}
