package org.lowrank4j.nn.arch.gpt2;

import org.lowrank4j.formats.hf.HfConfig;
import org.lowrank4j.nn.tensor.MlpActivation;

/**
 * What OPT ({@code model_type: opt}, Meta's OPT-125M to 66B and Galactica) changes in the GPT-2 layout, read from its
 * config. Its blocks are GPT-2's: pre-norm LayerNorm, attention with biases, a two-layer MLP, a final LayerNorm and a
 * head tied to the token table. It differs in:
 * <ul>
 *   <li>the MLP activation: {@code activation_function} {@code relu} (Galactica: {@code gelu});</li>
 *   <li>the position table: {@code max_position_embeddings + 2} rows, position p reading row p + 2
 *       ({@link #POSITION_OFFSET}; Hugging Face's {@code OPTLearnedPositionalEmbedding});</li>
 *   <li>the tensor names and layout ({@link OptWeights}): separate q, k, v and out projections stored (out, in).</li>
 * </ul>
 * OPT-350M's layout (post-norm blocks, {@code do_layer_norm_before: false}, and 512-wide embeddings projected in and
 * out, {@code word_embed_proj_dim}) is refused in one line, as are the switches no released checkpoint sets.
 */
final class Opt {
    /** The rows of the position table before position 0 (Hugging Face's OPT keeps two). */
    static final int POSITION_OFFSET = 2;

    private Opt() {
    }

    static boolean is(HfConfig config) {
        return config.modelType().equalsIgnoreCase("opt");
    }

    /**
     * The MLP activation of an OPT config, after refusing what this runtime does not build.
     *
     * @throws IllegalArgumentException naming the config field
     */
    static MlpActivation check(HfConfig config) {
        if (!config.rawBoolean("do_layer_norm_before", true)) {
            throw new IllegalArgumentException("config field do_layer_norm_before = false (OPT-350M's post-norm blocks) is not"
                    + " supported; the other OPT sizes are pre-norm");
        }
        int projected = config.rawInt("word_embed_proj_dim", config.hiddenSize());
        if (projected != config.hiddenSize()) {
            throw new IllegalArgumentException("config field word_embed_proj_dim = " + projected + " differs from hidden_size = "
                    + config.hiddenSize() + " (OPT-350M's project_in/project_out), which is not supported");
        }
        for (String field : new String[] {"enable_bias", "layer_norm_elementwise_affine"}) {
            if (!config.rawBoolean(field, true)) {
                throw new IllegalArgumentException("config field " + field + " = false is not supported (every released OPT"
                        + " checkpoint has biases and LayerNorm weights)");
            }
        }
        if (config.rawBoolean("_remove_final_layer_norm", false)) {
            throw new IllegalArgumentException("config field _remove_final_layer_norm = true (a decoder without its final"
                    + " LayerNorm) is not supported");
        }
        return switch (config.hiddenAct()) {
            case "relu" -> MlpActivation.RELU;
            case "gelu" -> MlpActivation.GELU_ERF;
            case "gelu_new", "gelu_pytorch_tanh", "gelu_fast" -> MlpActivation.GELU_TANH;
            default -> throw new IllegalArgumentException("config field activation_function = \"" + config.hiddenAct()
                    + "\" is not supported for OPT; use relu, gelu, gelu_new, gelu_pytorch_tanh or gelu_fast");
        };
    }
}
