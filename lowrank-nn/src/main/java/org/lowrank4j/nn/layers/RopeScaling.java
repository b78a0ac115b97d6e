package org.lowrank4j.nn.layers;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The RoPE frequencies a Hugging Face config asks for through {@code rope_scaling} (or, in newer configs, the
 * {@code rope_type} and parameters inside {@code rope_parameters}). Each type changes the standard inverse frequencies
 * {@code f_i = theta^(−2i/D)} once, before any position is seen, so the tables of {@link RotaryEmbedding} stay fixed:
 *
 * <ul>
 *   <li>{@code default}: f unchanged.</li>
 *   <li>{@code linear} (position interpolation): every f divided by {@code factor}.</li>
 *   <li>{@code llama3} (LLaMA 3.1 and later): with wavelength λ = 2π/f and the original context L
 *       ({@code original_max_position_embeddings}), frequencies with λ &lt; L/{@code high_freq_factor} stay, those with
 *       λ &gt; L/{@code low_freq_factor} are divided by {@code factor}, and those between blend the two,
 *       (1 − s)·f/factor + s·f with s = (L/λ − low)/(high − low).</li>
 *   <li>{@code yarn} (YaRN): pair i keeps f (i ≤ a), takes f/factor (i ≥ b) or blends them linearly in between, where a and
 *       b are the pair indices that turn {@code beta_fast} and {@code beta_slow} times over the original context
 *       (a = ⌊D·ln(L/(2π·beta_fast))/(2 ln theta)⌋, b = ⌈… beta_slow …⌉, clamped to [0, D − 1]; without rounding when
 *       {@code truncate} is false); cos and sin are multiplied by the attention factor, {@code attention_factor} or
 *       0.1·ln(factor) + 1.</li>
 * </ul>
 *
 * <p>Types whose frequencies change with the sequence length ({@code dynamic}), and types of other families
 * ({@code longrope}, DeepSeek's {@code mscale}), are refused with the field's name.
 */
public final class RopeScaling {
    /** Frequencies for one head size and the factor cos and sin are multiplied by (1 except for YaRN). */
    public record Frequencies(String type, double[] inverse, double attentionFactor) {
    }

    private static final Set<String> TYPES = Set.of("default", "linear", "llama3", "yarn");

    private RopeScaling() {
    }

    /**
     * The frequencies of {@code scaling}, the value of config field {@code field} ({@code "rope_scaling"} or
     * {@code "rope_parameters"}; null, missing or JSON null means standard RoPE).
     *
     * @param maxPositions the config's {@code max_position_embeddings}
     * @throws IllegalArgumentException naming the field for an unknown or unsupported type, a missing or invalid parameter
     */
    public static Frequencies of(JsonNode scaling, String field, int headSize, double theta, int maxPositions) {
        double[] standard = RotaryEmbedding.standardFrequencies(headSize, theta);
        if (scaling == null || scaling.isMissingNode() || scaling.isNull()) {
            return new Frequencies("default", standard, 1);
        }
        if (!scaling.isObject()) {
            throw new IllegalArgumentException("config field " + field + " must be an object, found " + scaling);
        }
        String type = type(scaling, field);
        if (!TYPES.contains(type)) {
            throw new IllegalArgumentException("config field " + field + " has rope_type \"" + type + "\", which is not supported; "
                    + "supported: default, linear, llama3, yarn" + (type.equals("dynamic") ? " (dynamic NTK changes its frequencies with the"
                    + " sequence length)" : ""));
        }
        for (String name : List.of("mscale", "mscale_all_dim")) {
            if (scaling.has(name)) {
                throw new IllegalArgumentException("config field " + field + "." + name + " (DeepSeek's YaRN variant) is not supported");
            }
        }
        return switch (type) {
            case "default" -> new Frequencies(type, standard, 1);
            case "linear" -> new Frequencies(type, divided(standard, factor(scaling, field)), 1);
            case "llama3" -> new Frequencies(type, llama3(standard, scaling, field), 1);
            default -> yarn(standard, scaling, field, headSize, theta, maxPositions);
        };
    }

    private static String type(JsonNode scaling, String field) {
        JsonNode type = scaling.has("rope_type") ? scaling.get("rope_type") : scaling.get("type"); // "type" is the older key
        if (type == null || type.isNull()) {
            if (field.equals("rope_parameters")) {
                return "default";
            }
            throw new IllegalArgumentException("config field " + field + " names no rope_type (or type): " + scaling);
        }
        if (!type.isTextual()) {
            throw new IllegalArgumentException("config field " + field + ".rope_type must be a string, found " + type);
        }
        return type.asText().toLowerCase(Locale.ROOT);
    }

    private static double[] divided(double[] f, double factor) {
        double[] out = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            out[i] = f[i] / factor;
        }
        return out;
    }

    private static double[] llama3(double[] f, JsonNode scaling, String field) {
        double factor = factor(scaling, field);
        double low = positive(scaling, field, "low_freq_factor"), high = positive(scaling, field, "high_freq_factor");
        double context = positive(scaling, field, "original_max_position_embeddings");
        if (!(high > low)) {
            throw new IllegalArgumentException("config field " + field + ": high_freq_factor " + high + " must exceed low_freq_factor " + low);
        }
        double[] out = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            double wavelength = 2 * Math.PI / f[i];
            if (wavelength < context / high) {
                out[i] = f[i];
            } else if (wavelength > context / low) {
                out[i] = f[i] / factor;
            } else {
                double s = (context / wavelength - low) / (high - low);
                out[i] = (1 - s) * f[i] / factor + s * f[i];
            }
        }
        return out;
    }

    private static Frequencies yarn(double[] f, JsonNode scaling, String field, int headSize, double theta, int maxPositions) {
        double factor = factor(scaling, field);
        double context = maxPositions;
        if (scaling.has("original_max_position_embeddings")) {
            context = positive(scaling, field, "original_max_position_embeddings");
            // transformers releases differ here: newer ones take the factor as max_position_embeddings / original
            if (Math.abs(maxPositions / context - factor) > 1e-9 * factor) {
                throw new IllegalArgumentException(String.format(Locale.ROOT, "config field %s: factor %s differs from max_position_embeddings /"
                        + " original_max_position_embeddings = %d / %.0f, and transformers releases disagree on which to use; set"
                        + " max_position_embeddings to %.0f (original × factor) or drop original_max_position_embeddings", field,
                        scaling.get("factor"), maxPositions, context, context * factor));
            }
        }
        double fast = scaling.hasNonNull("beta_fast") ? number(scaling, field, "beta_fast") : 32;
        double slow = scaling.hasNonNull("beta_slow") ? number(scaling, field, "beta_slow") : 1;
        boolean truncate = !scaling.hasNonNull("truncate") || scaling.get("truncate").asBoolean(true);
        double a = correctionPair(fast, headSize, theta, context), b = correctionPair(slow, headSize, theta, context);
        if (truncate) {
            a = Math.floor(a);
            b = Math.ceil(b);
        }
        a = Math.max(a, 0);
        b = Math.min(b, headSize - 1);
        if (a == b) {
            b += 0.001; // as the reference does: a ramp of one step
        }
        double[] out = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            double ramp = Math.min(1, Math.max(0, (i - a) / (b - a))); // 0: keep f, 1: f / factor
            out[i] = (1 - ramp) * f[i] + ramp * f[i] / factor;
        }
        double attention = scaling.hasNonNull("attention_factor") ? positive(scaling, field, "attention_factor")
                : factor <= 1 ? 1 : 0.1 * Math.log(factor) + 1;
        return new Frequencies("yarn", out, attention);
    }

    /** The (fractional) pair index whose frequency turns {@code rotations} times over {@code context} positions. */
    private static double correctionPair(double rotations, int headSize, double theta, double context) {
        return headSize * Math.log(context / (rotations * 2 * Math.PI)) / (2 * Math.log(theta));
    }

    private static double factor(JsonNode scaling, String field) {
        double factor = number(scaling, field, "factor");
        if (!(factor >= 1)) {
            throw new IllegalArgumentException("config field " + field + ".factor must be at least 1, found " + scaling.get("factor"));
        }
        return factor;
    }

    private static double positive(JsonNode scaling, String field, String key) {
        double value = number(scaling, field, key);
        if (!(value > 0)) {
            throw new IllegalArgumentException("config field " + field + "." + key + " must be positive, found " + scaling.get(key));
        }
        return value;
    }

    private static double number(JsonNode scaling, String field, String key) {
        JsonNode value = scaling.get(key);
        if (value == null || value.isNull()) {
            throw new IllegalArgumentException("config field " + field + " (rope_type " + type(scaling, field) + ") needs " + key);
        }
        if (!value.isNumber() || !Double.isFinite(value.asDouble())) {
            throw new IllegalArgumentException("config field " + field + "." + key + " must be a finite number, found " + value);
        }
        return value.asDouble();
    }
}
