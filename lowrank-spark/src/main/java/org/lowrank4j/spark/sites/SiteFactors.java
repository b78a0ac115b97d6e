package org.lowrank4j.spark.sites;

import java.io.Serializable;
import org.lowrank4j.compress.LowRank;
import org.lowrank4j.linalg.DoubleMatrix;

/**
 * A task's output for one site: the factors W ≈ A·B at the site's rank as flat float64 arrays.
 *
 * @param a         (rows, rank) row-major
 * @param b         (rank, cols) row-major
 * @param biasShift (rows) or null
 */
public record SiteFactors(int index, int rows, int rank, int cols, double[] a, double[] b, double[] biasShift) implements Serializable {

    static SiteFactors of(int index, LowRank f) {
        return new SiteFactors(index, f.a().rows(), f.rank(), f.b().cols(), f.a().toArray(), f.b().toArray(),
                f.biasShift() == null ? null : f.biasShift().clone());
    }

    public LowRank toLowRank() {
        return new LowRank(DoubleMatrix.wrap(a, rows, rank), DoubleMatrix.wrap(b, rank, cols), biasShift);
    }
}
