package org.lowrank4j.adapt.s2lora;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.lowrank4j.adapt.sora.SoraGates;
import org.lowrank4j.adapt.sora.SoraWeight;
import org.lowrank4j.adapt.variant.AdapterVariant;
import org.lowrank4j.adapt.variant.StoredTensor;
import org.lowrank4j.adapt.variant.VariantAdapter;
import org.lowrank4j.nn.Parameter;

/**
 * The layers of one S2-LoRA adapter, their shared pairs and the λ rule (null when read from a folder). The shared A and B
 * appear once in {@link #parameters()} and are counted once in {@link #trainableCount()}; the folder holds them once per
 * shape under the pair's pseudo-module, and each layer's λ under its own module.
 */
final class S2LoraAdapter extends VariantAdapter {
    private final S2LoraVariant variant;
    private final List<SharedPair> pairs;
    private final Map<String, SoraWeight> s2;
    private final int rMax;
    private final double alpha;
    private final String sparsity;
    private final SoraGates lambdas;

    S2LoraAdapter(S2LoraVariant variant, List<SharedPair> pairs, Map<String, SoraWeight> layers, int rMax, double alpha, String sparsity,
            SoraGates lambdas) {
        super(layers);
        this.variant = variant;
        this.pairs = List.copyOf(pairs);
        this.s2 = layers;
        this.rMax = rMax;
        this.alpha = alpha;
        this.sparsity = sparsity;
        this.lambdas = lambdas;
    }

    @Override
    public AdapterVariant variant() {
        return variant;
    }

    public List<SharedPair> pairs() {
        return pairs;
    }

    /** The shared A and B of every shape, each once (the λ_ℓ are stepped apart, in {@link #afterStep}). */
    @Override
    public List<Parameter> parameters() {
        List<Parameter> out = new ArrayList<>();
        pairs.forEach(p -> out.addAll(List.of(p.a(), p.b())));
        return out;
    }

    @Override
    public long trainableCount() {
        long n = 0;
        for (SharedPair p : pairs) {
            n += p.a().size() + p.b().size();
        }
        for (SoraWeight w : s2.values()) {
            n += w.gate().size();
        }
        return n;
    }

    @Override
    public void afterStep(long step, long totalSteps, double rate, double peakRate) {
        if (lambdas == null) {
            throw new IllegalStateException("an S2-LoRA adapter read from a folder has no λ optimiser; it is not trained further");
        }
        lambdas.step(step, totalSteps, rate, peakRate);
    }

    /** The components of a pair whose λ is non-zero in at least one of its layers. */
    private List<Integer> liveComponents(SharedPair pair) {
        List<Integer> out = new ArrayList<>();
        for (int j = 0; j < pair.rank(); j++) {
            for (String path : pair.modules()) {
                if (s2.get(path).gate().value().get(j) != 0) {
                    out.add(j);
                    break;
                }
            }
        }
        return out;
    }

    @Override
    public ObjectNode config() {
        ObjectNode o = S2LoraVariant.JSON.createObjectNode();
        o.put("r_max", rMax);
        o.put("lora_alpha", alpha);
        o.put("sparsity", sparsity);
        ObjectNode groups = o.putObject("groups");
        for (SharedPair p : pairs) {
            ObjectNode g = groups.putObject(p.name());
            g.put("rank", liveComponents(p).size());
            ArrayNode m = g.putArray("modules");
            p.modules().forEach(m::add);
        }
        return o;
    }

    @Override
    public Map<String, Map<String, StoredTensor>> tensors() {
        Map<String, Map<String, StoredTensor>> out = new LinkedHashMap<>();
        for (SharedPair p : pairs) {
            List<Integer> live = liveComponents(p);
            int k = live.size(), r = p.rank();
            if (k == 0) {
                continue;
            }
            float[] a = new float[k * p.in()], b = new float[p.out() * k];
            for (int c = 0; c < k; c++) {
                int j = live.get(c);
                for (int i = 0; i < p.in(); i++) {
                    a[c * p.in() + i] = (float) p.a().value().get(j * p.in() + i);
                }
                for (int o = 0; o < p.out(); o++) {
                    b[o * k + c] = (float) p.b().value().get(o * r + j);
                }
            }
            out.put(p.name(), new LinkedHashMap<>(Map.of(S2LoraVariant.A, new StoredTensor(new int[] {k, p.in()}, a),
                    S2LoraVariant.B, new StoredTensor(new int[] {p.out(), k}, b))));
            for (String path : p.modules()) {
                float[] l = new float[k];
                for (int c = 0; c < k; c++) {
                    l[c] = (float) s2.get(path).gate().value().get(live.get(c));
                }
                out.put(path, new LinkedHashMap<>(Map.of(S2LoraVariant.LAMBDA, new StoredTensor(new int[] {k}, l))));
            }
        }
        return out;
    }

    @Override
    public List<String> report() {
        List<String> out = new ArrayList<>();
        int nonzero = 0, total = 0;
        for (SharedPair p : pairs) {
            out.add(String.format(Locale.ROOT, "%s: %d of %d shared components in use, shared by %d layers", p.name(), liveComponents(p).size(),
                    p.rank(), p.modules().size()));
            for (String path : p.modules()) {
                int live = s2.get(path).liveRanks().size();
                nonzero += live;
                total += p.rank();
                out.add(String.format(Locale.ROOT, "%s: %d of %d coefficients non-zero", path, live, p.rank()));
            }
        }
        out.add(0, String.format(Locale.ROOT, "S2-LoRA non-zero coefficients: %d of %d (%s)", nonzero, total, sparsity));
        return out;
    }
}
