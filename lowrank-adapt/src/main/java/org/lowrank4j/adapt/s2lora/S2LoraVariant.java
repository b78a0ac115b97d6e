package org.lowrank4j.adapt.s2lora;

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
import org.lowrank4j.adapt.sora.SoraGates;
import org.lowrank4j.adapt.sora.SoraWeight;
import org.lowrank4j.adapt.variant.AdapterVariant;
import org.lowrank4j.adapt.variant.StoredTensor;
import org.lowrank4j.adapt.variant.VariantAdapter;
import org.lowrank4j.adapt.variant.VariantSpec;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;

/**
 * S2-LoRA (Liu et al., ICASSP 2024, arXiv:2309.11756; spec ../shared/methods/06-sora-s2lora.md B): every adapted layer ℓ
 * of one shape uses the same A (r, in) and B (out, r) — one {@link SharedPair} per shape, as the spec's rule for unequal
 * shapes — with its own coefficient vector λ_ℓ (r):
 * <pre>
 *   ΔW_ℓ = s · B · diag(λ_ℓ) · A,   s = α / r;   dA = Σ_ℓ s (K_ℓ ⊙ λ_ℓ)ᵀ x_ℓ,  dB = Σ_ℓ s G_ℓᵀ (H_ℓ ⊙ λ_ℓ)
 * </pre>
 * Each layer is a {@link SoraWeight} over the shared parameters (its gradients add into them, which sums over layers);
 * A, B go to the run's AdamW, the λ_ℓ to their own Adam after each step ({@link SoraGates}), with sparsity by
 * {@code sparsity=prox} (default: soft threshold ξ after each step, SoRA's constant-ξ form) or {@code sparsity=l1}
 * (the subgradient μ·sign(λ) of μ·Σ‖λ_ℓ‖₁ added to λ's gradient). Init: A kaiming-uniform, B = 0, λ = 1
 * ({@code init=ones}) or N(0, 1) ({@code init=normal}). Options: {@code rank}, {@code alpha}, {@code init},
 * {@code sparsity}, {@code xi} (3e-4), {@code mu} (1e-3), {@code lambda-lr} (default: the run's rate), or
 * {@code budget} (trainable values in all: r = budget / (Σ_shapes (in + out) + layers)). Saving drops the components
 * whose λ is zero in every layer of a shape.
 */
public final class S2LoraVariant implements AdapterVariant {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String A = "lora_A", B = "lora_B", LAMBDA = "s2lora_lambda";

    @Override
    public String name() {
        return "s2lora";
    }

    @Override
    public String peftType() {
        return "LOWRANK4J_S2LORA";
    }

