package org.lowrank4j.adapt.variant;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.tensor.Precision;

/**
 * One kind of adapter other than LoRA (NOLA, SoRA, …): how to make fresh trainable layers over a model's linears, and
 * how to rebuild them from the config and tensors of a folder it wrote. Each lives in its own package and is listed in
 * {@link AdapterVariants}.
 */
public interface AdapterVariant {

    /** The command-line name, lower case ({@code nola}). */
    String name();

    /** The {@code peft_type} its folders carry ({@code LOWRANK4J_NOLA}). */
    String peftType();

    /**
     * Fresh layers over {@code targets} (path → linear), configured by {@code spec}; LoRA's rank and α from the command
     * line are the defaults of the variant's own {@code rank} and {@code alpha} options.
     *
     * @throws IllegalArgumentException for a bad option or a budget no layer can meet
     */
    VariantAdapter create(Map<String, Linear> targets, VariantSpec spec, int defaultRank, double defaultAlpha, long seed, Precision precision);

    /**
     * As {@link #create(Map, VariantSpec, int, double, long, Precision)}, knowing how the targets that are attention
     * projections split into heads ({@code heads}: module path → layout; {@link HeadLayout#decoder}). Only a variant that
     * views a weight by head overrides this; the others ignore the layout.
     */
    default VariantAdapter create(Map<String, Linear> targets, Map<String, HeadLayout> heads, VariantSpec spec, int defaultRank,
            double defaultAlpha, long seed, Precision precision) {
        return create(targets, spec, defaultRank, defaultAlpha, seed, precision);
    }

    /**
     * The adapter a folder holds, for the model's linears.
     *
     * @param config  the variant's object of adapter_config.json ({@code "lowrank4j"})
     * @param tensors module path → tensor name (after the module) → values with shape
     * @throws IllegalArgumentException naming what does not fit (module, shape, generator version)
     */
    VariantAdapter read(ObjectNode config, Map<String, Map<String, StoredTensor>> tensors, Map<String, Linear> modules, Precision precision);

    /** Lines describing a folder without a model: per module what is stored (for {@code adapter inspect}). */
    List<String> describe(ObjectNode config, Map<String, Map<String, StoredTensor>> tensors);
}
