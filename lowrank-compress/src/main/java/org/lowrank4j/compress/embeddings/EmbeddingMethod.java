package org.lowrank4j.compress.embeddings;

import org.lowrank4j.linalg.DoubleMatrix;

/**
 * One way to write a word-embedding table at rank r (`compress --embeddings NAME:rank=R`). Implementations are listed
 * in {@link EmbeddingMethods}; adding one is a class and a line there.
 */
public interface EmbeddingMethod {

    /** The name on the command line. */
    String name();

    /** One line for help and errors: what the fit minimises. */
    String description();

    /**
     * @param table  the V×d table
     * @param counts how often each row was looked up in the calibration text (length V)
     * @param rank   kept dimensions, 1 ≤ rank &lt; min(V, d) (checked by the caller)
     */
    EmbeddingFactors fit(DoubleMatrix table, long[] counts, int rank);
}
