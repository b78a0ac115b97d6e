package org.lowrank4j.linalg.backend;

import static org.bytedeco.openblas.global.openblas_full.*;

import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerScope;
import org.lowrank4j.linalg.DenseMatrix;
import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.linalg.EigenResult;
import org.lowrank4j.linalg.FloatMatrix;
import org.lowrank4j.linalg.LinalgBackend;
import org.lowrank4j.linalg.PivotedQrResult;
import org.lowrank4j.linalg.QrResult;
import org.lowrank4j.linalg.StagedMatrix;
import org.lowrank4j.linalg.SvdResult;

/**
 * OpenBLAS (BLAS + LAPACKE) through JavaCPP's {@code openblas_full} bindings.
 *
 * <p>Matrices live on the Java heap. From Java 22 the products (gemm, trmm, and gemv for a single row) read and
 * write the Java arrays in place through {@link HeapBlas}; before that, and for every other call, the operands are
 * copied into reused per-thread native buffers and the result back (an O(n²) copy beside O(n³) work). Row-major views
 * and transposed views are passed with the matching BLAS transpose flag, so neither is materialised.
 */
public final class NativeBackend implements LinalgBackend {

    private NativeBackend() {
    }

    /**
     * Loads the native library and sets its thread count.
     *
     * @throws Throwable whatever the loader threw (missing platform jar, unsupported OS, ...)
     */
    public static NativeBackend load(int threads) throws Throwable {
        openblas_set_num_threads(Math.max(1, threads));
        return new NativeBackend();
    }

    /** Sets the number of threads OpenBLAS uses for every later call. */
    public void setThreads(int threads) {
        openblas_set_num_threads(Math.max(1, threads));
    }

    public int threads() {
        return openblas_get_num_threads();
    }

    /** The OpenBLAS core type and build configuration, e.g. "Cooperlake OpenBLAS 0.3.31 DYNAMIC_ARCH". */
    public String describe() {
        return openblas_get_corename().getString() + " / " + openblas_get_config().getString();
    }

    /**
     * A one-line hint when OpenBLAS runs its AVX2 kernels on a CPU that has AVX-512 (OpenBLAS 0.3.31 does this on
     * recent AMD CPUs), else null. The core type is chosen when the library loads, from {@code OPENBLAS_CORETYPE};
     * {@code bin/lowrank} sets it on such CPUs.
     */
    public String kernelHint() {
        String core = openblas_get_corename().getString();
        if (!core.equalsIgnoreCase("Haswell") && !core.equalsIgnoreCase("Zen")) {
            return null;
        }
        try {
            String info = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/cpuinfo"));
            boolean avx512 = java.util.List.of(" avx512f", " avx512bw", " avx512vl").stream().allMatch(info::contains);
            return avx512 ? "OpenBLAS uses its " + core + " (AVX2) kernels on this AVX-512 CPU; set OPENBLAS_CORETYPE=SkylakeX"
                    + " before starting the JVM for faster products (bin/lowrank does)" : null;
        } catch (java.io.IOException | RuntimeException e) {
            return null;
        }
    }

    /**
     * Whether float and double products read the Java arrays in place (Java 22+, see {@link HeapBlas}) instead of
     * copying their operands into native memory and the result back.
     */
    public boolean readsHeapInPlace() {
        return HeapBlas.available();
    }

    /** Why products copy their operands (null when they read the Java arrays in place). */
    public String copiesOperandsBecause() {
        return HeapBlas.whyNot();
    }

    @Override
    public String name() {
        return "openblas";
    }

    // ---- BLAS ---------------------------------------------------------------------------------------------

    @Override
    public void gemm(double alpha, DenseMatrix a, DenseMatrix b, double beta, DenseMatrix c) {
        int m = c.rows(), n = c.cols(), k = a.cols();
        assert a.rows() == m && b.rows() == k && b.cols() == n;
        if (m == 0 || n == 0) {
            return;
        }
        if (k == 0 || !c.isRowMajorStrided()) {
            // Degenerate inner size or a C we cannot hand to BLAS directly: go through a compact temporary.
            DenseMatrix tmp = c.copy();
            if (k == 0) {
                scaleInPlace(tmp, beta);
            } else {
                gemm(alpha, a, b, beta, tmp);
            }
            copyInto(tmp, c);
            return;
        }
        if (HeapBlas.available() && gemmInPlace(alpha, a, b, beta, c)) {
            return;
        }
        gemm(alpha, Operand.of(a, 0), Operand.of(b, 1), k, beta, c);
    }

