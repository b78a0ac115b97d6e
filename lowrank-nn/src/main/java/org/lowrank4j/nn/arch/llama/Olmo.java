package org.lowrank4j.nn.arch.llama;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Locale;
import org.lowrank4j.formats.hf.HfConfig;

/**
 * What sets AI2's OLMo 2 ({@code model_type: olmo2}) and OLMo 3 ({@code olmo3}) apart from LLaMA: blocks without
 * pre-norms, whose attention and MLP outputs are each normalised before their residual add, and q/k norms over the whole
 * query and key projections. OLMo 3 adds sliding layers: every layer but each 4th (or as {@code layer_types} says) over
 * {@code sliding_window} positions, 4,096 by default. Two OLMo 3 settings are refused because transformers releases read
 * them differently: RoPE scaling (every layer, or only the full ones) and a missing {@code rope_theta} (10,000 or 500,000).
 */
final class Olmo {
    private Olmo() {
    }

    /** OLMo 2 or OLMo 3. */
    static boolean is(HfConfig config) {
        String type = config.modelType().toLowerCase(Locale.ROOT);
        return type.equals("olmo2") || type.equals("olmo3");
    }

    private static boolean isOlmo3(HfConfig config) {
        return config.modelType().equalsIgnoreCase("olmo3");
    }

    /** The sliding window of layer {@code i} (0 for a full layer, and for every OLMo 2 layer). */
    static int window(HfConfig config, int i) {
        if (!isOlmo3(config)) {
            return 0;
        }
        Boolean listed = Gemma.listedSliding(config, i);
        boolean slides = listed != null ? listed : (i + 1) % 4 != 0;
        return slides ? LlamaModel.windowField(config, 4096, 0) : 0;
    }

    /** Refuses the OLMo 3 settings that transformers releases disagree on, naming the field. */
    static void check(HfConfig config) {
        if (!isOlmo3(config)) {
            return;
        }
        if (!config.raw().hasNonNull("rope_theta") && !config.raw().path("rope_parameters").hasNonNull("rope_theta")) {
            throw new IllegalArgumentException("config field rope_theta is missing: OLMo 3's default differs between transformers releases"
                    + " (10,000 or 500,000); add it to config.json");
        }
        JsonNode scaling = config.raw().hasNonNull("rope_scaling") ? config.raw().get("rope_scaling") : config.raw().get("rope_parameters");
        if (scaling != null && !scaling.isNull() && !scaling.path("rope_type").asText(scaling.path("type").asText("default")).equals("default")) {
            throw new IllegalArgumentException("config field rope_scaling (or rope_parameters) = " + scaling + " is not supported for olmo3"
                    + " (whether its sliding layers scale RoPE differs between transformers releases)");
        }
    }
}
