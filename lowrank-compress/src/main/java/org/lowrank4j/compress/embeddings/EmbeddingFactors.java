package org.lowrank4j.compress.embeddings;

import org.lowrank4j.linalg.DoubleMatrix;

/**
 * A V×d embedding table written as a narrow table and an expansion: row i is approximated by
 * {@code rows[i] · expansion + offset}.
 *
 * @param rows      V×r, the table the Gather reads after compression
 * @param expansion r×d, the MatMul after the Gather
 * @param offset    d values added to every row (AFM's mean), or null for none (plain SVD)
 */
public record EmbeddingFactors(DoubleMatrix rows, DoubleMatrix expansion, double[] offset) {

    public EmbeddingFactors {
        if (rows.cols() != expansion.rows() || (offset != null && offset.length != expansion.cols())) {
            throw new IllegalArgumentException("embedding factors: rows " + rows.rows() + "x" + rows.cols() + ", expansion " + expansion.rows() + "x"
                    + expansion.cols() + (offset == null ? "" : ", offset " + offset.length) + " do not fit together");
        }
    }

    public int rank() {
        return rows.cols();
    }

    /** Parameters stored: V·r + r·d (+ d for the offset). */
    public long parameters() {
        return (long) rows.rows() * rows.cols() + (long) expansion.rows() * expansion.cols() + (offset == null ? 0 : offset.length);
    }

    /** The V×d table these factors stand for. */
    public DoubleMatrix reconstruct() {
        DoubleMatrix full = org.lowrank4j.linalg.Linalg.multiply(rows, expansion);
        if (offset != null) {
            for (int i = 0; i < full.rows(); i++) {
                for (int j = 0; j < full.cols(); j++) {
                    full.set(i, j, full.get(i, j) + offset[j]);
                }
            }
        }
        return full;
    }
}