    /**
     * The product on the Java arrays themselves ({@link HeapBlas}) when all three share one element type; false when
     * they do not.
     */
    private static boolean gemmInPlace(double alpha, DenseMatrix a, DenseMatrix b, double beta, DenseMatrix c) {
        if (a.elementType() != c.elementType() || b.elementType() != c.elementType()) {
            return false;
        }
        Layout pa = Layout.of(a), pb = Layout.of(b);
        int m = c.rows(), n = c.cols(), k = a.cols();
        int ldc = m <= 1 ? Math.max(1, n) : c.rowStride();
        if (c instanceof FloatMatrix fc) {
            if (byRows(m, (long) k * n)) {
                // row i of c (1×n) = row i of a · op(B): gemv over B as stored, with the other transpose flag (see rowsTimes)
                int transS = pb.trans == CblasNoTrans ? CblasTrans : CblasNoTrans;
                int incA = pa.trans == CblasNoTrans ? 1 : pa.ld, rowStepA = pa.trans == CblasNoTrans ? pa.ld : 1;
                for (int i = 0; i < m; i++) {
                    HeapBlas.sgemv(CblasRowMajor, transS, pb.storedRows, pb.storedCols, (float) alpha, (float[]) pb.array, pb.offset,
                            pb.ld, (float[]) pa.array, pa.offset + i * rowStepA, incA, (float) beta, fc.data(), fc.offset() + i * ldc, 1);
                }
                return true;
            }
            HeapBlas.sgemm(CblasRowMajor, pa.trans, pb.trans, m, n, k, (float) alpha, (float[]) pa.array, pa.offset, pa.ld,
                    (float[]) pb.array, pb.offset, pb.ld, (float) beta, fc.data(), fc.offset(), ldc);
            return true;
        }
        DoubleMatrix dc = (DoubleMatrix) c;
        HeapBlas.dgemm(CblasRowMajor, pa.trans, pb.trans, m, n, k, alpha, (double[]) pa.array, pa.offset, pa.ld,
                (double[]) pb.array, pb.offset, pb.ld, beta, dc.data(), dc.offset(), ldc);
        return true;
    }

    private static Object arrayOf(DenseMatrix x) {
        return x instanceof FloatMatrix f ? f.data() : ((DoubleMatrix) x).data();
    }

    /**
     * A matrix as BLAS reads it: its array, first element, transpose flag and leading dimension, and the shape as stored.
     * Row-major views go as they are, transposed views of row-major blocks with the transpose flag, anything else is
     * compacted first. Products on the Java arrays ({@link HeapBlas}) pass this as it is; {@link Operand} copies the
     * span it covers into native scratch.
     */
    private record Layout(Object array, int offset, int trans, int ld, int storedRows, int storedCols) {

        static Layout of(DenseMatrix x) {
            if (x.isRowMajorStrided()) {
                int ld = x.rows() <= 1 ? Math.max(1, x.cols()) : x.rowStride();
                return new Layout(arrayOf(x), x.offset(), CblasNoTrans, ld, x.rows(), x.cols());
            }
            if (x.isColumnMajorStrided()) {
                int ld = x.cols() <= 1 ? Math.max(1, x.rows()) : x.colStride();
                return new Layout(arrayOf(x), x.offset(), CblasTrans, ld, x.cols(), x.rows());
            }
            return of(x.copy());
        }
    }

    /**
     * The BLAS call once A and B are in native memory: C (row-major strided) is staged, multiplied into, copied back. A
     * few rows go to one gemv each ({@link #byRows}).
     */
    private static void gemm(double alpha, Operand pa, Operand pb, int k, double beta, DenseMatrix c) {
        int m = c.rows(), n = c.cols();
        Operand pc = Operand.of(c, 2, beta != 0); // C's old values only matter when beta != 0
        if (byRows(m, (long) k * n)) {
            rowsTimes(alpha, pa, pb, beta, pc, c);
            return;
        }
        if (c instanceof FloatMatrix fc) {
            cblas_sgemm(CblasRowMajor, pa.trans, pb.trans, m, n, k, (float) alpha, (FloatPointer) pa.pointer, pa.ld,
                    (FloatPointer) pb.pointer, pb.ld, (float) beta, (FloatPointer) pc.pointer, pc.ld);
            copyBack((FloatPointer) pc.pointer, fc, m, n, pc.ld);
        } else {
            DoubleMatrix dc = (DoubleMatrix) c;
            cblas_dgemm(CblasRowMajor, pa.trans, pb.trans, m, n, k, alpha, (DoublePointer) pa.pointer, pa.ld,
                    (DoublePointer) pb.pointer, pb.ld, beta, (DoublePointer) pc.pointer, pc.ld);
            copyBack((DoublePointer) pc.pointer, dc, m, n, pc.ld);
        }
    }

