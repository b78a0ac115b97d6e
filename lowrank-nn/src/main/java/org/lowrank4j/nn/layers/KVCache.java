package org.lowrank4j.nn.layers;

import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;

/**
 * The keys and values one attention layer has seen so far while decoding, head-major so that each head's history
 * is one contiguous block BLAS reads directly. Keys are stored after RoPE. Made by {@link Attention#newCache}.
 *
 * <p>A cache may instead hold another {@link Store} of the history (CSKV's compressed and full-precision branches):
 * {@link Attention#decode} then hands the new positions to it and only keeps the count here.
 */
public final class KVCache {
    /** Another layout of one layer's history that runs that layer's attention over it. */
    public interface Store {
        /**
         * Appends the positions [past, past + T) of x (B,T,C) and returns their attention output before the output
         * projection, token-major (B,T,NH·Dvo), with queries rotated at their positions.
         */
        Tensor attend(Attention attention, Tensor x, int past);

        /** Bytes the store's arrays hold for {@code length} positions of every sequence (what the layout costs). */
        long bytesInUse(int length);

        /** Bytes of the arrays allocated for the store's capacity. */
        long bytesAllocated();
    }

    final Tensor keys;   // (B, KVH, capacity, Dqk), or null with a store
    final Tensor values; // (B, KVH, capacity, Dvo), or null with a store
    private final Store store;
    private final int batch;
    private final int capacity;
    private int length;
    private int[] starts; // per sequence, the first position that is not left padding; null: none is padded

    KVCache(Precision precision, int batch, int kvHeads, int capacity, int headSize, int valueSize) {
        if (batch < 1 || capacity < 1) {
            throw new IllegalArgumentException("a KV cache needs batch >= 1 and capacity >= 1, got " + batch + " and " + capacity);
        }
        this.keys = Tensor.zeros(precision, batch, kvHeads, capacity, headSize);
        this.values = Tensor.zeros(precision, batch, kvHeads, capacity, valueSize);
        this.store = null;
        this.batch = batch;
        this.capacity = capacity;
    }

    private KVCache(Store store, int batch, int capacity) {
        if (store == null || batch < 1 || capacity < 1) {
            throw new IllegalArgumentException("a KV cache needs a store, batch >= 1 and capacity >= 1, got " + store + ", " + batch + " and " + capacity);
        }
        this.keys = null;
        this.values = null;
        this.store = store;
        this.batch = batch;
        this.capacity = capacity;
    }

    /** A cache whose history {@code store} keeps, for {@code batch} sequences of up to {@code capacity} positions. */
    public static KVCache of(Store store, int batch, int capacity) {
        return new KVCache(store, batch, capacity);
    }

    /** The other layout of the history, or null for the plain keys and values. */
    public Store store() {
        return store;
    }

    /** Number of positions stored (the position of the next token). */
    public int length() {
        return length;
    }

    public int capacity() {
        return capacity;
    }

    public int batch() {
        return batch;
    }

    /** Bytes the cache holds for its current length: keys and values of every position (or the store's own count). */
    public long bytesInUse() {
        if (store != null) {
            return store.bytesInUse(length);
        }
        return (long) (keys.size() + values.size()) / capacity * length * elementBytes(keys);
    }

    /** Bytes of the cache's arrays (its whole capacity). */
    public long bytesAllocated() {
        return store != null ? store.bytesAllocated() : (long) (keys.size() + values.size()) * elementBytes(keys);
    }

    /** Bytes per element of a tensor: 4 for float32, 8 for float64. */
    public static int elementBytes(Tensor t) {
        return t.precision() == Precision.FLOAT32 ? 4 : 8;
    }

    /**
     * Marks the first {@code starts[b]} positions of sequence b as left padding, which no query attends to: sequences of
     * different lengths, aligned at their ends, then decode together as if each ran alone (RoPE's scores depend only
     * on the distance between positions, so the shift is exact up to rounding). Null clears it. Only the plain
     * keys and values take padding; a {@link Store} does not.
     */
    public void startAt(int[] starts) {
        if (starts != null) {
            if (store != null) {
                throw new IllegalStateException("this cache keeps another layout of the history (" + store.getClass().getSimpleName()
                        + "), which does not take left-padded sequences");
            }
            if (starts.length != batch) {
                throw new IllegalArgumentException("one start per sequence: the cache holds " + batch + ", got " + starts.length);
            }
            for (int s : starts) {
                if (s < 0 || s >= capacity) {
                    throw new IllegalArgumentException("a sequence's first position must lie in [0, " + capacity + "), got " + s);
                }
            }
        }
        this.starts = starts == null ? null : starts.clone();
    }

