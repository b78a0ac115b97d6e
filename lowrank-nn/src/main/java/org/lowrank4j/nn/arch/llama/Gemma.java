package org.lowrank4j.nn.arch.llama;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Locale;
import org.lowrank4j.formats.hf.HfConfig;
import org.lowrank4j.nn.layers.RopeScaling;
import org.lowrank4j.nn.layers.SwiGluMlp;

/**
 * What sets Google's Gemma decoders apart from LLaMA, read from their configs. Gemma ({@code model_type: gemma}):
 * norms whose multiplier is {@code 1 + w}, token embeddings times √C, and a GeGLU MLP (the tanh GELU on the gate).
 * Gemma 2 ({@code gemma2}) adds a post-norm on the attention and on the MLP output of every block, scores scaled by
 * {@code query_pre_attn_scalar^-1/2} and soft-capped ({@code attn_logit_softcapping}, 50), logits soft-capped
 * ({@code final_logit_softcapping}, 30), and sliding-window layers (each query sees the last {@code sliding_window}
 * positions, itself included) on every even layer. Gemma 3's text decoder ({@code gemma3_text}) keeps the post-norms and
 * the score scale, drops the score cap (and the logit cap, unless its config sets one), adds an RMSNorm over every query
 * and key head, and has two kinds of layer: sliding ones (five of every six by default) with their own RoPE base
 * ({@code rope_local_base_freq}), and full layers with {@code rope_theta} and {@code rope_scaling}. Every other model
 * type of the family gets LLaMA's answers.
 */
final class Gemma {
    private Gemma() {
    }

    /** Gemma, Gemma 2 or Gemma 3 (text). */
    static boolean is(HfConfig config) {
        String type = type(config);
        return type.equals("gemma") || type.equals("gemma2") || type.equals("gemma3_text");
    }

    static boolean isGemma2(HfConfig config) {
        return type(config).equals("gemma2");
    }

    /** Gemma 2 and 3, whose blocks normalise their attention and MLP outputs before the residual adds (post-norms). */
    static boolean hasPostNorms(HfConfig config) {
        return isGemma2(config) || isGemma3(config);
    }

    static boolean isGemma3(HfConfig config) {
        return type(config).equals("gemma3_text");
    }

    private static String type(HfConfig config) {
        return config.modelType().toLowerCase(Locale.ROOT);
    }

    /** What the token rows are multiplied by: √C for Gemma, else 1. */
    static double embeddingScale(HfConfig config) {
        return is(config) ? Math.sqrt(config.hiddenSize()) : 1;
    }

    /**
     * The MLP's activation, as Hugging Face's modeling code picks it: Gemma from {@code hidden_act} (whose default is
     * {@code gelu_pytorch_tanh}; Gemma 1 checkpoints that say {@code gelu} get the exact, erf GELU, as in transformers
     * since 4.4x, where older releases ran the tanh form), Gemma 2 and 3 from {@code hidden_activation} (same default).
     *
     * @throws IllegalArgumentException naming the field for an activation this runtime does not have
     */
    static SwiGluMlp.Activation activation(HfConfig config) {
        if (!is(config)) {
            if (!config.hiddenAct().equals("silu")) {
                throw new IllegalArgumentException("config field hidden_act = \"" + config.hiddenAct() + "\" is not supported for "
                        + config.modelType() + "; only silu (SwiGLU)");
            }
            return SwiGluMlp.Activation.SILU;
        }
        String field = hasPostNorms(config) ? "hidden_activation" : "hidden_act";
        JsonNode named = config.raw().get(field);
        String act = named == null || named.isNull() ? "gelu_pytorch_tanh" : named.asText();
        return switch (act) {
            case "gelu_pytorch_tanh", "gelu_new" -> SwiGluMlp.Activation.GELU_TANH;
            case "gelu" -> SwiGluMlp.Activation.GELU_ERF;
            default -> throw new IllegalArgumentException("config field " + field + " = \"" + act + "\" is not supported for "
                    + config.modelType() + "; gelu_pytorch_tanh, gelu_new or gelu (GeGLU)");
        };
    }

    /** The attention's score scale: {@code query_pre_attn_scalar^-1/2} for Gemma 2 and 3, else {@code head_dim^-1/2}. */
    static double attentionScale(HfConfig config) {
        double scalar = hasPostNorms(config) ? config.raw().path("query_pre_attn_scalar").asDouble(256) : config.headDim();
        if (!(scalar > 0) || Double.isInfinite(scalar)) {
            throw new IllegalArgumentException("config field query_pre_attn_scalar must be a positive number, found "
                    + config.raw().get("query_pre_attn_scalar"));
        }
        return 1 / Math.sqrt(scalar);
    }

    /**
     * Whether layer {@code i} of a Gemma 2 or 3 model attends over a sliding window: {@code layer_types[i]} when the config
     * lists them, else for Gemma 2 the even layers (0, 2, …), for Gemma 3 every layer but each
     * {@code sliding_window_pattern}-th (6 by default). False for other models.
     */
    static boolean sliding(HfConfig config, int i) {
        if (!hasPostNorms(config)) {
            return false;
        }
        Boolean listed = listedSliding(config, i);
        if (listed != null) {
            return listed;
        }
        if (isGemma2(config)) {
            return i % 2 == 0;
        }
        int pattern = config.rawInt("sliding_window_pattern", 6);
        if (pattern < 1) {
            throw new IllegalArgumentException("config field sliding_window_pattern must be at least 1, found " + pattern);
        }
        return (i + 1) % pattern != 0;
    }

