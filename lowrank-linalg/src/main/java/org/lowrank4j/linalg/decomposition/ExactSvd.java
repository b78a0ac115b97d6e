package org.lowrank4j.linalg.decomposition;

import org.lowrank4j.linalg.DenseMatrix;
import org.lowrank4j.linalg.Linalg;
import org.lowrank4j.linalg.LinalgBackend;
import org.lowrank4j.linalg.SvdResult;

/**
 * Thin SVD by LAPACK's divide and conquer (gesdd, falling back to gesvd), truncated to the requested rank.
 * This is the toolkit's default: exact, deterministic, signs normalised.
 */
public final class ExactSvd implements Svd {
    private final LinalgBackend backend;

    public ExactSvd() {
        this(Linalg.backend());
    }

    public ExactSvd(LinalgBackend backend) {
        this.backend = backend;
    }

    /** The full thin SVD (rank min(m, n)). */
    public SvdResult decompose(DenseMatrix a) {
        return decompose(a, Math.min(a.rows(), a.cols()));
    }

    @Override
    public SvdResult decompose(DenseMatrix a, int rank) {
        Svd.validate("ExactSvd", a, rank);
        SvdResult full = SignConvention.apply(backend.svd(a));
        if (rank == full.rank()) {
            return full;
        }
        // Copy the kept parts so the discarded columns can be collected.
        SvdResult kept = full.truncate(rank);
        return new SvdResult(kept.u().copy(), kept.s(), kept.vt().copy());
    }

    @Override
    public String toString() {
        return "ExactSvd[" + backend.name() + "]";
    }
}
