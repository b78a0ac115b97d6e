package org.lowrank4j.linalg;

import java.lang.System.Logger.Level;
import java.nio.file.Path;
import org.lowrank4j.linalg.backend.JavaBackend;
import org.lowrank4j.linalg.backend.NativeBackend;

/**
 * Entry point to the numerical core: picks the backend once (OpenBLAS when it loads, plain Java otherwise,
 * logging why once) and offers the few matrix products everything else uses, with shape checks.
 *
 * <p>System properties: {@code lowrank.backend=java|native} forces a backend; {@code lowrank.threads=N} sets
 * the BLAS thread count (default: available processors); {@code org.bytedeco.javacpp.cachedir} is where
 * JavaCPP unpacks the native library (default {@code ~/.cache/lowrank4j/javacpp}).
 */
public final class Linalg {
    private static final System.Logger LOG = System.getLogger(Linalg.class.getName());
    private static final JavaBackend JAVA = new JavaBackend();
    private static volatile LinalgBackend selected;
    private static volatile NativeBackend nativeBackend;
    private static volatile String nativeFailure;
    private static final Object BLAS_THREADS = new Object();

    private Linalg() {
    }

    /** The backend every decomposition uses unless given another. */
    public static LinalgBackend backend() {
        LinalgBackend b = selected;
        if (b == null) {
            synchronized (Linalg.class) {
                if (selected == null) {
                    String forced = System.getProperty("lowrank.backend", "native");
                    selected = forced.equalsIgnoreCase("java") ? JAVA : nativeOrJava();
                }
                b = selected;
            }
        }
        return b;
    }

    /** The plain-Java backend (always available). */
    public static LinalgBackend javaBackend() {
        return JAVA;
    }

    /** The OpenBLAS backend, or null when it could not be loaded ({@link #nativeFailure()} says why). */
    public static synchronized NativeBackend nativeBackend() {
        if (nativeBackend == null && nativeFailure == null) {
            if (System.getProperty("org.bytedeco.javacpp.cachedir") == null) {
                Path cache = Path.of(System.getProperty("user.home"), ".cache", "lowrank4j", "javacpp");
                System.setProperty("org.bytedeco.javacpp.cachedir", cache.toString());
            }
            try {
                nativeBackend = NativeBackend.load(Integer.getInteger("lowrank.threads", Runtime.getRuntime().availableProcessors()));
            } catch (Throwable e) {
                Throwable cause = e;
                while (cause instanceof ExceptionInInitializerError && cause.getCause() != null) {
                    cause = cause.getCause(); // a static initialiser that failed says nothing itself
                }
                nativeFailure = cause.getClass().getSimpleName() + ": " + cause.getMessage();
            }
        }
        return nativeBackend;
    }

    /** Why the native backend is unavailable, or null when it loaded (or was not tried yet). */
    public static String nativeFailure() {
        return nativeFailure;
    }

    private static LinalgBackend nativeOrJava() {
        return nativeOrJava(nativeBackend(), nativeFailure);
    }

    /** The native backend when it loaded, else the Java one with a single warning saying why. */
    static LinalgBackend nativeOrJava(LinalgBackend loaded, String failure) {
        if (loaded != null) {
            return loaded;
        }
        LOG.log(Level.WARNING, "OpenBLAS could not be loaded (" + failure + "); using the plain-Java kernels, which are much slower");
        return JAVA;
    }

    /** The BLAS thread count now in force (the processor count with the plain-Java backend). */
    public static int threads() {
        NativeBackend nb = nativeBackend();
        return nb == null ? Runtime.getRuntime().availableProcessors() : nb.threads();
    }

    /** Sets the BLAS thread count (no effect on the plain-Java backend). */
    public static void setThreads(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("thread count must be at least 1, got " + threads);
        }
        NativeBackend nb = nativeBackend();
        if (nb != null) {
            nb.setThreads(threads);
        }
    }

    /**
     * Runs {@code work} with OpenBLAS limited to one thread, then restores the previous count. For callers that
     * parallelise over independent problems themselves (one Java thread per core).
     */
    public static <T> T withSingleThreadedBlas(java.util.function.Supplier<T> work) {
        NativeBackend nb = nativeBackend();
        if (nb == null) {
            return work.get();
        }
        synchronized (BLAS_THREADS) {
            int before = nb.threads();
            nb.setThreads(1);
            try {
                return work.get();
            } finally {
                nb.setThreads(before);
            }
        }
    }

    /** {@code a · b} as a new matrix of a's element type (b is converted if it differs). */
    public static DenseMatrix multiply(DenseMatrix a, DenseMatrix b) {
        return multiply(backend(), a, b);
    }

    public static DoubleMatrix multiply(DoubleMatrix a, DoubleMatrix b) {
        return (DoubleMatrix) multiply(backend(), a, b);
    }

    public static FloatMatrix multiply(FloatMatrix a, FloatMatrix b) {
        return (FloatMatrix) multiply(backend(), a, b);
    }

    /** {@code a · b} computed by the given backend. */
    public static DenseMatrix multiply(LinalgBackend backend, DenseMatrix a, DenseMatrix b) {
        if (a.cols() != b.rows()) {
            throw new IllegalArgumentException("cannot multiply a " + a.shape() + " matrix by a " + b.shape() + " matrix: inner sizes differ");
        }
        DenseMatrix right = a.elementType() == b.elementType() ? b : (a instanceof FloatMatrix ? b.toFloat() : b.toDouble());
        DenseMatrix c = a.newLike(a.rows(), b.cols());
        backend.gemm(1, a, right, 0, c);
        return c;
    }

    /** {@code aᵀ · a} in float64 (a Gram matrix), symmetric by construction. */
    public static DoubleMatrix gram(DenseMatrix a) {
        DoubleMatrix d = a.toDouble();
        return multiply(d.transpose(), d);
    }

    /**
     * Throws an {@link IllegalArgumentException} naming {@code what} and the first bad position when the
     * matrix holds NaN or infinity.
     */
    public static void requireFinite(String what, DenseMatrix m) {
        int[] bad = m.firstNonFinite();
        if (bad != null) {
            throw new IllegalArgumentException(what + " (" + m.shape() + ") holds " + m.get(bad[0], bad[1])
                    + " at (" + bad[0] + ", " + bad[1] + "); decompositions need finite input");
        }
    }

    /** Throws unless the matrix is square. */
    public static void requireSquare(String what, DenseMatrix m) {
        if (m.rows() != m.cols()) {
            throw new IllegalArgumentException(what + " must be square, got " + m.shape());
        }
    }
}