    /** Elements of B from which more than one row goes to gemm (2 MB of float32: one read of B for all rows wins there). */
    private static final long GEMV_FROM = 1L << 19;

    /** The most rows that go to one gemv each when B is smaller than {@link #GEMV_FROM}. */
    private static final int GEMV_ROWS = 4;

    /**
     * Whether m rows times a B of {@code kn} elements run as m gemv calls rather than one gemm. One row always: OpenBLAS
     * 0.3.31 runs gemv about three times faster than gemm with m = 1 once B is a few MB (decoding one token: 9–10
     * against 28 GB/s of weights read on one core; results/runtime-profile/single-row-gemv/rows-output.txt), and with its
     * AVX2 kernels 9–12 times faster for a B of 0.1–1 MB, where its AVX-512 kernels take the same time either way.
     * Two to four rows when B is smaller than 2 MB (it stays in cache between the calls): with the AVX2 kernels gemm
     * costs 2–6× the gemv calls; with the AVX-512 ones up to 3.2× for some shapes, while for two or three rows of
     * others it is up to 2.3× faster. Over a decoder's weights the gemv calls win with both
     * (results/runtime-profile/few-rows/README.md).
     */
    private static boolean byRows(int m, long kn) {
        return m == 1 || (m <= GEMV_ROWS && kn < GEMV_FROM);
    }

    /**
     * c (m×n) = alpha·a·b + beta·c as one matrix-vector product per row: b stored S (k×n) gives cᵢᵀ = Sᵀ·aᵢᵀ, b = Sᵀ with
     * S (n×k) gives cᵢᵀ = S·aᵢᵀ. A row of a is contiguous when a is stored by rows, every {@code ld}-th value when it is
     * stored as columns. With beta 0, BLAS does not read y, so whatever the scratch for C holds does not matter.
     */
    private static void rowsTimes(double alpha, Operand pa, Operand pb, double beta, Operand pc, DenseMatrix c) {
        int m = c.rows(), n = c.cols();
        int transS = pb.trans == CblasNoTrans ? CblasTrans : CblasNoTrans;
        int incA = pa.trans == CblasNoTrans ? 1 : pa.ld;
        long rowStepA = pa.trans == CblasNoTrans ? pa.ld : 1;
        for (int i = 0; i < m; i++) {
            // a pointer object per row after the first: decoding makes thousands of one-row calls a token, each of which
            // would otherwise pay for two new pointers
            Pointer row = i == 0 ? pa.pointer : pa.pointer.getPointer(i * rowStepA);
            Pointer out = i == 0 ? pc.pointer : pc.pointer.getPointer((long) i * pc.ld);
            if (c instanceof FloatMatrix) {
                cblas_sgemv(CblasRowMajor, transS, pb.storedRows, pb.storedCols, (float) alpha, (FloatPointer) pb.pointer, pb.ld,
                        (FloatPointer) row, incA, (float) beta, (FloatPointer) out, 1);
            } else {
                cblas_dgemv(CblasRowMajor, transS, pb.storedRows, pb.storedCols, alpha, (DoublePointer) pb.pointer, pb.ld,
                        (DoublePointer) row, incA, beta, (DoublePointer) out, 1);
            }
        }
        if (c instanceof FloatMatrix fc) {
            copyBack((FloatPointer) pc.pointer, fc, m, n, pc.ld);
        } else {
            copyBack((DoublePointer) pc.pointer, (DoubleMatrix) c, m, n, pc.ld);
        }
    }

    /**
     * Copies {@code m} into native memory once; the copy lives until the staged matrix is closed (or collected). When
     * products read the Java arrays in place ({@link #readsHeapInPlace()}) no copy is kept: it would only double the
     * memory the staged weights take.
     */
    @Override
    public StagedMatrix stage(DenseMatrix m) {
        StagedMatrix.requireCompact(m); // before the copy: a view's offset and strides would copy the wrong values
        if (HeapBlas.available()) {
            return new StagedMatrix(m, null, null);
        }
        long size = Math.max(1, m.size());
        if (m instanceof FloatMatrix f) {
            FloatPointer p = Scratch.keep(new FloatPointer(size));
            p.put(f.data(), f.offset(), (int) m.size());
            return new StagedMatrix(m, p, p::close);
        }
        DoubleMatrix d = (DoubleMatrix) m;
        DoublePointer p = Scratch.keep(new DoublePointer(size));
        p.put(d.data(), d.offset(), (int) m.size());
        return new StagedMatrix(m, p, p::close);
    }

