package org.lowrank4j.nn.generate;

import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.layers.Attention;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;

/** A parameter-free decoder whose logits are a given function of (position, input id): a hand-computable oracle. */
final class StubModel implements CausalLanguageModel {
    interface Logits {
        double value(int position, int input, int candidate);
    }

    private final int vocab;
    private final int maxPositions;
    private final Logits logits;
    private final Map<DecoderCache, Integer> positions = new IdentityHashMap<>();

    StubModel(int vocab, int maxPositions, Logits logits) {
        this.vocab = vocab;
        this.maxPositions = maxPositions;
        this.logits = logits;
    }

    @Override
    public int vocabSize() {
        return vocab;
    }

    @Override
    public int maxPositions() {
        return maxPositions;
    }

    @Override
    public Precision precision() {
        return Precision.FLOAT64;
    }

    @Override
    public Tensor forward(int[] ids, int batch, int time) {
        return compute(ids, batch, time, 0);
    }

    @Override
    public void backward(Tensor dlogits) {
    }

    @Override
    public DecoderCache newCache(int batch, int capacity) {
        DecoderCache cache = new DecoderCache(List.of(Attention.dense("stub", 2, 1, 1, false, true, null, Precision.FLOAT64)
                .newCache(batch, capacity)));
        positions.put(cache, 0);
        return cache;
    }

    @Override
    public Tensor decode(int[] ids, int batch, int time, DecoderCache cache) {
        int start = positions.get(cache);
        if (start + time > cache.capacity()) {
            throw new IllegalArgumentException("stub cache overflow");
        }
        positions.put(cache, start + time);
        return compute(ids, batch, time, start);
    }

    private Tensor compute(int[] ids, int batch, int time, int start) {
        Tensor out = Tensor.zeros(Precision.FLOAT64, batch, time, vocab);
        for (int n = 0; n < batch * time; n++) {
            for (int v = 0; v < vocab; v++) {
                out.set(n * vocab + v, logits.value(start + n % time, ids[n], v));
            }
        }
        return out;
    }

    @Override
    public Map<String, Linear> linearSites() {
        return Map.of();
    }

    @Override
    public List<Parameter> parameters() {
        return List.of();
    }
}
