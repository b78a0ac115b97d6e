package org.lowrank4j.compress.methods.afm;

import org.lowrank4j.compress.embeddings.EmbeddingFactors;
import org.lowrank4j.compress.embeddings.EmbeddingMethod;
import org.lowrank4j.linalg.DoubleMatrix;

/**
 * AFM on a transformer's word-embedding table (spec c17, embedding tables), reached by {@code compress --embeddings
 * afm:rank=R}: the statistics are the rows actually looked up in the calibration text, weighted by how often
 * ({@link EmbeddingAfm#fit}), so the kept subspace is the top-R principal directions of what the next layer receives,
 * and the table becomes {@code E' = (E − 1μᵀ) U_R} followed by {@code e ≈ E'·U_Rᵀ + μ}. In a BERT-style encoder the
 * word row is summed with the position and token-type rows before the first LayerNorm, and those stay exact, so the
 * error AFM minimises — the frequency-weighted mean of ‖e − ê‖² over calibration tokens — is exactly the mean squared
 * error of the LayerNorm's input over those tokens. The expansion is not folded into a following layer: a LayerNorm
 * sits between (the paper's own caveat), so the graph keeps a Gather, a MatMul by U_Rᵀ and an Add of μ.
 */
public final class AfmEmbedding implements EmbeddingMethod {

    @Override
    public String name() {
        return "afm";
    }

    @Override
    public String description() {
        return "AFM: principal directions of the rows looked up in --calib, frequency-weighted and mean-centred";
    }

    @Override
    public EmbeddingFactors fit(DoubleMatrix table, long[] counts, int rank) {
        EmbeddingAfm afm = EmbeddingAfm.fit(table, counts, rank);
        return new EmbeddingFactors(afm.table(), afm.basis().transpose().copy(), afm.mean());
    }
}
