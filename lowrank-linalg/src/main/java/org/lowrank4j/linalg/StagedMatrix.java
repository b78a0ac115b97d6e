package org.lowrank4j.linalg;

/**
 * A snapshot of a matrix's values kept where a backend's products read their operands (native memory for OpenBLAS),
 * for an operand that does not change between many products, such as a frozen weight: {@link LinalgBackend#gemm(double,
 * DenseMatrix, StagedMatrix, boolean, double, DenseMatrix)} then reads it without copying it in again. It is a copy:
 * later writes to the source do not reach it, so whoever stages a matrix must drop the snapshot when the source changes
 * (and may check with {@link #sameValues}). Closing frees the native copy at once (the garbage collector frees it
 * otherwise).
 */
public final class StagedMatrix implements AutoCloseable {
    private final DenseMatrix values;   // a compact copy of the source at staging time
    private final Object nativeCopy;    // the backend's own copy, or null
    private final Runnable release;
    private boolean closed;

    /**
     * For backends: wraps the compact snapshot and the backend's copy of it.
     *
     * @param release frees {@code nativeCopy} (null when there is nothing to free)
     */
    public StagedMatrix(DenseMatrix values, Object nativeCopy, Runnable release) {
        if (!values.isCompact()) {
            throw new IllegalArgumentException("a staged matrix holds a compact copy, got a view of shape " + values.shape());
        }
        this.values = values;
        this.nativeCopy = nativeCopy;
        this.release = release;
    }

    public int rows() {
        return values.rows();
    }

    public int cols() {
        return values.cols();
    }

    /** The snapshot's values (compact; do not modify). */
    public DenseMatrix values() {
        return values;
    }

    /** The backend's copy, for the backend that made it. */
    public Object nativeCopy() {
        if (closed) {
            throw new IllegalStateException("staged " + values.shape() + " matrix used after close");
        }
        return nativeCopy;
    }

    /** Whether {@code source} still holds exactly the values that were staged (reads all of both). */
    public boolean sameValues(DenseMatrix source) {
        if (source.rows() != rows() || source.cols() != cols() || source.elementType() != values.elementType()) {
            return false;
        }
        for (int i = 0; i < rows(); i++) {
            for (int j = 0; j < cols(); j++) {
                if (Double.doubleToLongBits(source.get(i, j)) != Double.doubleToLongBits(values.get(i, j))) {
                    return false;
                }
            }
        }
        return true;
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
