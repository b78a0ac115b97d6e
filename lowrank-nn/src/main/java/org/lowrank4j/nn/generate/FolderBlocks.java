package org.lowrank4j.nn.generate;

import org.lowrank4j.formats.hf.HfConfig;
import org.lowrank4j.formats.safetensors.TensorSource;
import org.lowrank4j.nn.tensor.Precision;

/** What every family's {@link DecoderBlocks} holds: the folder's config, its open tensors and the precision parts get. */
public abstract class FolderBlocks implements DecoderBlocks {
    private final HfConfig config;
    private final TensorSource source;
    private final Precision precision;

    protected FolderBlocks(HfConfig config, TensorSource source, Precision precision) {
        this.config = config;
        this.source = source;
        this.precision = precision;
    }

    @Override
    public HfConfig config() {
        return config;
    }

    @Override
    public TensorSource source() {
        return source;
    }

    @Override
    public int blockCount() {
        return config.numHiddenLayers();
    }

    @Override
    public int positions() {
        return config.maxPositionEmbeddings();
    }

    @Override
    public Precision precision() {
        return precision;
    }

    /** The block index checked: {@code i} in [0, {@link #blockCount}). */
    protected final void checkBlock(int i) {
        if (i < 0 || i >= blockCount()) {
            throw new IllegalArgumentException("block " + i + " is outside [0, " + blockCount() + ")");
        }
    }

    @Override
    public void close() {
        source.close();
    }
}
