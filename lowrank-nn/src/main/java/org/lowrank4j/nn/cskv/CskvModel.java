package org.lowrank4j.nn.cskv;

import java.util.ArrayList;
import java.util.List;
import org.lowrank4j.nn.arch.llama.LlamaModel;
import org.lowrank4j.nn.generate.DecoderCache;
import org.lowrank4j.nn.generate.ForwardingLanguageModel;
import org.lowrank4j.nn.layers.KVCache;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.tensor.Tensor;

/**
 * A LLaMA-family decoder whose KV caches are CSKV's bi-branch caches ({@link CskvCache}): {@link #decode} (generation,
 * perplexity) runs every layer against the compressed features and the full-precision window; {@link #forward} and
 * {@link #backward} are the original model's (no cache), as is every weight.
 */
public final class CskvModel extends ForwardingLanguageModel {
    private final LlamaModel model;
    private final List<CskvLayer> layers;
    private final List<CskvLinears> linears;
    private final int window;

    public CskvModel(LlamaModel model, List<CskvLayer> layers, int window) {
        super(model);
        int count = model.config().numHiddenLayers();
        if (layers.size() != count) {
            throw new IllegalArgumentException(layers.size() + " CSKV layers for a decoder of " + count + " layers");
        }
        if (window < 1) {
            throw new IllegalArgumentException("the CSKV window must be at least 1 position, got " + window);
        }
        if (LlamaModel.hasHeadNorms(model.config())) {
            throw new IllegalArgumentException("CSKV shrinks the key projection's output, which " + model.config().modelType()
                    + " normalises (per head, or over the whole projection) first; its cache cannot be shrunk this way");
        }
        if (LlamaModel.capsScores(model.config())) {
            throw new IllegalArgumentException("CSKV's attention does not soft-cap its scores, which " + model.config().modelType() + " does");
        }
        this.model = model;
        this.layers = List.copyOf(layers);
        this.window = window;
        List<CskvLinears> built = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            built.add(CskvLinears.of(layers.get(i), model.block(i).attention(), model.precision()));
        }
        this.linears = List.copyOf(built);
    }

    /**
     * The model's positions, or its shortest sliding window when that is shorter: the bi-branch attention has no window
     * mask, and up to the window windowed attention is plain causal attention.
     */
    @Override
    public int maxPositions() {
        int positions = model.maxPositions();
        for (int i = 0; i < model.config().numHiddenLayers(); i++) {
            int window = model.block(i).attention().window();
            positions = window > 0 ? Math.min(positions, window) : positions;
        }
        return positions;
    }

    public LlamaModel model() {
        return model;
    }

    public List<CskvLayer> layers() {
        return layers;
    }

    public int window() {
        return window;
    }

    @Override
    public DecoderCache newCache(int batch, int capacity) {
        if (capacity > maxPositions()) {
            throw new IllegalArgumentException("cache of " + capacity + " positions exceeds the " + maxPositions() + " positions a CSKV model"
                    + " computes (max_position_embeddings, or a shorter sliding window)");
        }
        List<KVCache> caches = new ArrayList<>();
        for (CskvLinears l : linears) {
            caches.add(KVCache.of(new CskvCache(l, window, batch, capacity, model.precision()), batch, capacity));
        }
        return new DecoderCache(caches);
    }

    @Override
    public Tensor decode(int[] ids, int batch, int time, DecoderCache cache) {
        for (int i = 0; i < cache.layerCount(); i++) {
            if (!(cache.layer(i).store() instanceof CskvCache)) {
                throw new IllegalArgumentException("a CSKV model decodes against its own caches (newCache), not a plain KV cache");
            }
        }
        return model.decode(ids, batch, time, cache);
    }

    @Override
    public Linear outputProjection() {
        return model.outputProjection();
    }
}
