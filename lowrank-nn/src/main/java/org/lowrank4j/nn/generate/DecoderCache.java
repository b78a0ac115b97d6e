package org.lowrank4j.nn.generate;

import java.util.List;
import org.lowrank4j.nn.layers.KVCache;

/**
 * The key/value caches of every block of a decoder, advanced together; made by {@link CausalLanguageModel#newCache}. A
 * recurrent architecture (Mamba) keeps other state: it extends this class and overrides every method.
 */
public class DecoderCache {
    private final List<KVCache> layers; // one per block

    public DecoderCache(List<KVCache> layers) {
        if (layers.isEmpty()) {
            throw new IllegalArgumentException("a decoder cache needs at least one layer");
        }
        this.layers = List.copyOf(layers);
    }

    /** For a subclass that keeps its own per-layer state instead of key/value caches. */
    protected DecoderCache() {
        this.layers = List.of();
    }

    /** The cache of block {@code index}. */
    public KVCache layer(int index) {
        return layers.get(index);
    }

    public int layerCount() {
        return layers.size();
    }

    /** Positions stored so far: the position of the next token. */
    public int length() {
        return layers.get(0).length();
    }

    public int capacity() {
        return layers.get(0).capacity();
    }

    public int batch() {
        return layers.get(0).batch();
    }

    /**
     * Marks the first {@code starts[b]} positions of sequence b in every layer as left padding ({@link KVCache#startAt});
     * only for a model whose {@link CausalLanguageModel#decodesPaddedBatches()} is true.
     */
    public void startAt(int[] starts) {
        for (KVCache c : layers) {
            c.startAt(starts);
        }
    }

    /** Moves every layer of an empty cache to {@code length} positions without computing them ({@link KVCache#skipTo}). */
    public void skipTo(int length) {
        for (KVCache c : layers) {
            c.skipTo(length);
        }
    }

    /**
     * Copies positions [from, to) of sequence {@code sourceRow} of {@code source} (a cache of the same model) into
     * sequence {@code row} here, in every layer ({@link KVCache#copyRow}).
     */
    public void copyRow(int row, DecoderCache source, int sourceRow, int from, int to) {
        if (source.layerCount() != layerCount()) {
            throw new IllegalArgumentException("caches of different models: " + source.layerCount() + " and " + layerCount() + " layers");
        }
        for (int i = 0; i < layers.size(); i++) {
            layers.get(i).copyRow(row, source.layer(i), sourceRow, from, to);
        }
    }

    /** Forgets everything, keeping the storage. */
    public void reset() {
        for (KVCache c : layers) {
            c.reset();
        }
    }
}
