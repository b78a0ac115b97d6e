package org.lowrank4j.linalg.decomposition;

import java.util.Random;
import org.lowrank4j.linalg.DenseMatrix;
import org.lowrank4j.linalg.Linalg;
import org.lowrank4j.linalg.LinalgBackend;
import org.lowrank4j.linalg.SvdResult;

/**
 * Randomized SVD (Halko, Martinsson and Tropp 2011): a Gaussian sketch of the range with {@code oversampling}
 * extra columns, {@code powerIterations} rounds of multiplication by A·Aᵀ re-orthonormalised by QR after each
 * product, then an exact SVD of the small projected matrix. Same seed, same input ⇒ same output.
 *
 * <p>When rank + oversampling reaches min(m, n) the sketch would be as large as the matrix, so the exact SVD
 * is used instead.
 */
public final class RandomizedSvd implements Svd {
    private final LinalgBackend backend;
    private final int oversampling;
    private final int powerIterations;
    private final long seed;

    public RandomizedSvd(int oversampling, int powerIterations, long seed) {
        this(Linalg.backend(), oversampling, powerIterations, seed);
    }

    public RandomizedSvd(LinalgBackend backend, int oversampling, int powerIterations, long seed) {
        if (oversampling < 0 || powerIterations < 0) {
            throw new IllegalArgumentException("oversampling (" + oversampling + ") and power iterations (" + powerIterations + ") must be >= 0");
        }
        this.backend = backend;
        this.oversampling = oversampling;
        this.powerIterations = powerIterations;
        this.seed = seed;
    }

    /** Defaults: oversampling 10, 2 power iterations, seed 42. */
    public static RandomizedSvd withDefaults() {
        return new RandomizedSvd(10, 2, 42);
    }

    @Override
    public SvdResult decompose(DenseMatrix a, int rank) {
        Svd.validate("RandomizedSvd", a, rank);
        int m = a.rows(), n = a.cols();
        int sketch = rank + oversampling;
        if (rank == 0 || sketch >= Math.min(m, n)) {
            return new ExactSvd(backend).decompose(a, rank);
        }
        DenseMatrix omega = gaussian(a, n, sketch);
        DenseMatrix q = orthonormalBasis(product(a, omega));
        for (int i = 0; i < powerIterations; i++) {
            DenseMatrix z = orthonormalBasis(product(a.transpose(), q));
            q = orthonormalBasis(product(a, z));
        }
        DenseMatrix small = product(q.transpose(), a); // sketch × n
        SvdResult core = backend.svd(small);
        DenseMatrix u = product(q, core.u());
        SvdResult full = SignConvention.apply(new SvdResult(u, core.s(), core.vt()));
        SvdResult kept = full.truncate(rank);
        return new SvdResult(kept.u().copy(), kept.s(), kept.vt().copy());
    }

    private DenseMatrix gaussian(DenseMatrix like, int rows, int cols) {
        Random random = new Random(seed);
        DenseMatrix omega = like.newLike(rows, cols);
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                omega.set(i, j, random.nextGaussian());
            }
        }
        return omega;
    }

    private DenseMatrix product(DenseMatrix x, DenseMatrix y) {
        return Linalg.multiply(backend, x, y);
    }

    private DenseMatrix orthonormalBasis(DenseMatrix y) {
        return backend.qr(y).q();
    }

    @Override
    public String toString() {
        return "RandomizedSvd[" + backend.name() + ", oversampling=" + oversampling + ", power=" + powerIterations + ", seed=" + seed + "]";
    }
}
