package org.lowrank4j.nn.generate;

import java.io.Closeable;
import java.util.Map;
import org.lowrank4j.formats.hf.HfConfig;
import org.lowrank4j.formats.safetensors.TensorSource;
import org.lowrank4j.nn.Layer;
import org.lowrank4j.nn.block.PreNormBlock;
import org.lowrank4j.nn.layers.Embedding;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.layers.LogitShaping;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;

/**
 * A decoder folder read one part at a time, for work whose memory must stay bounded by one block rather than the model
 * (compressing or scoring a model larger than the heap, "blockwise"). Each {@code read…} call builds a fresh part with
 * its tensors copied in from the folder; the caller drops it when done. A part computes exactly what the same part of
 * the model loaded whole computes, so embedding, then every block in turn, then {@link #readOutputStage} and
 * {@link #readHead} give the model's logits.
 *
 * <p>One implementation per family: {@code LlamaBlocks} and {@code Gpt2Blocks} (GPT-2 and OPT);
 * {@code DenseDecoders.openBlocks} picks by the config.
 */
public interface DecoderBlocks extends Closeable {
    HfConfig config();

    /** The folder's tensors (read-only), under the names {@link #factorTensors} and the two name maps use. */
    TensorSource source();

    int blockCount();

    /** The positions a block computes as the model does: {@code max_position_embeddings}. */
    int positions();

    Precision precision();

    /** The token embedding (and learned positions, and a projection in, where the family has them), read. */
    Embedding readEmbedding();

    /** The start position to pass {@link Embedding#forward}: the position table's row of position 0 (OPT's 2; 0 otherwise). */
    int positionOffset();

    /**
     * Block {@code i} with its norms and projections read; a projection stored as factors is installed as a
     * {@link org.lowrank4j.nn.weight.LowRankWeight}, as loading the whole model does.
     */
    PreNormBlock readBlock(int i);

    /** The block's linear sites under the names the loaded model's {@code linearSites} gives them, in forward order. */
    Map<String, Linear> sites(PreNormBlock block, int i);

    /**
     * The block's tensors as a low-rank folder stores them (the family's Hugging Face names, factorised projections as
     * their two factors): the entries {@code saveFactors} writes for this block.
     */
    Map<String, Tensor> factorTensors(PreNormBlock block, int i);

    /** The tensors before the first block, as a low-rank folder names them, each to its name in {@link #source}. */
    Map<String, String> embeddingTensors();

    /** The tensors after the last block (final norm, projection out, untied head), named as {@link #embeddingTensors} is. */
    Map<String, String> headTensors();

    /** What runs between the last block and the output projection (the final norm; OPT-350M's projection out), read. */
    Layer readOutputStage();

    /** The output projection (V, C'): its own tensor, or the token table read again when tied. */
    Linear readHead();

    /** What the model does to its logits after {@link #readHead} (Granite's and Gemma 2's scaling), or null. */
    LogitShaping logitShaping();

    @Override
    void close();
}