    /**
     * Whether {@code layer_types[i]} says layer i slides, or null when the config does not list the layers' types (any
     * model of the family).
     *
     * @throws IllegalArgumentException for a list of the wrong length or a type that is neither sliding nor full
     */
    static Boolean listedSliding(HfConfig config, int i) {
        JsonNode types = config.raw().get("layer_types");
        if (types == null || types.isNull()) {
            return null;
        }
        if (!types.isArray() || types.size() != config.numHiddenLayers()) {
            throw new IllegalArgumentException("config field layer_types must list one type for each of the " + config.numHiddenLayers()
                    + " layers, found " + types);
        }
        String type = types.get(i).asText();
        if (!type.equals("sliding_attention") && !type.equals("full_attention")) {
            throw new IllegalArgumentException("config field layer_types[" + i + "] = " + types.get(i)
                    + " is neither \"sliding_attention\" nor \"full_attention\"");
        }
        return type.equals("sliding_attention");
    }

    /** The sliding layers' window in positions ({@code sliding_window}, 4,096 by default): a query sees itself and the window − 1 before it. */
    static int window(HfConfig config) {
        return LlamaModel.windowField(config, 4096, 4096);
    }

    /**
     * The RoPE frequencies of a Gemma 3 layer: sliding layers use standard RoPE at {@code rope_local_base_freq} (10,000 by
     * default), full layers {@code rope_theta} with {@code rope_scaling}; a config in the newer form keeps one
     * {@code rope_parameters} entry for each layer type instead.
     */
    static RopeScaling.Frequencies ropeFrequencies(HfConfig config, boolean sliding) {
        JsonNode parameters = config.raw().get("rope_parameters");
        String kind = sliding ? "sliding_attention" : "full_attention";
        if (parameters != null && parameters.isObject() && parameters.has(kind)) {
            JsonNode entry = parameters.get(kind);
            JsonNode theta = entry.get("rope_theta");
            if (theta == null || !theta.isNumber() || !(theta.asDouble() > 0)) {
                throw new IllegalArgumentException("config field rope_parameters." + kind + ".rope_theta must be a positive number, found " + theta);
            }
            return RopeScaling.of(entry, "rope_parameters." + kind, config.headDim(), theta.asDouble(), config.maxPositionEmbeddings());
        }
        if (sliding) {
            double base = config.raw().path("rope_local_base_freq").asDouble(10_000);
            return RopeScaling.of(null, "rope_local_base_freq", config.headDim(), base, config.maxPositionEmbeddings());
        }
        return LlamaModel.ropeFrequencies(config);
    }

    /**
     * Gemma 2's score soft-cap ({@code attn_logit_softcapping}, 50 by default; null: none), or 0 for every other model:
     * Gemma's and Gemma 3's attention never apply the field, whatever their configs say.
     */
    static double attentionSoftcap(HfConfig config) {
        return isGemma2(config) ? cap(config, "attn_logit_softcapping", 50) : 0;
    }

    /**
     * The logits' soft-cap ({@code final_logit_softcapping}): 30 by default for Gemma 2, none by default for Gemma 3
     * (its published configs say null), 0 (none) for every other model.
     */
    static double logitSoftcap(HfConfig config) {
        return isGemma2(config) ? cap(config, "final_logit_softcapping", 30) : isGemma3(config) ? cap(config, "final_logit_softcapping", 0) : 0;
    }

    private static double cap(HfConfig config, String field, double absent) {
        if (!config.raw().has(field)) {
            return absent;
        }
        JsonNode cap = config.raw().get(field);
        if (cap.isNull()) {
            return 0;
        }
        if (!cap.isNumber() || !(cap.asDouble() > 0) || Double.isInfinite(cap.asDouble())) {
            throw new IllegalArgumentException("config field " + field + " must be a positive number or null, found " + cap);
        }
        return cap.asDouble();
    }

    /**
     * Refuses what this runtime does not compute (EmbeddingGemma's bidirectional attention), a config without
     * {@code head_dim} (read as C / heads here, 256 by Hugging Face) and malformed soft-caps or score scales, naming the field.
     */
    static void check(HfConfig config) {
        if (!is(config)) {
            return;
        }
        if (!config.raw().hasNonNull("head_dim")) { // published configs all give it
            throw new IllegalArgumentException("config field head_dim is missing: Gemma's config classes default it to 256, not hidden_size / "
                    + "num_attention_heads; add \"head_dim\" to config.json");
        }
        attentionSoftcap(config);
        logitSoftcap(config);
        if (config.rawBoolean("use_bidirectional_attention", false)) {
            throw new IllegalArgumentException("config field use_bidirectional_attention = true (an embedding model) is not supported;"
                    + " this runtime runs causal decoders");
        }
        attentionScale(config); // the activation and each layer's window are checked by LlamaModel.checkConfig
    }
}
