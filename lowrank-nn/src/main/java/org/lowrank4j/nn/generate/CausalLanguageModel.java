package org.lowrank4j.nn.generate;

import java.util.Map;
import org.lowrank4j.nn.Module;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;

/**
 * A decoder-only language model seen at the token-id level: what generation, perplexity and training need, whatever
 * the architecture (LLaMA family, GPT-2). Implementations keep the activations of the latest {@link #forward} for
 * {@link #backward}, as every layer does; {@link #decode} keeps none.
 */
public interface CausalLanguageModel extends Module {

    /** Number of token ids V: the width of the logits. */
    int vocabSize();

    /** The longest sequence the model's positions cover. */
    int maxPositions();

    Precision precision();

    /** Training / scoring forward: ids (B·T) -> logits (B,T,V), keeping what {@link #backward} needs. */
    Tensor forward(int[] ids, int batch, int time);

    /** dlogits (B,T,V) of the latest forward -> adds into every parameter gradient. */
    void backward(Tensor dlogits);

    /** A key/value cache for decoding {@code batch} sequences of up to {@code capacity} positions. */
    DecoderCache newCache(int batch, int capacity);

    /**
     * Incremental forward: ids (B·T) are the next T positions of each sequence (a prompt, then one token at a
     * time); returns their logits (B,T,V), equal to the matching rows of {@link #forward} on the whole sequence.
     */
    Tensor decode(int[] ids, int batch, int time, DecoderCache cache);

    /**
     * The linear layers compression may factorise, in a fixed order, keyed by a readable site name such as
     * {@code "block 3 attention.query"}; {@link Linear#setWeight} swaps in a low-rank weight. These are the blocks'
     * projections; the embedding and the output projection (often tied to it) are not listed.
     */
    Map<String, Linear> linearSites();
}
