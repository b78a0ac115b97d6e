package org.lowrank4j.linalg;

/**
 * A matrix that many products read without change (a weight while a model generates), with the backend's own copy of
 * it kept where its products read operands: native memory for OpenBLAS, so that {@link LinalgBackend#gemm(double,
 * DenseMatrix, StagedMatrix, boolean, double, DenseMatrix)} does not copy it in again at every call. The backend's copy
 * is taken once, when staging; whoever stages a matrix promises not to change the source until {@link #close()}, which
 * frees the copy at once (the garbage collector frees it otherwise). Backends without such a copy read the source.
 */
public final class StagedMatrix implements AutoCloseable {
    private final DenseMatrix source;   // compact; read by backends that keep no copy
    private final Object backendCopy;   // or null
    private final Runnable release;     // frees backendCopy, or null
    private boolean closed;

    /**
     * For backends.
     *
     * @param source      the staged matrix, compact
     * @param backendCopy the backend's copy of its values, or null
     * @param release     frees {@code backendCopy} (null when there is nothing to free)
     */
    public StagedMatrix(DenseMatrix source, Object backendCopy, Runnable release) {
        requireCompact(source);
        this.source = source;
        this.backendCopy = backendCopy;
        this.release = release;
    }

    /** @throws IllegalArgumentException for a view: only a matrix that fills its own array exactly can be staged */
    public static void requireCompact(DenseMatrix m) {
        if (!m.isCompact()) {
            throw new IllegalArgumentException("only a compact matrix can be staged, got a view of shape " + m.shape());
        }
    }

    public int rows() {
        return source.rows();
    }

    public int cols() {
        return source.cols();
    }

    /** The matrix that was staged (do not change it while staged). */
    public DenseMatrix source() {
        return source;
    }

    /** The backend's copy, for the backend that made it. */
    public Object backendCopy() {
        if (closed) {
            throw new IllegalStateException("a staged " + source.shape() + " matrix used after close");
        }
        return backendCopy;
    }

    public boolean isClosed() {
        return closed;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            if (release != null) {
                release.run();
            }
        }
    }
}