    /** As {@link #gemm(double, DenseMatrix, DenseMatrix, double, DenseMatrix)}, with b read from its native copy. */
    @Override
    public void gemm(double alpha, DenseMatrix a, StagedMatrix b, boolean transposeB, double beta, DenseMatrix c) {
        int m = c.rows(), n = c.cols(), k = a.cols();
        assert a.rows() == m && (transposeB ? b.cols() == k && b.rows() == n : b.rows() == k && b.cols() == n)
                : a.shape() + " · staged " + b.source().shape() + (transposeB ? "ᵀ" : "") + " -> " + c.shape();
        if (m == 0 || n == 0 || k == 0 || !c.isRowMajorStrided() || b.source().elementType() != c.elementType()) {
            gemm(alpha, a, transposeB ? b.source().transpose() : b.source(), beta, c);
            return;
        }
        Pointer staged = (Pointer) b.backendCopy(); // refuses a closed staged matrix
        if (staged == null) { // staged while products read the Java arrays in place
            gemm(alpha, a, transposeB ? b.source().transpose() : b.source(), beta, c);
            return;
        }
        Operand pb = new Operand(staged, transposeB ? CblasTrans : CblasNoTrans, Math.max(1, b.cols()), b.rows(), b.cols());
        gemm(alpha, Operand.of(a, 0), pb, k, beta, c);
    }

    @Override
    public void triangularGemm(double alpha, DenseMatrix a, boolean lower, DenseMatrix b, double beta, DenseMatrix c) {
        int m = c.rows(), n = c.cols();
        assert a.rows() == m && a.cols() == m && b.rows() == m && b.cols() == n : a.shape() + " · " + b.shape() + " -> " + c.shape();
        if (m == 0 || n == 0) {
            return;
        }
        if (HeapBlas.available() && triangularInPlace(alpha, a, lower, b, beta, c)) {
            return;
        }
        Operand pa = Operand.of(a, 0);
        // BLAS names the triangle of A as stored; a transposed view stores the other one
        int uplo = lower == (pa.trans == CblasNoTrans) ? CblasLower : CblasUpper;
        // trmm overwrites its right-hand side, which is b's native copy here (b itself is not touched)
        Operand pb = Operand.of(b.isRowMajorStrided() ? b : b.copy(), 1);
        boolean direct = beta == 0 && c.isRowMajorStrided() && (m == 1 || c.rowStride() == pb.ld); // the result can go straight into c
        if (c instanceof FloatMatrix fc && !direct && fc.colStride() == 1) {
            cblas_strmm(CblasRowMajor, CblasLeft, uplo, pa.trans, CblasNonUnit, m, n, (float) alpha, (FloatPointer) pa.pointer, pa.ld,
                    (FloatPointer) pb.pointer, pb.ld);
            addBack((FloatPointer) pb.pointer, pb.ld, (float) beta, fc);
            return;
        }
        DenseMatrix product = direct ? c : c.newLike(m, n);
        if (c instanceof FloatMatrix) {
            cblas_strmm(CblasRowMajor, CblasLeft, uplo, pa.trans, CblasNonUnit, m, n, (float) alpha, (FloatPointer) pa.pointer, pa.ld,
                    (FloatPointer) pb.pointer, pb.ld);
            copyBack((FloatPointer) pb.pointer, (FloatMatrix) product, m, n, pb.ld);
        } else {
            cblas_dtrmm(CblasRowMajor, CblasLeft, uplo, pa.trans, CblasNonUnit, m, n, alpha, (DoublePointer) pa.pointer, pa.ld,
                    (DoublePointer) pb.pointer, pb.ld);
            copyBack((DoublePointer) pb.pointer, (DoubleMatrix) product, m, n, pb.ld);
        }
        if (!direct) {
            addScaled(product, beta, c);
        }
    }

