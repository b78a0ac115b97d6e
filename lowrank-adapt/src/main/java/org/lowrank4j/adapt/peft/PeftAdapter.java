package org.lowrank4j.adapt.peft;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A LoRA adapter as a PEFT folder holds it: its config and, per module path (e.g.
 * {@code model.layers.0.self_attn.q_proj}), its factors.
 */
public record PeftAdapter(PeftConfig config, Map<String, LoraFactors> modules) {

    public PeftAdapter {
        if (modules.isEmpty()) {
            throw new IllegalArgumentException("an adapter needs at least one module");
        }
        modules = Collections.unmodifiableMap(new LinkedHashMap<>(modules));
    }

    /** Trainable values: Σ r·(in + out). */
    public long parameterCount() {
        long n = 0;
        for (LoraFactors f : modules.values()) {
            n += (long) f.rank() * (f.in() + f.out());
        }
        return n;
    }
}
