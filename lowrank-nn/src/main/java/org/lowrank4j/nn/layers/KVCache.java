package org.lowrank4j.nn.layers;

import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;

/**
 * The keys and values one attention layer has seen so far while decoding, head-major so that each head's history
 * is one contiguous block BLAS reads directly. Keys are stored after RoPE. Made by {@link Attention#newCache}.
 */
public final class KVCache {
    final Tensor keys;   // (B, KVH, capacity, Dqk)
    final Tensor values; // (B, KVH, capacity, Dvo)
    private int length;

    KVCache(Precision precision, int batch, int kvHeads, int capacity, int headSize, int valueSize) {
        if (batch < 1 || capacity < 1) {
            throw new IllegalArgumentException("a KV cache needs batch >= 1 and capacity >= 1, got " + batch + " and " + capacity);
        }
        this.keys = Tensor.zeros(precision, batch, kvHeads, capacity, headSize);
        this.values = Tensor.zeros(precision, batch, kvHeads, capacity, valueSize);
    }

    /** Number of positions stored (the position of the next token). */
    public int length() {
        return length;
    }

    public int capacity() {
        return keys.dim(2);
    }

    public int batch() {
        return keys.dim(0);
    }

    /** Forgets everything (the storage is kept). */
    public void reset() {
        length = 0;
    }

    void advance(int steps) {
        length += steps;
    }
}