    /**
     * The key mask of {@code keys} positions for each sequence, (B·keys) with 1 where a query may attend, or null when
     * no sequence is padded.
     */
    int[] keyMask(int keys) {
        if (starts == null) {
            return null;
        }
        int[] mask = new int[batch * keys];
        for (int b = 0; b < batch; b++) {
            java.util.Arrays.fill(mask, b * keys + Math.min(starts[b], keys), (b + 1) * keys, 1);
        }
        return mask;
    }

    /**
     * Moves an empty cache to {@code length} positions without computing them: their keys and values are zeros until
     * {@link #copyRow} fills them, so every sequence must be marked ({@link #startAt}) not to attend to the ones left
     * empty. The next token then goes at {@code length}: a prompt that joins a running batch is prefilled this way at
     * the batch's position, since its keys are stored rotated for their positions.
     */
    public void skipTo(int length) {
        if (store != null) {
            throw new IllegalStateException("this cache keeps another layout of the history (" + store.getClass().getSimpleName() + ")");
        }
        if (this.length != 0 || length < 0 || length > capacity) {
            throw new IllegalArgumentException("skipTo needs an empty cache and a length in [0, " + capacity + "], got " + length
                    + " on a cache holding " + this.length);
        }
        this.length = length;
    }

    /**
     * Copies positions [from, to) of sequence {@code sourceRow} of {@code source} (the same layer's cache, of any
     * batch and capacity) into sequence {@code row} here, every head. Neither cache's length or marks change.
     */
    public void copyRow(int row, KVCache source, int sourceRow, int from, int to) {
        if (store != null || source.store != null) {
            throw new IllegalStateException("only plain key/value caches copy rows");
        }
        int heads = keys.dim(1), keySize = keys.dim(3), valueSize = values.dim(3);
        if (source.keys.dim(1) != heads || source.keys.dim(3) != keySize || source.values.dim(3) != valueSize) {
            throw new IllegalArgumentException("caches of different layers: keys " + keys.shapeString() + " and " + source.keys.shapeString());
        }
        if (row < 0 || row >= batch || sourceRow < 0 || sourceRow >= source.batch || from < 0 || from > to || to > capacity
                || to > source.capacity) {
            throw new IllegalArgumentException("cannot copy positions [" + from + ", " + to + ") of sequence " + sourceRow + " of "
                    + source.batch + " into sequence " + row + " of " + batch);
        }
        for (int h = 0; h < heads; h++) {
            copySpan(keys, ((row * heads + h) * capacity + from) * keySize, source.keys,
                    ((sourceRow * heads + h) * source.capacity + from) * keySize, (to - from) * keySize);
            copySpan(values, ((row * heads + h) * capacity + from) * valueSize, source.values,
                    ((sourceRow * heads + h) * source.capacity + from) * valueSize, (to - from) * valueSize);
        }
    }

    private static void copySpan(Tensor to, int at, Tensor from, int start, int count) {
        if (to instanceof org.lowrank4j.nn.tensor.FloatTensor t && from instanceof org.lowrank4j.nn.tensor.FloatTensor f) {
            System.arraycopy(f.data(), start, t.data(), at, count);
        } else if (to instanceof org.lowrank4j.nn.tensor.DoubleTensor t && from instanceof org.lowrank4j.nn.tensor.DoubleTensor f) {
            System.arraycopy(f.data(), start, t.data(), at, count);
        } else {
            throw new IllegalArgumentException("caches of different precisions: " + to.precision() + " and " + from.precision());
        }
    }

    /** Forgets everything, the padding marks too (the storage is kept). */
    public void reset() {
        length = 0;
        starts = null;
    }

    void advance(int steps) {
        length += steps;
    }
}
