package org.lowrank4j.compress.runtime;

import java.util.List;

/**
 * A model of the JVM runtime (lowrank-nn) together with its calibration inputs, as calibration and the sequential
 * pass need it: the linear sites in forward (dependency) order, and a forward over one calibration batch that leaves
 * each site's input in {@link org.lowrank4j.nn.layers.Linear#lastInput()}.
 *
 * <p>Implementations: {@link DecoderRuntime} (LLaMA family, fixed-length token windows) and {@link EncoderRuntime}
 * (BERT, padded sentences with an attention mask).
 */
public interface RuntimeModel {

    /** The compressible linear sites, in forward order, grouped by block and stage (see {@link RuntimeSite#groups}). */
    List<RuntimeSite> sites();

    /** Number of calibration batches. */
    int batchCount();

    /**
     * Runs calibration batch {@code index} through the model with its current weights.
     *
     * @return which token rows (B·T, in the row order of every site's input) are real: 1 real, 0 padding that must
     *         not enter any statistic; null when every row is real
     */
    int[] forward(int index);

    /**
     * {@link #forward} through the first {@code blockCount} transformer blocks only: the sites of those blocks then hold
     * this batch's inputs, later sites keep those of an earlier pass (the sequential pass reads one group at a time).
     */
    int[] forward(int index, int blockCount);

    /** Number of trainable scalars of the whole model (embeddings and norms included; tied tables once). */
    long parameterCount();

    /**
     * Lets go of what the latest {@link #forward} left in the model's layers (kept for a backward that calibration never
     * runs), once the statistics are taken; a later forward works as before. By default nothing.
     */
    default void releaseActivations() {
    }
}