    @Override
    public VariantAdapter create(Map<String, Linear> targets, VariantSpec spec, int defaultRank, double defaultAlpha, long seed,
            Precision precision) {
        int rank = spec.integer("rank", defaultRank, 1);
        double alpha = spec.number("alpha", defaultAlpha);
        String init = spec.word("init", "ones", Set.of("ones", "normal"));
        String sparsity = spec.word("sparsity", "prox", Set.of("prox", "l1"));
        double xi = spec.number("xi", 3e-4);
        double mu = spec.number("mu", 1e-3);
        double lambdaRate = spec.number("lambda-lr", 0);
        long budget = spec.longValue("budget", 0);
        spec.requireAllRead();
        if (sparsity.equals("prox") && spec.has("mu") || sparsity.equals("l1") && spec.has("xi")) {
            throw new IllegalArgumentException("--adapter " + spec.text() + ": " + (sparsity.equals("prox") ? "mu" : "xi") + " does not apply to sparsity="
                    + sparsity + " (xi is the proximal threshold of sparsity=prox, mu the L1 weight of sparsity=l1)");
        }
        Map<String, List<String>> shapes = new LinkedHashMap<>();
        targets.forEach((path, l) -> shapes.computeIfAbsent(SharedPair.nameOf(l.outFeatures(), l.inFeatures()), k -> new ArrayList<>()).add(path));
        if (spec.has("budget")) {
            long perRank = targets.size();
            for (List<String> paths : shapes.values()) {
                Linear l = targets.get(paths.get(0));
                perRank += l.inFeatures() + l.outFeatures();
            }
            if (budget < perRank) {
                throw new IllegalArgumentException("--adapter " + spec.text() + ": a budget of " + budget + " trainable values gives no layer one rank: "
                        + "rank 1 shared by " + shapes.size() + " shape group(s) with a coefficient per each of the " + targets.size()
                        + " adapted layers costs " + perRank);
            }
            rank = (int) Math.min(Integer.MAX_VALUE, budget / perRank);
        }
        Random random = new Random(seed);
        List<SharedPair> pairs = new ArrayList<>();
        Map<String, SoraWeight> layers = new LinkedHashMap<>();
        for (Map.Entry<String, List<String>> group : shapes.entrySet()) {
            Linear first = targets.get(group.getValue().get(0));
            int out = first.outFeatures(), in = first.inFeatures();
            if (rank > Math.min(in, out)) {
                throw new IllegalArgumentException("--adapter " + spec.text() + ": S2-LoRA rank " + rank + " is above min(in, out) = " + Math.min(in, out)
                        + " of the " + out + "x" + in + " layers");
            }
            Tensor a = Tensor.zeros(precision, rank, in);
            double bound = 1 / Math.sqrt(in); // kaiming-uniform, a = √5
            for (int i = 0; i < a.size(); i++) {
                a.set(i, (2 * random.nextDouble() - 1) * bound);
            }
            SharedPair pair = new SharedPair(group.getKey(), out, in, new Parameter(group.getKey() + "." + A, a),
                    new Parameter(group.getKey() + "." + B, Tensor.zeros(precision, out, rank)), List.copyOf(group.getValue()));
            pairs.add(pair);
            for (String path : group.getValue()) {
                Tensor lambda = Tensor.zeros(precision, rank);
                for (int j = 0; j < rank; j++) {
                    lambda.set(j, init.equals("ones") ? 1 : random.nextGaussian());
                }
                layers.put(path, new SoraWeight(path, targets.get(path).weight(), pair.a(), pair.b(), new Parameter(path + "." + LAMBDA, lambda),
                        alpha / rank));
            }
        }
        List<Parameter> lambdas = new ArrayList<>();
        layers.values().forEach(w -> lambdas.add(w.gate()));
        // SoraGates adds η·sign(λ)/#λ: η = μ·#λ gives the subgradient of μ·Σ‖λ‖₁
        SoraGates rule = sparsity.equals("prox") ? new SoraGates(lambdas, lambdaRate, 0, xi, xi, 1, false)
                : new SoraGates(lambdas, lambdaRate, mu * lambdas.size() * rank, 0, 0, 1, false);
        return new S2LoraAdapter(this, pairs, layers, rank, alpha, sparsity, rule);
    }

