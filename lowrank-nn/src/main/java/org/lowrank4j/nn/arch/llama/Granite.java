package org.lowrank4j.nn.arch.llama;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Locale;
import org.lowrank4j.formats.hf.HfConfig;

/**
 * What sets IBM's Granite decoders ({@code model_type: granite}, the dense Granite 3.x models) apart from LLaMA: four
 * scalars from the config, each 1 by default. The token embeddings are multiplied by {@code embedding_multiplier}; the
 * attention scores are scaled by {@code attention_multiplier} in place of {@code head_dim^-1/2}; each attention and MLP
 * output is multiplied by {@code residual_multiplier} before its residual add; the logits are divided by
 * {@code logits_scaling}. Every other model type of the family gets LLaMA's answers.
 */
final class Granite {
    private Granite() {
    }

    static boolean is(HfConfig config) {
        return config.modelType().toLowerCase(Locale.ROOT).equals("granite");
    }

    /** {@code embedding_multiplier}, or 1 for other models. */
    static double embeddingScale(HfConfig config) {
        return is(config) ? scalar(config, "embedding_multiplier") : 1;
    }

    /** {@code attention_multiplier}, the score scale of a Granite model (1 when absent, as the config class defaults it). */
    static double attentionScale(HfConfig config) {
        return scalar(config, "attention_multiplier");
    }

    /** {@code residual_multiplier}, or 1 for other models. */
    static double residualScale(HfConfig config) {
        return is(config) ? scalar(config, "residual_multiplier") : 1;
    }

    /** {@code logits_scaling}, what the logits are divided by, or 1 for other models. */
    static double logitDivisor(HfConfig config) {
        return is(config) ? scalar(config, "logits_scaling") : 1;
    }

    /** Reads the four scalars, so that a malformed one is refused when the config is checked, naming the field. */
    static void check(HfConfig config) {
        if (is(config)) {
            for (String field : new String[] {"embedding_multiplier", "attention_multiplier", "residual_multiplier", "logits_scaling"}) {
                scalar(config, field);
            }
        }
    }

    private static double scalar(HfConfig config, String field) {
        JsonNode value = config.raw().get(field);
        if (value == null || value.isNull()) {
            return 1;
        }
        if (!value.isNumber() || !(value.asDouble() > 0) || Double.isInfinite(value.asDouble())) {
            throw new IllegalArgumentException("config field " + field + " must be a positive number, found " + value);
        }
        return value.asDouble();
    }
}
