package org.lowrank4j.nn.arch.llama;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Locale;
import org.lowrank4j.formats.hf.HfConfig;

/**
 * What sets Hugging Face's SmolLM3 ({@code model_type: smollm3}) apart from LLaMA, read from its config: some layers
 * attend without rotary embeddings (NoPE), and a sliding window, when switched on, goes to those layers. Everything
 * else is LLaMA's.
 *
 * <ul>
 *   <li>{@code no_rope_layers} lists one flag per layer, despite its name 1 for a layer <em>with</em> RoPE and 0 for a
 *       NoPE layer; without the list, every {@code no_rope_layer_interval}-th layer (4 by default: layers 3, 7, 11, …) is
 *       NoPE.</li>
 *   <li>A layer slides only with {@code use_sliding_window: true} and a {@code sliding_window}: the layers
 *       {@code layer_types} marks as sliding, or without that list the NoPE layers.</li>
 * </ul>
 */
final class SmolLm3 {
    private SmolLm3() {
    }

    static boolean is(HfConfig config) {
        return config.modelType().toLowerCase(Locale.ROOT).equals("smollm3");
    }

    /**
     * Whether layer {@code i} rotates its queries and keys: always for other model types.
     *
     * @throws IllegalArgumentException naming the field for a list shorter than the layers, a flag that is neither 0 nor 1,
     *                                  or an interval below 1
     */
    static boolean usesRope(HfConfig config, int i) {
        if (!is(config)) {
            return true;
        }
        JsonNode flags = config.raw().get("no_rope_layers");
        if (flags == null || flags.isNull()) {
            int interval = config.rawInt("no_rope_layer_interval", 4);
            if (interval < 1) {
                throw new IllegalArgumentException("config field no_rope_layer_interval must be at least 1, found " + interval);
            }
            return (i + 1) % interval != 0;
        }
        if (!flags.isArray() || flags.size() < config.numHiddenLayers()) {
            throw new IllegalArgumentException("config field no_rope_layers must list a 0 or 1 for each of the " + config.numHiddenLayers()
                    + " layers, found " + flags);
        }
        JsonNode flag = flags.get(i);
        if (!flag.isIntegralNumber() || flag.asInt() != 0 && flag.asInt() != 1) {
            throw new IllegalArgumentException("config field no_rope_layers[" + i + "] = " + flag + " is neither 1 (RoPE) nor 0 (no RoPE)");
        }
        return flag.asInt() == 1;
    }

    /**
     * The sliding window of layer {@code i} in positions, or 0 for a full layer.
     *
     * @throws IllegalArgumentException naming the field for a window that is not a positive whole number or a malformed
     *                                  {@code layer_types}
     */
    static int window(HfConfig config, int i) {
        int window = config.rawBoolean("use_sliding_window", false) ? LlamaModel.windowField(config, 0, 0) : 0;
        if (window == 0) {
            return 0;
        }
        Boolean listed = Gemma.listedSliding(config, i);
        boolean slides = listed != null ? listed : !usesRope(config, i);
        return slides ? window : 0;
    }
}