    @Override
    public VariantAdapter read(ObjectNode config, Map<String, Map<String, StoredTensor>> tensors, Map<String, Linear> modules, Precision precision) {
        int rMax = config.path("r_max").asInt(0);
        double alpha = config.path("lora_alpha").asDouble(Double.NaN);
        JsonNode groups = config.path("groups");
        if (rMax < 1 || !Double.isFinite(alpha) || !groups.isObject()) {
            throw new IllegalArgumentException("adapter_config.json: an S2-LoRA config needs r_max >= 1, a finite lora_alpha and its shared groups");
        }
        List<SharedPair> pairs = new ArrayList<>();
        Map<String, SoraWeight> layers = new LinkedHashMap<>();
        List<String> known = new ArrayList<>();
        for (Map.Entry<String, JsonNode> g : groups.properties()) {
            String name = g.getKey();
            int r = g.getValue().path("rank").asInt(-1);
            JsonNode paths = g.getValue().path("modules");
            if (r < 0 || r > rMax || !paths.isArray()) {
                throw new IllegalArgumentException("adapter_config.json: S2-LoRA group " + name + " needs a rank in [0, r_max] and its modules");
            }
            if (r == 0) {
                continue; // no component left in any of its layers: nothing stored
            }
            Map<String, StoredTensor> shared = tensors.get(name);
            if (shared == null || !shared.containsKey(A) || !shared.containsKey(B)) {
                throw new IllegalArgumentException("adapter_model.safetensors lacks the shared " + A + " or " + B + " of " + name);
            }
            StoredTensor sa = shared.get(A), sb = shared.get(B);
            if (sa.shape().length != 2 || sb.shape().length != 2 || sa.shape()[0] != r || sb.shape()[1] != r) {
                throw new IllegalArgumentException("adapter_model.safetensors: " + name + " needs " + A + " (" + r + ", in) and " + B + " (out, " + r
                        + "), got " + sa.shapeString() + " and " + sb.shapeString());
            }
            known.add(name);
            List<String> members = new ArrayList<>();
            paths.forEach(p -> members.add(p.asText()));
            SharedPair pair = new SharedPair(name, sb.shape()[0], sa.shape()[1], new Parameter(name + "." + A, sa.toTensor(precision)),
                    new Parameter(name + "." + B, sb.toTensor(precision)), List.copyOf(members));
            pairs.add(pair);
            for (String path : members) {
                StoredTensor lambda = tensors.getOrDefault(path, Map.of()).get(LAMBDA);
                if (lambda == null || lambda.shape().length != 1 || lambda.shape()[0] != r) {
                    throw new IllegalArgumentException("adapter_model.safetensors: " + path + " needs " + LAMBDA + " (" + r + ")"
                            + (lambda == null ? ", which is missing" : ", got " + lambda.shapeString()));
                }
                Linear linear = modules.get(path);
                if (linear == null) {
                    throw new IllegalArgumentException("the adapter is for module " + path + ", which this model does not have: it was made for another base model");
                }
                if (linear.outFeatures() != pair.out() || linear.inFeatures() != pair.in()) {
                    throw new IllegalArgumentException("the adapter's " + path + " shares a " + pair.out() + "x" + pair.in() + " pair but the model's is "
                            + linear.outFeatures() + "x" + linear.inFeatures() + ": it was made for another base model");
                }
                known.add(path);
                layers.put(path, new SoraWeight(path, linear.weight(), pair.a(), pair.b(), new Parameter(path + "." + LAMBDA, lambda.toTensor(precision)),
                        alpha / rMax));
            }
        }
        for (String stored : tensors.keySet()) {
            if (!known.contains(stored)) {
                throw new IllegalArgumentException("adapter_model.safetensors holds tensors of " + stored + ", which adapter_config.json's groups do not list");
            }
        }
        return new S2LoraAdapter(this, pairs, layers, rMax, alpha, config.path("sparsity").asText("prox"), null);
    }

    @Override
    public List<String> describe(ObjectNode config, Map<String, Map<String, StoredTensor>> tensors) {
        List<String> out = new ArrayList<>();
        JsonNode groups = config.path("groups");
        out.add(String.format(Locale.ROOT, "S2-LoRA, r_max = %d, lora_alpha = %s, sparsity %s; %d shared pair(s)", config.path("r_max").asInt(),
                config.path("lora_alpha").asText(), config.path("sparsity").asText(), groups.size()));
        groups.properties().forEach(g -> {
            out.add(g.getKey() + ": rank " + g.getValue().path("rank").asInt() + " of " + config.path("r_max").asInt() + ", shared by "
                    + g.getValue().path("modules").size() + " modules");
            g.getValue().path("modules").forEach(p -> {
                StoredTensor l = tensors.getOrDefault(p.asText(), Map.of()).get(LAMBDA);
                if (l != null) {
                    int nonzero = 0;
                    for (float v : l.values()) {
                        nonzero += v != 0 ? 1 : 0;
                    }
                    out.add("  " + p.asText() + ": " + nonzero + " of " + l.values().length + " coefficients non-zero");
                }
            });
        });
        return out;
    }
}
