package org.lowrank4j.nn.generate;

import java.util.List;
import java.util.Map;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;

/**
 * A {@link CausalLanguageModel} that hands each of its abstract methods to another model, for wrappers that change one
 * or two of them: a probe that watches decoding, a model with another cache layout. The interface's default methods
 * ({@link #decodesPaddedBatches}, {@link #outputProjection}, …) are not handed on: each wrapper decides which of them
 * still hold for it, and overrides those.
 */
public abstract class ForwardingLanguageModel implements CausalLanguageModel {
    private final CausalLanguageModel delegate;

    protected ForwardingLanguageModel(CausalLanguageModel delegate) {
        this.delegate = delegate;
    }

    @Override
    public int vocabSize() {
        return delegate.vocabSize();
    }

    @Override
    public int maxPositions() {
        return delegate.maxPositions();
    }

    @Override
    public Precision precision() {
        return delegate.precision();
    }

    @Override
    public Tensor forward(int[] ids, int batch, int time) {
        return delegate.forward(ids, batch, time);
    }

    @Override
    public void backward(Tensor dlogits) {
        delegate.backward(dlogits);
    }

    @Override
    public DecoderCache newCache(int batch, int capacity) {
        return delegate.newCache(batch, capacity);
    }

    @Override
    public Tensor decode(int[] ids, int batch, int time, DecoderCache cache) {
        return delegate.decode(ids, batch, time, cache);
    }

    @Override
    public Map<String, Linear> linearSites() {
        return delegate.linearSites();
    }

    @Override
    public List<Parameter> parameters() {
        return delegate.parameters();
    }
}
