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
 *   <li>the tensor names and layout ({@link OptWeights}): separate q, k, v and out projections stored (out, in);</li>
 *   <li>OPT-350M alone: norms after the residual adds and no final norm ({@code do_layer_norm_before: false}), and
 *       token rows of {@code word_embed_proj_dim} (512) projected to the hidden size by {@code project_in} before the
 *       positions are added, and back by {@code project_out} before the tied head.</li>
 * </ul>
 * The switches no released checkpoint sets are refused in one line.
 */
final class Opt {
    /** The rows of the position table before position 0 (Hugging Face's OPT keeps two). */
    static final int POSITION_OFFSET = 2;

    private Opt() {
    }

    /** True for OPT-350M's layout ({@code do_layer_norm_before: false}): norms after the residual adds, no final norm. */
    static boolean normsAfterResidual(HfConfig config) {
        return !config.rawBoolean("do_layer_norm_before", true);
    }

    /** The width of the token table ({@code word_embed_proj_dim}: 512 in OPT-350M, else the hidden size). */
    static int tokenWidth(HfConfig config) {
        return config.rawInt("word_embed_proj_dim", config.hiddenSize());
    }

    /**
     * The MLP activation of an OPT config, after refusing what this runtime does not build.
     *
     * @throws IllegalArgumentException naming the config field
     */
    static MlpActivation check(HfConfig config) {
        int rows = tokenWidth(config);
        if (rows < 1) {
            throw new IllegalArgumentException("config field word_embed_proj_dim = " + rows + " must be positive");
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
