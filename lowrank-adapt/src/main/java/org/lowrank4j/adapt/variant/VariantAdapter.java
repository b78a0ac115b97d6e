package org.lowrank4j.adapt.variant;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.lowrank4j.adapt.lora.FrozenWeight;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.tensor.Kernels;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.weight.DenseWeight;
import org.lowrank4j.nn.weight.WeightFactorization;

/**
 * The layers of one variant adapter over a model, by module path, and what every variant does alike: swapping the
 * layers into the model's linears ({@link #attach}), freezing the others, turning the update off, merging it into the
 * base. A variant adds how it is stored ({@link #config}, {@link #tensors}), any optimiser rule of its own
 * ({@link #afterStep}) and its diagnostics ({@link #report}).
 */
public abstract class VariantAdapter {
    private final Map<String, VariantLayer> layers;
    private final Map<String, WeightFactorization> replaced = new LinkedHashMap<>(); // path -> the weight before attach

    protected VariantAdapter(Map<String, ? extends VariantLayer> layers) {
        if (layers.isEmpty()) {
            throw new IllegalArgumentException("an adapter needs at least one layer");
        }
        this.layers = Collections.unmodifiableMap(new LinkedHashMap<>(layers));
    }

    public abstract AdapterVariant variant();

    /** The variant's part of adapter_config.json (generator version, seeds, ranks, …). */
    public abstract ObjectNode config();

    /** What the safetensors file holds: module path → tensor name → values. */
    public abstract Map<String, Map<String, StoredTensor>> tensors();

    /** One line per layer of what the run learned (SoRA: the ranks left), for the record and the printout. */
    public abstract List<String> report();

    /** Called after every optimizer step with the step just done, the run's length, that step's rate and the peak rate. */
    public void afterStep(long step, long totalSteps, double rate, double peakRate) {
    }

    public Map<String, VariantLayer> layers() {
        return layers;
    }

    /** What the run's AdamW trains. */
    public List<Parameter> parameters() {
        List<Parameter> out = new ArrayList<>();
        layers.values().forEach(l -> out.addAll(l.parameters()));
        return out;
    }

    /**
     * What the run's AdamW steps: by default all of {@link #parameters()}. A variant that steps some of them itself in
     * {@link #afterStep} (LoCA: its alternating coefficient/location schedule) leaves those out here; they stay in
     * {@link #parameters()}, so the trainer still zeroes and clips their gradients.
     */
    public List<Parameter> optimizerParameters() {
        return parameters();
    }

    /** Every trained value (including any the variant updates itself). */
    public long trainableCount() {
        long n = 0;
        for (VariantLayer l : layers.values()) {
            n += l.trainableCount();
        }
        return n;
    }

    /**
     * Puts each layer into its linear of {@code modules} and wraps every other linear in a {@link FrozenWeight}.
     *
     * @throws IllegalArgumentException when the model lacks a module or its shape differs (an adapter for another base)
     */
    public void attach(Map<String, Linear> modules) {
        for (VariantLayer layer : layers.values()) {
            Linear linear = modules.get(layer.module());
            if (linear == null) {
                throw new IllegalArgumentException("the adapter is for module " + layer.module()
                        + ", which this model does not have: it was made for another base model");
            }
            if (linear.inFeatures() != layer.inFeatures() || linear.outFeatures() != layer.outFeatures()) {
                throw new IllegalArgumentException("the adapter's " + layer.module() + " is " + layer.outFeatures() + "x" + layer.inFeatures()
                        + " but the model's is " + linear.outFeatures() + "x" + linear.inFeatures() + ": it was made for another base model");
            }
        }
        for (Map.Entry<String, Linear> e : modules.entrySet()) {
            WeightFactorization current = e.getValue().weight();
            replaced.put(e.getKey(), current);
            VariantLayer layer = layers.get(e.getKey());
            e.getValue().setWeight(layer != null ? layer : current instanceof FrozenWeight ? current : new FrozenWeight(current));
        }
    }

    /** On: the updates run; off: the base model alone. */
    public void setEnabled(boolean enabled) {
        layers.values().forEach(l -> l.setEnabled(enabled));
    }

    /**
     * Replaces every attached layer by the dense weight W0 + ΔW and puts the other linears back as they were.
     *
     * @throws IllegalArgumentException when a merged weight is not finite (nothing is changed then)
     */
    public void mergeAndUnload(Map<String, Linear> modules) {
        Map<String, Tensor> merged = new LinkedHashMap<>();
        for (VariantLayer layer : layers.values()) {
            Tensor w = layer.base().toDense();
            Kernels.of(w).addInPlace(w, layer.delta());
            for (int i = 0; i < w.size(); i++) {
                if (!Double.isFinite(w.get(i))) {
                    throw new IllegalArgumentException(layer.module() + ": merging gives a non-finite weight (entry " + i / layer.inFeatures() + ","
                            + i % layer.inFeatures() + "); nothing was merged");
                }
            }
            merged.put(layer.module(), w);
        }
        for (Map.Entry<String, WeightFactorization> e : replaced.entrySet()) {
            Tensor w = merged.get(e.getKey());
            modules.get(e.getKey()).setWeight(w != null ? new DenseWeight(new Parameter(e.getKey() + ".weight", w)) : e.getValue());
        }
        replaced.clear();
    }
}
