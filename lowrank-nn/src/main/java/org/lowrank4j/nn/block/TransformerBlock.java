package org.lowrank4j.nn.block;

import org.lowrank4j.nn.Module;
import org.lowrank4j.nn.layers.KVCache;
import org.lowrank4j.nn.tensor.Tensor;

/**
 * One transformer layer, (B,T,C) -> (B,T,C): attention and feed-forward with residual connections and norms,
 * arranged as {@link PreNormBlock} (GPT-2, LLaMA) or {@link PostNormBlock} (BERT). Forward keeps what backward
 * needs, as every {@link org.lowrank4j.nn.Layer} does.
 */
public interface TransformerBlock extends Module {

    /**
     * @param attentionMask (B·T), 1 for a real token and 0 for padding, or null
     */
    Tensor forward(Tensor x, int[] attentionMask);

    /** dout (B,T,C) -> dx (B,T,C), adding into every parameter gradient. */
    Tensor backward(Tensor dout);

    /**
     * Adds into every parameter gradient for dout, for the lowest block when nothing below it trains: forms that can
     * skip work that only serves the input gradient do. This default runs {@link #backward}.
     */
    default void backwardParameters(Tensor dout) {
        backward(dout);
    }

    /** Incremental decoding with this block's attention cache; keeps nothing for backward. */
    Tensor decode(Tensor x, KVCache cache);
}
