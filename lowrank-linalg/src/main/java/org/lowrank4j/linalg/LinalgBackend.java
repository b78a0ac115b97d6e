package org.lowrank4j.linalg;

/**
 * The kernels everything else is built on: BLAS level 2/3 and the LAPACK factorizations.
 *
 * <p>Two implementations exist: {@code NativeBackend} (OpenBLAS through JavaCPP) and {@code JavaBackend}
 * (plain Java, the test oracle and the fallback when the native library cannot load). Kernels do not validate
 * user input beyond assertions; the public decompositions in {@code org.lowrank4j.linalg.decomposition} do.
 * Arguments may be views with any strides; results are fresh compact matrices unless a method says it writes
 * into an argument.
 */
public interface LinalgBackend {

    /** A short name for logs and benchmark output, e.g. "openblas" or "java". */
    String name();

    /**
     * {@code c = alpha * a * b + beta * c}, written into {@code c}. All three have the same element type;
     * {@code a} and {@code b} may be transposed views, and any of the three may be views of one array, as long as
     * {@code c} covers none of the entries {@code a} or {@code b} reads.
     */
    void gemm(double alpha, DenseMatrix a, DenseMatrix b, double beta, DenseMatrix c);

    /**
     * Stages a compact matrix that many products will read unchanged; see {@link StagedMatrix}. The default keeps no
     * copy: its products read {@code m} itself.
     */
    default StagedMatrix stage(DenseMatrix m) {
        return new StagedMatrix(m, null, null);
    }

    /**
     * {@code c = alpha·a·op(b) + beta·c} with op(b) = b, or bᵀ when {@code transposeB}, read from its staged copy: the
     * same product as {@link #gemm(double, DenseMatrix, DenseMatrix, double, DenseMatrix)} on the source.
     */
    default void gemm(double alpha, DenseMatrix a, StagedMatrix b, boolean transposeB, double beta, DenseMatrix c) {
        gemm(alpha, a, transposeB ? b.source().transpose() : b.source(), beta, c);
    }

    /**
     * {@code c = alpha * a * b + beta * c} for a square {@code a} that is triangular as seen (a may be a transposed
     * view): only its lower triangle, diagonal included, is read when {@code lower}, only its upper one otherwise, and
     * the entries beyond it count as zero whatever they hold. BLAS trmm: about half of gemm's work, which is what
     * causal attention's products with its probabilities (zero above the diagonal) need. As with gemm, {@code c} must not
     * cover what {@code a} or {@code b} reads.
     */
    void triangularGemm(double alpha, DenseMatrix a, boolean lower, DenseMatrix b, double beta, DenseMatrix c);

    /**
     * Symmetric rank-k update {@code g += xᵀ x} (BLAS syrk), for accumulating Gram matrices: x is k×n
     * (any strides), g is n×n and compact; both triangles of g are updated.
     */
    void addGram(DoubleMatrix x, DoubleMatrix g);

    /** {@code y = alpha * a * x + beta * y} in float32. */
    void gemv(float alpha, FloatMatrix a, float[] x, float beta, float[] y);

    /** {@code y = alpha * a * x + beta * y} in float64. */
    void gemv(double alpha, DoubleMatrix a, double[] x, double beta, double[] y);

    /**
     * Thin SVD {@code a = u diag(s) vt} with k = min(m, n): u is m×k, vt is k×n, s descending, all in the
     * element type of {@code a}. Signs are as the kernel produced them.
     *
     * @throws ArithmeticException when the iteration does not converge
     */
    SvdResult svd(DenseMatrix a);

    /** Eigen-decomposition of a symmetric matrix (only the lower triangle is read): values ascending. */
    EigenResult symmetricEigen(DoubleMatrix a);

    /** Lower Cholesky factor L with {@code a = L Lᵀ}, or null when {@code a} is not positive definite. */
    DoubleMatrix choleskyLower(DoubleMatrix a);

    /** Solves {@code op(t) x = b} for x where t is triangular and op is identity or transpose. */
    DoubleMatrix solveTriangular(DoubleMatrix t, boolean lower, boolean transpose, DoubleMatrix b);

    /** Thin QR: q is m×k with orthonormal columns, r is k×n upper triangular, k = min(m, n). */
    QrResult qr(DenseMatrix a);

    /** QR with column pivoting: {@code a[:, perm] = q r}, |diag(r)| non-increasing. */
    PivotedQrResult pivotedQr(DoubleMatrix a);
}
