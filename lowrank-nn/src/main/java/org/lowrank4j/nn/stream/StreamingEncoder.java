package org.lowrank4j.nn.stream;

import org.lowrank4j.nn.arch.bert.BertModel;
import org.lowrank4j.nn.block.PostNormBlock;
import org.lowrank4j.nn.layers.GeluMlp;
import org.lowrank4j.nn.tensor.Kernels;
import org.lowrank4j.nn.tensor.Tensor;

/**
 * A BERT-family encoder's forward with every block's attention and MLP streamed (FlashSVD, spec c14): the same
 * last_hidden_state as {@link BertModel#forward} up to float rounding, for dense, low-rank or mixed sites, with the
 * full-width temporaries of the layer-by-layer forward replaced by tiles ({@link TransientMemory} accounts what is left).
 */
public final class StreamingEncoder {
    private StreamingEncoder() {
    }

    /**
     * @param tokenTypes    (B·T) segment ids, or null
     * @param attentionMask (B·T) 1 for a real token and 0 for padding, or null
     * @return (B, T, C)
     */
    public static Tensor forward(BertModel model, int[] ids, int[] tokenTypes, int[] attentionMask, int batch, int time, Tiles tiles,
            TransientMemory memory) {
        if (batch < 1 || time < 1 || ids == null || ids.length != batch * time) {
            throw new IllegalArgumentException("BERT: " + (ids == null ? "no" : ids.length) + " token ids do not form a (" + batch + ", " + time + ") batch");
        }
        if (attentionMask != null && attentionMask.length != ids.length) {
            throw new IllegalArgumentException("BERT: attention mask of length " + attentionMask.length + " for " + ids.length + " tokens");
        }
        Tensor x = model.embedding().forward(ids, model.embedding().type() == null ? null : tokenTypes, batch, time, 0);
        x = model.embeddingNorm().forward(x);
        for (PostNormBlock block : model.blocks()) {
            if (!(block.mlp() instanceof GeluMlp mlp)) {
                throw new IllegalArgumentException("streaming covers GELU MLPs; this block's MLP is " + block.mlp().getClass().getSimpleName());
            }
            Tensor r1 = StreamingAttention.forward(block.attention(), x, attentionMask, tiles, memory);
            Kernels.of(r1).addInPlace(r1, x);
            Tensor h = block.attentionNorm().forward(r1);
            Tensor r2 = StreamingMlp.forward(mlp, h, tiles, memory);
            Kernels.of(r2).addInPlace(r2, h);
            x = block.mlpNorm().forward(r2);
        }
        return x;
    }
}
