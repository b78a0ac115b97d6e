package org.lowrank4j.adapt.variant;

import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.weight.WeightFactorization;

/**
 * A frozen weight W0 plus one variant's update ΔW: {@code y = x·W0ᵀ + x·ΔWᵀ}, with ΔW never formed while training. Its
 * {@link #parameters()} are what the run's AdamW trains (a variant with its own optimiser rule keeps those apart).
 */
public interface VariantLayer extends WeightFactorization {

    /** The module path, e.g. {@code model.layers.0.self_attn.q_proj}. */
    String module();

    /** The frozen weight W0. */
    WeightFactorization base();

    /** ΔW (out, in), dense (for merging and tests). */
    Tensor delta();

    /** Off: the layer computes the base alone. */
    void setEnabled(boolean enabled);

    /** Values trained in any way (the AdamW parameters and any the variant updates itself). */
    long trainableCount();
}
