package org.lowrank4j.formats.hf;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The transformer families the JVM runtime implements, with the Hugging Face {@code model_type} values each
 * covers. LLaMA covers the models that share its layout under other names: Qwen2, Qwen3, Mistral, SmolLM (which
 * declares itself as {@code llama}), and Gemma and Gemma 3's text decoder, whose differences the runtime reads from
 * their configs; GPT-2 covers OPT the same way.
 */
public enum HfArchitecture {
    /** Bidirectional encoder with learned positions, token types, post-norm LayerNorm and GELU. */
    BERT(List.of("bert"), "BertModel"),
    /** Decoder with RoPE, RMSNorm, SwiGLU and grouped-query attention. */
    LLAMA(List.of("llama", "qwen2", "qwen3", "mistral", "phi3", "smollm3", "granite", "olmo2", "olmo3", "gemma", "gemma2", "gemma3_text"), "LlamaForCausalLM"),
    /**
     * Decoder with learned positions, pre-norm LayerNorm and a two-layer MLP: GPT-2 (GELU, fused Conv1D weights), and
     * OPT (ReLU, separate projections, position rows offset by 2), whose differences the runtime reads from its config.
     */
    GPT2(List.of("gpt2", "opt"), "GPT2LMHeadModel");

    private final List<String> modelTypes;
    private final String defaultClassName;

    HfArchitecture(List<String> modelTypes, String defaultClassName) {
        this.modelTypes = modelTypes;
        this.defaultClassName = defaultClassName;
    }

    /** The {@code model_type} values this family covers; the first is the one written for new configs. */
    public List<String> modelTypes() {
        return modelTypes;
    }

    /** The Hugging Face class name written in {@code architectures} for new configs. */
    public String defaultClassName() {
        return defaultClassName;
    }

    /** The family of a {@code model_type} value (case-insensitive), if supported. */
    public static Optional<HfArchitecture> forModelType(String modelType) {
        String key = modelType.toLowerCase(Locale.ROOT);
        return Arrays.stream(values()).filter(a -> a.modelTypes.contains(key)).findFirst();
    }

    /** The family of a Hugging Face class name such as {@code Qwen2ForCausalLM}, if supported. */
    public static Optional<HfArchitecture> forClassName(String className) {
        return modelTypeOfClassName(className).flatMap(HfArchitecture::forModelType);
    }

    /** The supported {@code model_type} a class name such as {@code Qwen2ForCausalLM} belongs to, if any. */
    public static Optional<String> modelTypeOfClassName(String className) {
        String lower = className.toLowerCase(Locale.ROOT);
        for (HfArchitecture architecture : values()) {
            for (String type : architecture.modelTypes) {
                if (lower.startsWith(type + "for") || lower.equals(type + "model") || lower.startsWith(type + "lm")) {
                    return Optional.of(type);
                }
            }
        }
        return Optional.empty();
    }

    /** Every supported {@code model_type}, for messages. */
    public static String supportedModelTypes() {
        return Arrays.stream(values()).flatMap(a -> a.modelTypes.stream()).collect(Collectors.joining(", "));
    }
}
