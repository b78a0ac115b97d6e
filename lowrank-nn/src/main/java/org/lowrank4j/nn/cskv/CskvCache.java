package org.lowrank4j.nn.cskv;

import org.lowrank4j.nn.layers.Attention;
import org.lowrank4j.nn.layers.KVCache;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.layers.RotaryEmbedding;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;

/**
 * CSKV's bi-branch cache of one attention layer.
 * <ul>
 *   <li>compressed branch: the features {@code c_k = A_k x}, {@code c_v = A_v x} of every position (pre-RoPE);</li>
 *   <li>full-precision branch: the original keys (pre-RoPE) and values of the positions of the current, not yet full
 *       window of {@code w} positions: {@code [w·⌊n/w⌋, n)}, at most w − 1 of them.</li>
 * </ul>
 * A query at position t attends to the keys of its own window, {@code [w·⌊t/w⌋, t]}, in full precision and to every
 * earlier key reconstructed ({@code K = B_k c_k + b_k}, rotated at its position after reconstruction, {@code V = B_v c_v + b_v}).
 * So decoding one token at a time and feeding a sequence at once give the same outputs, and a query at a window's last
 * position sees that whole window in full precision.
 */
public final class CskvCache implements KVCache.Store {
    private final CskvLinears layer;
    private final int window;
    private final int capacity;
    private final Tensor keyFeatures;   // (B, capacity, r_k)
    private final Tensor valueFeatures; // (B, capacity, r_v)
    private final Tensor windowKeys;    // (B, w − 1, dKv), pre-RoPE, slot j mod w
    private final Tensor windowValues;  // (B, w − 1, dKv)

    CskvCache(CskvLinears layer, int window, int batch, int capacity, Precision precision) {
        if (window < 1) {
            throw new IllegalArgumentException("the CSKV window must be at least 1 position, got " + window);
        }
        this.layer = layer;
        this.window = window;
        this.capacity = capacity;
        int slots = Math.max(1, window - 1);
        this.keyFeatures = Tensor.zeros(precision, batch, capacity, layer.keyA().outFeatures());
        this.valueFeatures = Tensor.zeros(precision, batch, capacity, layer.valueA().outFeatures());
        this.windowKeys = Tensor.zeros(precision, batch, slots, layer.keyB().outFeatures());
        this.windowValues = Tensor.zeros(precision, batch, slots, layer.valueB().outFeatures());
    }

    /** The first position whose key a query at {@code position} reads in full precision: the start of its window. */
    public static int firstFullPrecision(int position, int window) {
        return window * (position / window);
    }

    /** Positions of the full-precision branch once {@code length} positions are cached: {@code length mod w}. */
    public static int fullPrecisionLength(int length, int window) {
        return length - firstFullPrecision(length, window);
    }

    @Override
    public long bytesInUse(int length) {
        long perPosition = (keyFeatures.size() + valueFeatures.size()) / capacity;
        long perSlot = (windowKeys.size() + windowValues.size()) / windowKeys.dim(1);
        return KVCache.elementBytes(keyFeatures) * (perPosition * length + perSlot * fullPrecisionLength(length, window));
    }

    @Override
    public long bytesAllocated() {
        return (long) KVCache.elementBytes(keyFeatures) * (keyFeatures.size() + valueFeatures.size() + windowKeys.size() + windowValues.size());
    }

    @Override
    public Tensor attend(Attention attention, Tensor x, int past) {
        if (attention != layer.attention()) {
            throw new IllegalArgumentException("this CSKV cache belongs to another attention layer than " + attention.key().name());
        }
        int batch = x.dim(0), time = x.dim(1), end = past + time;
        RotaryEmbedding rope = attention.rope();
        Tensor q = attention.query().forward(x);           // (B,T,NH·D)
        if (rope != null) {
            rope.apply(q, past, false);
        }
        store(layer.keyA().forward(x), keyFeatures, past);
        store(layer.valueA().forward(x), valueFeatures, past);
        int first = firstFullPrecision(past, window);       // full-precision positions [first, end)
        Tensor fullK = fullPrecision(windowKeys, attention.key().forward(x), first, past);
        Tensor fullV = fullPrecision(windowValues, attention.value().forward(x), first, past);
        for (int j = firstFullPrecision(end, window); j < end; j++) { // the window still open after this call
            copyRow(fullK, j - first, windowKeys, j % window);
            copyRow(fullV, j - first, windowValues, j % window);
        }
        int reconstructed = firstFullPrecision(end - 1, window); // positions [0, R) read reconstructed by some query
        Tensor recK = null, recV = null;
        if (reconstructed > 0) {
            recK = reconstruct(layer.keyB(), keyFeatures, reconstructed);
            recV = reconstruct(layer.valueB(), valueFeatures, reconstructed);
            if (rope != null) {
                rope.apply(recK, 0, false); // RoPE after reconstruction: the features are pre-RoPE
            }
        }
        if (rope != null) {
            rope.apply(fullK, first, false);
        }
        return BiBranchAttention.attend(attention, q, past, window, first, fullK, fullV, recK, recV, batch, time);
    }

    /** Writes the new features (B,T,r) into positions [past, past + T) of the store (B,capacity,r). */
    private static void store(Tensor features, Tensor target, int past) {
        int batch = features.dim(0), time = features.dim(1), r = features.dim(2), cap = target.dim(1);
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < time; t++) {
                int from = (b * time + t) * r, to = (b * cap + past + t) * r;
                for (int i = 0; i < r; i++) {
                    target.set(to + i, features.get(from + i));
                }
            }
        }
    }

    /** Full-precision rows for positions [first, past + T): the window's stored ones, then the new ones (B,T,dKv). */
    private static Tensor fullPrecision(Tensor windowRows, Tensor fresh, int first, int past) {
        int batch = fresh.dim(0), time = fresh.dim(1), width = fresh.dim(2), rows = past - first + time, slots = windowRows.dim(1);
        int window = past - first; // stored rows are positions first.. past−1 at slots 0.. (first is a multiple of w)
        Tensor out = Tensor.zeros(fresh.precision(), batch, rows, width);
        for (int b = 0; b < batch; b++) {
            for (int s = 0; s < window; s++) {
                for (int i = 0; i < width; i++) {
                    out.set((b * rows + s) * width + i, windowRows.get((b * slots + s) * width + i));
                }
            }
            for (int t = 0; t < time; t++) {
                for (int i = 0; i < width; i++) {
                    out.set((b * rows + window + t) * width + i, fresh.get((b * time + t) * width + i));
                }
            }
        }
        return out;
    }

    private static void copyRow(Tensor from, int fromRow, Tensor to, int toRow) {
        int width = from.dim(2), batch = from.dim(0), fromRows = from.dim(1), toRows = to.dim(1);
        for (int b = 0; b < batch; b++) {
            for (int i = 0; i < width; i++) {
                to.set((b * toRows + toRow) * width + i, from.get((b * fromRows + fromRow) * width + i));
            }
        }
    }

    /** B·c (+ bias) for positions [0, count): (B, count, dKv). */
    private static Tensor reconstruct(Linear back, Tensor features, int count) {
        int batch = features.dim(0), cap = features.dim(1), r = features.dim(2);
        Tensor c = Tensor.zeros(features.precision(), batch, count, r);
        for (int b = 0; b < batch; b++) {
            for (int i = 0; i < count * r; i++) {
                c.set(b * count * r + i, features.get(b * cap * r + i));
            }
        }
        return back.forward(c);
    }
}
