package org.lowrank4j.nn.generate;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.lowrank4j.formats.safetensors.SafetensorsDtype;
import org.lowrank4j.nn.Module;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.layers.LogitShaping;
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

    /** The window length that compression papers calibrate and score decoders at, and the cap of {@link #defaultWindow()}. */
    int DEFAULT_WINDOW = 2048;

    /**
     * Tokens per window when a command is given no length: the model's context, but at most {@link #DEFAULT_WINDOW}.
     * A long-context model (LLaMA 3's 131,072 positions) would otherwise get windows whose attention alone does not fit
     * in memory.
     */
    default int defaultWindow() {
        return defaultWindow(maxPositions());
    }

    /** {@link #defaultWindow()} for a model of {@code positions} positions. */
    static int defaultWindow(int positions) {
        return Math.min(positions, DEFAULT_WINDOW);
    }

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
     * {@link #forward} stopped before the output projection, keeping what {@link #backwardFeatures} needs: the final-normed
     * hidden states (B,T,C), which {@link #outputProjection()} (then {@link #logitShaping}) turns into the same logits. A trainer scores a large
     * vocabulary a few rows at a time this way. Null when this model does not split its forward there.
     */
    default Tensor forwardFeatures(int[] ids, int batch, int time) {
        return null;
    }

    /**
     * The backward of {@link #forwardFeatures}: adds every gradient below the output projection for the upstream gradient
     * of its output (B,T,C); the caller ran the projection's backward itself.
     */
    default void backwardFeatures(Tensor dfeatures) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " does not split its forward before the output projection");
    }

    /**
     * {@link #decode} stopped before the output projection: the final-normed hidden states (B,T,C), which
     * {@link #logitsOf} turns into the same logits, so a caller can score a large vocabulary a few rows at a time
     * instead of holding (B,T,V). Null when this model does not split its decode there (the caller then uses {@link #decode}).
     */
    default Tensor decodeFeatures(int[] ids, int batch, int time, DecoderCache cache) {
        return null;
    }

    /**
     * True when sequences of different lengths may decode together, left-padded ({@link DecoderCache#startAt}), with the
     * same results as each alone up to rounding: positions enter only through RoPE. False for learned positions (GPT-2),
     * recurrent state (Mamba) and caches of another layout (CSKV).
     */
    default boolean decodesPaddedBatches() {
        return false;
    }

    /**
     * The linear layers compression may factorise, in a fixed order, keyed by a readable site name such as
     * {@code "block 3 attention.query"}; {@link Linear#setWeight} swaps in a low-rank weight. These are the blocks'
     * projections; the embedding and the output projection (often tied to it) are not listed.
     */
    Map<String, Linear> linearSites();

    /** The output projection from the final hidden states to the logits (the embedding table when tied), or null. */
    default Linear outputProjection() {
        return null;
    }

    /**
     * What this model does to its {@link #outputProjection()}'s logits before the softmax (Granite divides them, Gemma 2
     * soft-caps them), or null when nothing. {@link #forward} and {@link #decode} apply it; a caller that runs the output
     * projection itself applies it too ({@link #logitsOf}).
     */
    default LogitShaping logitShaping() {
        return null;
    }

    /**
     * The logits (…, V) of final-normed hidden states (…, C) from {@link #forwardFeatures} or {@link #decodeFeatures}: the
     * output projection, shaped as {@link #logitShaping} says. Keeps nothing for a backward pass of the shaping.
     */
    default Tensor logitsOf(Tensor features) {
        Tensor z = outputProjection().forward(features);
        LogitShaping shaping = logitShaping();
        return shaping == null ? z : shaping.apply(z);
    }

    /**
     * The output (B,T,C) of block {@code blockCount − 1} of a forward over ids (B·T), running nothing after it (what a
     * sequential compression pass needs to refresh the inputs of the first blocks' layers).
     *
     * @throws UnsupportedOperationException for an architecture that does not run blocks alone
     */
    default Tensor forwardBlocks(int[] ids, int batch, int time, int blockCount) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " does not run a prefix of its blocks");
    }

    /**
     * Writes {@code config.json} and {@code model.safetensors} in the architecture's Hugging Face layout, every factorised
     * projection as its two factors ({@link FactorTensors}) instead of its {@code .weight}; the architecture's loader
     * reads it back with those projections low-rank.
     *
     * @throws UnsupportedOperationException for an architecture without a low-rank checkpoint layout
     */
    default void saveFactors(Path folder, SafetensorsDtype dtype) throws IOException {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " has no low-rank checkpoint layout");
    }
}