    /**
     * The float triangular product on the Java arrays ({@link HeapBlas}): trmm overwrites its right-hand side, so B is
     * first copied into C (beta 0) or into a reused compact buffer that is then added into C; false unless all three are
     * float32.
     */
    private static boolean triangularInPlace(double alpha, DenseMatrix a, boolean lower, DenseMatrix b, double beta, DenseMatrix c) {
        if (!(c instanceof FloatMatrix fc) || !(a instanceof FloatMatrix) || !(b instanceof FloatMatrix fb)) {
            return false;
        }
        int m = c.rows(), n = c.cols();
        Layout pa = Layout.of(a);
        int uplo = lower == (pa.trans == CblasNoTrans) ? CblasLower : CblasUpper;
        boolean direct = beta == 0 && c.isRowMajorStrided();
        float[] target;
        int offset, ld;
        if (direct) {
            target = fc.data();
            offset = fc.offset();
            ld = m <= 1 ? Math.max(1, n) : fc.rowStride();
        } else {
            target = ROW.get();
            if (target.length < m * n) {
                target = new float[m * n];
                ROW.set(target);
            }
            offset = 0;
            ld = n;
        }
        float[] from = fb.data();
        for (int i = 0; i < m; i++) {
            int src = fb.offset() + i * fb.rowStride(), dst = offset + i * ld;
            if (fb.colStride() == 1) {
                System.arraycopy(from, src, target, dst, n);
            } else {
                for (int j = 0; j < n; j++) {
                    target[dst + j] = from[src + j * fb.colStride()];
                }
            }
        }
        HeapBlas.strmm(CblasRowMajor, CblasLeft, uplo, pa.trans, CblasNonUnit, m, n, (float) alpha, (float[]) pa.array, pa.offset,
                pa.ld, target, offset, ld);
        if (!direct) {
            float[] to = fc.data();
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    int at = fc.offset() + i * fc.rowStride() + j * fc.colStride();
                    to[at] = beta == 0 ? target[i * n + j] : target[i * n + j] + (float) beta * to[at]; // beta 0 ignores C, as BLAS does
                }
            }
        }
        return true;
    }

    /**
     * {@code c = p + beta·c} for the native m×n result p (leading dimension ld) and a c with unit column stride, one row at
     * a time through a reused buffer: what the triangular product does when c is not simply overwritten (dV += Pᵀ·dY).
     */
    private static void addBack(FloatPointer from, int ld, float beta, FloatMatrix c) {
        int m = c.rows(), n = c.cols();
        float[] row = ROW.get();
        if (row.length < n) {
            row = new float[n];
            ROW.set(row);
        }
        float[] to = c.data();
        for (int i = 0; i < m; i++) {
            from.position((long) i * ld).get(row, 0, n);
            int dst = c.offset() + i * c.rowStride();
            if (beta == 0) {
                System.arraycopy(row, 0, to, dst, n);
            } else {
                for (int j = 0; j < n; j++) {
                    to[dst + j] = row[j] + beta * to[dst + j];
                }
            }
        }
        from.position(0);
    }

    private static final ThreadLocal<float[]> ROW = ThreadLocal.withInitial(() -> new float[0]);

    /** {@code c = p + beta * c} for a compact p (float64, or a float32 C whose columns are strided: rare paths). */
    private static void addScaled(DenseMatrix p, double beta, DenseMatrix c) {
        int m = c.rows(), n = c.cols();
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                c.set(i, j, beta == 0 ? p.get(i, j) : p.get(i, j) + beta * c.get(i, j));
            }
        }
    }

    /** Copies the m×n result rows back, leaving whatever lies between rows of a strided C untouched. */
    private static void copyBack(FloatPointer from, FloatMatrix to, int m, int n, int ld) {
        if (ld == n || m == 1) {
            from.position(0).get(to.data(), to.offset(), (m - 1) * ld + n);
            return;
        }
        for (int i = 0; i < m; i++) {
            from.position((long) i * ld).get(to.data(), to.offset() + i * to.rowStride(), n);
        }
        from.position(0);
    }

    private static void copyBack(DoublePointer from, DoubleMatrix to, int m, int n, int ld) {
        if (ld == n || m == 1) {
            from.position(0).get(to.data(), to.offset(), (m - 1) * ld + n);
            return;
        }
        for (int i = 0; i < m; i++) {
            from.position((long) i * ld).get(to.data(), to.offset() + i * to.rowStride(), n);
        }
        from.position(0);
    }

    @Override
    public void addGram(DoubleMatrix x, DoubleMatrix g) {
        int k = x.rows(), n = x.cols();
        assert g.isCompact() && g.rows() == n && g.cols() == n;
        if (k == 0 || n == 0) {
            return;
        }
        Operand px = Operand.of(x, 0);
        Operand pg = Operand.of(g, 2, true);
        // rows of x are the k samples: g += xᵀ x is syrk with "transposed" x in row-major terms.
        int trans = px.trans == CblasNoTrans ? CblasTrans : CblasNoTrans;
        cblas_dsyrk(CblasRowMajor, CblasLower, trans, n, k, 1.0, (DoublePointer) px.pointer, px.ld, 1.0, (DoublePointer) pg.pointer, n);
        ((DoublePointer) pg.pointer).position(0).get(g.data(), 0, n * n);
        mirrorLower(g);
    }

    static void mirrorLower(DoubleMatrix g) {
        double[] d = g.data();
        int n = g.rows();
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) {
                d[i * n + j] = d[j * n + i];
            }
        }
    }

    @Override
    public void gemv(float alpha, FloatMatrix a, float[] x, float beta, float[] y) {
        if (a.rows() == 0) {
            return;
        }
        if (a.cols() == 0) {
            for (int i = 0; i < y.length; i++) {
                y[i] *= beta;
            }
            return;
        }
        Operand pa = Operand.of(a, 0);
        Scratch scratch = SCRATCH.get();
        FloatPointer px = scratch.floats(1, x.length).put(x, 0, x.length), py = scratch.floats(2, y.length).put(y, 0, y.length);
        cblas_sgemv(CblasRowMajor, pa.trans, pa.storedRows, pa.storedCols, alpha, (FloatPointer) pa.pointer, pa.ld, px, 1, beta, py, 1);
        py.get(y, 0, y.length);
    }

    @Override
    public void gemv(double alpha, DoubleMatrix a, double[] x, double beta, double[] y) {
        if (a.rows() == 0) {
            return;
        }
        if (a.cols() == 0) {
            for (int i = 0; i < y.length; i++) {
                y[i] *= beta;
            }
            return;
        }
        Operand pa = Operand.of(a, 0);
        Scratch scratch = SCRATCH.get();
        DoublePointer px = scratch.doubles(1, x.length).put(x, 0, x.length), py = scratch.doubles(2, y.length).put(y, 0, y.length);
        cblas_dgemv(CblasRowMajor, pa.trans, pa.storedRows, pa.storedCols, alpha, (DoublePointer) pa.pointer, pa.ld, px, 1, beta, py, 1);
        py.get(y, 0, y.length);
    }

    // ---- LAPACK -------------------------------------------------------------------------------------------

    /**
     * Thin SVD by gesdd, falling back to gesvd when gesdd reports failure. The row-major input is handed to
     * LAPACK as the column-major transpose, so LAPACK's U of Aᵀ arrives as our Vᵀ and its Vᵀ as our U, with
     * no transposition in either direction.
     */
    @Override
    public SvdResult svd(DenseMatrix a) {
        int m = a.rows(), n = a.cols(), k = Math.min(m, n);
        if (k == 0) {
            return new SvdResult(a.newLike(m, 0), new double[0], a.newLike(0, n));
        }
        DenseMatrix u = a.newLike(m, k), vt = a.newLike(k, n);
        double[] s = new double[k];
        try (PointerScope scope = new PointerScope()) {
            if (a instanceof FloatMatrix fa) {
                FloatMatrix input = fa.compact();
                FloatPointer work = new FloatPointer(input.data()), ps = new FloatPointer(k);
                FloatPointer pVt = new FloatPointer((long) k * n), pU = new FloatPointer((long) m * k);
                int info = LAPACKE_sgesdd(LAPACK_COL_MAJOR, (byte) 'S', n, m, work, n, ps, pVt, n, pU, k);
                if (info != 0) {
                    work.put(input.data());
                    info = LAPACKE_sgesvd(LAPACK_COL_MAJOR, (byte) 'S', (byte) 'S', n, m, work, n, ps, pVt, n, pU, k,
                            new FloatPointer(Math.max(1, k - 1)));
                }
                checkInfo(info, "sgesvd", a);
                pU.get(((FloatMatrix) u).data());
                pVt.get(((FloatMatrix) vt).data());
                for (int i = 0; i < k; i++) {
                    s[i] = ps.get(i);
                }
            } else {
                DoubleMatrix input = ((DoubleMatrix) a).compact();
                DoublePointer work = new DoublePointer(input.data()), ps = new DoublePointer(k);
                DoublePointer pVt = new DoublePointer((long) k * n), pU = new DoublePointer((long) m * k);
                int info = LAPACKE_dgesdd(LAPACK_COL_MAJOR, (byte) 'S', n, m, work, n, ps, pVt, n, pU, k);
                if (info != 0) {
                    work.put(input.data());
                    info = LAPACKE_dgesvd(LAPACK_COL_MAJOR, (byte) 'S', (byte) 'S', n, m, work, n, ps, pVt, n, pU, k,
                            new DoublePointer(Math.max(1, k - 1)));
                }
                checkInfo(info, "dgesvd", a);
                pU.get(((DoubleMatrix) u).data());
                pVt.get(((DoubleMatrix) vt).data());
                ps.get(s);
            }
        }
        return new SvdResult(u, s, vt);
    }

    @Override
    public EigenResult symmetricEigen(DoubleMatrix a) {
        int n = a.rows();
        if (n == 0) {
            return new EigenResult(new double[0], DoubleMatrix.zeros(0, 0));
        }
        // Our row-major lower triangle is LAPACK's column-major upper triangle of the same symmetric matrix.
        double[] buf = a.copy().data();
        double[] w = new double[n];
        try (PointerScope scope = new PointerScope()) {
            DoublePointer pa = new DoublePointer(buf), pw = new DoublePointer(n);
            int info = LAPACKE_dsyevd(LAPACK_COL_MAJOR, (byte) 'V', (byte) 'U', n, pa, n, pw);
            checkInfo(info, "dsyevd", a);
            pa.get(buf);
            pw.get(w);
        }
        // Column-major eigenvectors read row-major are Vᵀ; hand back V compact.
        return new EigenResult(w, DoubleMatrix.wrap(buf, n, n).transpose().copy());
    }

    @Override
    public DoubleMatrix choleskyLower(DoubleMatrix a) {
        int n = a.rows();
        double[] buf = a.copy().data();
        if (n == 0) {
            return DoubleMatrix.zeros(0, 0);
        }
        try (PointerScope scope = new PointerScope()) {
            DoublePointer pa = new DoublePointer(buf);
            int info = LAPACKE_dpotrf(LAPACK_COL_MAJOR, (byte) 'U', n, pa, n);
            if (info > 0) {
                return null;
            }
            checkInfo(info, "dpotrf", a);
            pa.get(buf);
        }
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) {
                buf[i * n + j] = 0;
            }
        }
        return DoubleMatrix.wrap(buf, n, n);
    }

    @Override
    public DoubleMatrix solveTriangular(DoubleMatrix t, boolean lower, boolean transpose, DoubleMatrix b) {
        int m = b.rows(), n = b.cols();
        DoubleMatrix x = b.copy();
        if (m == 0 || n == 0) {
            return x;
        }
        try (PointerScope scope = new PointerScope()) {
            DoublePointer pt = new DoublePointer(t.compact().data()), px = new DoublePointer(x.data());
            cblas_dtrsm(CblasRowMajor, CblasLeft, lower ? CblasLower : CblasUpper, transpose ? CblasTrans : CblasNoTrans,
                    CblasNonUnit, m, n, 1.0, pt, m, px, n);
            px.get(x.data());
        }
        return x;
    }

    @Override
    public QrResult qr(DenseMatrix a) {
        int m = a.rows(), n = a.cols(), k = Math.min(m, n);
        if (k == 0) {
            return new QrResult(a.newLike(m, 0), a.newLike(0, n));
        }
        DenseMatrix work = a.copy();
        try (PointerScope scope = new PointerScope()) {
            if (work instanceof FloatMatrix fw) {
                FloatPointer pa = new FloatPointer(fw.data()), tau = new FloatPointer(k);
                checkInfo(LAPACKE_sgeqrf(LAPACK_ROW_MAJOR, m, n, pa, n, tau), "sgeqrf", a);
                pa.get(fw.data());
                DenseMatrix r = upperRows(work, k);
                FloatMatrix q = FloatMatrix.zeros(m, k);
                q.assign(work.colRange(0, k));
                FloatPointer pq = new FloatPointer(q.data());
                checkInfo(LAPACKE_sorgqr(LAPACK_ROW_MAJOR, m, k, k, pq, k, tau), "sorgqr", a);
                pq.get(q.data());
                return new QrResult(q, r);
            }
            DoubleMatrix dw = (DoubleMatrix) work;
            DoublePointer pa = new DoublePointer(dw.data()), tau = new DoublePointer(k);
            checkInfo(LAPACKE_dgeqrf(LAPACK_ROW_MAJOR, m, n, pa, n, tau), "dgeqrf", a);
            pa.get(dw.data());
            DenseMatrix r = upperRows(work, k);
            DoubleMatrix q = DoubleMatrix.zeros(m, k);
            q.assign(work.colRange(0, k));
            DoublePointer pq = new DoublePointer(q.data());
            checkInfo(LAPACKE_dorgqr(LAPACK_ROW_MAJOR, m, k, k, pq, k, tau), "dorgqr", a);
            pq.get(q.data());
            return new QrResult(q, r);
        }
    }

    @Override
    public PivotedQrResult pivotedQr(DoubleMatrix a) {
        int m = a.rows(), n = a.cols(), k = Math.min(m, n);
        int[] perm = new int[n];
        for (int j = 0; j < n; j++) {
            perm[j] = j;
        }
        if (k == 0) {
            return new PivotedQrResult(DoubleMatrix.zeros(m, 0), DoubleMatrix.zeros(0, n), perm);
        }
        DoubleMatrix work = a.copy();
        try (PointerScope scope = new PointerScope()) {
            DoublePointer pa = new DoublePointer(work.data()), tau = new DoublePointer(k);
            IntPointer jpvt = new IntPointer(n);
            jpvt.fill(0);
            checkInfo(LAPACKE_dgeqp3(LAPACK_ROW_MAJOR, m, n, pa, n, jpvt, tau), "dgeqp3", a);
            pa.get(work.data());
            for (int j = 0; j < n; j++) {
                perm[j] = jpvt.get(j) - 1;
            }
            DoubleMatrix r = (DoubleMatrix) upperRows(work, k);
            DoubleMatrix q = DoubleMatrix.zeros(m, k);
            q.assign(work.colRange(0, k));
            DoublePointer pq = new DoublePointer(q.data());
            checkInfo(LAPACKE_dorgqr(LAPACK_ROW_MAJOR, m, k, k, pq, k, tau), "dorgqr", a);
            pq.get(q.data());
            return new PivotedQrResult(q, r, perm);
        }
    }

    // ---- helpers ------------------------------------------------------------------------------------------

    /** The first k rows of a factored matrix with everything below the diagonal cleared. */
    private static DenseMatrix upperRows(DenseMatrix factored, int k) {
        DenseMatrix r = factored.rowRange(0, k).copy();
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < Math.min(i, r.cols()); j++) {
                r.set(i, j, 0);
            }
        }
        return r;
    }

    private static void checkInfo(int info, String routine, DenseMatrix input) {
        if (info < 0) {
            throw new IllegalStateException(routine + " rejected argument " + (-info) + " for a " + input.shape() + " matrix");
        }
        if (info > 0) {
            throw new ArithmeticException(routine + " did not converge on a " + input.shape() + " matrix (info " + info + ")");
        }
    }

    private static void scaleInPlace(DenseMatrix m, double factor) {
        for (int i = 0; i < m.rows(); i++) {
            for (int j = 0; j < m.cols(); j++) {
                m.set(i, j, factor == 0 ? 0 : m.get(i, j) * factor);
            }
        }
    }

    private static void copyInto(DenseMatrix source, DenseMatrix target) {
        for (int i = 0; i < source.rows(); i++) {
            for (int j = 0; j < source.cols(); j++) {
                target.set(i, j, source.get(i, j));
            }
        }
    }

    /**
     * A matrix's {@link Layout} with a native copy of the memory span it covers (in a per-thread scratch buffer that
     * is reused across calls, so large products do not pay for fresh pages each time) in place of its array.
     */
    private record Operand(Pointer pointer, int trans, int ld, int storedRows, int storedCols) {

        static Operand of(DenseMatrix x, int slot) {
            return of(x, slot, true);
        }

        static Operand of(DenseMatrix x, int slot, boolean copyValues) {
            Layout l = Layout.of(x);
            int span = (l.storedRows - 1) * l.ld + l.storedCols; // the stored values BLAS reads, first to last
            return new Operand(stage(l, slot, span, copyValues), l.trans, l.ld, l.storedRows, l.storedCols);
        }

        private static Pointer stage(Layout l, int slot, int span, boolean copyValues) {
            Scratch scratch = SCRATCH.get();
            if (l.array instanceof float[] f) {
                FloatPointer p = scratch.floats(slot, span);
                return copyValues ? p.put(f, l.offset, span) : p;
            }
            DoublePointer p = scratch.doubles(slot, span);
            return copyValues ? p.put((double[]) l.array, l.offset, span) : p;
        }
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /** Grow-only native buffers of one thread, three per element type (the operands of one BLAS call). */
    private static final class Scratch {
        /** Scratch outlives any PointerScope that happens to be open when it grows. */
        private static <P extends Pointer> P keep(P pointer) {
            PointerScope scope = PointerScope.getInnerScope();
            if (scope != null) {
                scope.detach(pointer);
            }
            return pointer;
        }

        private final FloatPointer[] floats = new FloatPointer[3];
        private final DoublePointer[] doubles = new DoublePointer[3];

        FloatPointer floats(int slot, long size) {
            if (floats[slot] == null || floats[slot].capacity() < size) {
                if (floats[slot] != null) {
                    floats[slot].close();
                }
                floats[slot] = keep(new FloatPointer(Math.max(size, 1024)));
            }
            return floats[slot].position(0);
        }

        DoublePointer doubles(int slot, long size) {
            if (doubles[slot] == null || doubles[slot].capacity() < size) {
                if (doubles[slot] != null) {
                    doubles[slot].close();
                }
                doubles[slot] = keep(new DoublePointer(Math.max(size, 1024)));
            }
            return doubles[slot].position(0);
        }
    }
}
