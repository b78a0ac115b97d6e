package org.lowrank4j.algorithms.completion;

import java.util.Random;
import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.linalg.Linalg;
import org.lowrank4j.linalg.SvdResult;
import org.lowrank4j.linalg.decomposition.ExactSvd;
import org.lowrank4j.linalg.decomposition.Qr;

/**
 * Leading singular triplets of a {@link SparsePlusLowRank} operator by randomized subspace iteration (Halko,
 * Martinsson and Tropp 2011, Algorithm 4.4): a block of rank + oversampling vectors, re-orthonormalised by QR after
 * every product, then an exact SVD of the small projection. Cost per power iteration O((|Ω| + (m + n)·r)·b).
 * A start block (a previous solution's right vectors) replaces the Gaussian one for warm starts.
 */
final class OperatorSvd {
    private OperatorSvd() {
    }

    /**
     * @param start n×b initial block or null for a seeded Gaussian one with b = min(rank + 10, n)
     */
    static SvdResult leading(SparsePlusLowRank a, int rank, int powerIterations, DoubleMatrix start, long seed) {
        int n = a.cols();
        int block = Math.min(Math.min(rank + 10, n), a.rows());
        DoubleMatrix omega = start != null ? widen(start, block, seed) : DoubleMatrix.gaussian(n, block, new Random(seed));
        Qr qr = new Qr();
        DoubleMatrix q = (DoubleMatrix) qr.decompose(a.multiply(omega)).q();                 // (m, b)
        for (int it = 0; it < powerIterations; it++) {
            DoubleMatrix z = (DoubleMatrix) qr.decompose(a.multiplyTransposed(q)).q();       // (n, b)
            q = (DoubleMatrix) qr.decompose(a.multiply(z)).q();
        }
        DoubleMatrix projected = a.multiplyTransposed(q).transpose().compact();               // (b, n) = qᵀ A
        SvdResult small = new ExactSvd().decompose(projected, Math.min(rank, projected.rows()));
        DoubleMatrix u = Linalg.multiply(q, (DoubleMatrix) small.u().toDouble());
        return new SvdResult(u, small.s(), small.vt().toDouble().copy());
    }

    /** The start block with Gaussian columns appended up to {@code block} columns. */
    private static DoubleMatrix widen(DoubleMatrix start, int block, long seed) {
        if (start.cols() >= block) {
            return start;
        }
        Random random = new Random(seed);
        DoubleMatrix w = DoubleMatrix.zeros(start.rows(), block);
        for (int i = 0; i < start.rows(); i++) {
            for (int j = 0; j < block; j++) {
                w.set(i, j, j < start.cols() ? start.get(i, j) : random.nextGaussian());
            }
        }
        return w;
    }
}
