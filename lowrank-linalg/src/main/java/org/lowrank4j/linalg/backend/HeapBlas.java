package org.lowrank4j.linalg.backend;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Array;
import java.lang.reflect.Method;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * OpenBLAS's gemm and trmm called on Java arrays in place, through the foreign-function API's critical downcalls
 * (Java 22 and later, {@code Linker.Option.critical(true)}): the arrays are pinned for the call instead of copied into
 * native memory and back. That copy costs 10–12% of a 1024×320·320×864 product and half of a rank-8 one
 * (results/lora-comparison/seventh-look/no-copy).
 *
 * <p>The project compiles for Java 17, where {@code java.lang.foreign} does not exist, so the downcall handles are
 * built by reflection once and kept as plain {@link MethodHandle}s whose types name only Java 17 types ({@code float[]},
 * {@code long} byte offsets). On Java 17–21, or when the library or the API cannot be reached, {@link #available()} is
 * false and {@link NativeBackend} copies as before. {@code -Dlowrank.heapBlas=false} turns the route off.
 */
final class HeapBlas {

    private HeapBlas() {
    }

    private static final MethodHandle SGEMM; // (order, ta, tb, m, n, k, alpha, a, aByte, lda, b, bByte, ldb, beta, c, cByte, ldc)
    private static final MethodHandle DGEMM;
    private static final MethodHandle STRMM; // (order, side, uplo, ta, diag, m, n, alpha, a, aByte, lda, b, bByte, ldb)
    private static final MethodHandle SGEMV; // (order, trans, m, n, alpha, a, aByte, lda, x, xByte, incx, beta, y, yByte, incy)
    private static final String WHY_NOT;

    static {
        MethodHandle sgemm = null, dgemm = null, strmm = null, sgemv = null;
        String whyNot = null;
        if (!Boolean.parseBoolean(System.getProperty("lowrank.heapBlas", "true"))) {
            whyNot = "turned off by -Dlowrank.heapBlas=false";
        } else if (Runtime.version().feature() < 22) {
            whyNot = "needs Java 22 or later (this is " + Runtime.version().feature() + ")";
        } else {
            try {
                Linked linked = new Linked();
                sgemm = linked.gemm("cblas_sgemm", float.class, float[].class);
                dgemm = linked.gemm("cblas_dgemm", double.class, double[].class);
                strmm = linked.trmm("cblas_strmm", float.class, float[].class);
                sgemv = linked.gemv("cblas_sgemv", float.class, float[].class);
            } catch (Throwable t) {
                sgemm = dgemm = strmm = sgemv = null;
                Throwable cause = t instanceof java.lang.reflect.InvocationTargetException && t.getCause() != null ? t.getCause() : t;
                whyNot = cause.getClass().getSimpleName() + ": " + cause.getMessage();
            }
        }
        SGEMM = sgemm;
        DGEMM = dgemm;
        STRMM = strmm;
        SGEMV = sgemv;
        WHY_NOT = whyNot;
    }

    /** Whether products read Java arrays in place. */
    static boolean available() {
        return SGEMM != null;
    }

    /** Why the route is not taken (null when it is). */
    static String whyNot() {
        return WHY_NOT;
    }

    static void sgemm(int order, int ta, int tb, int m, int n, int k, float alpha, float[] a, int aOff, int lda, float[] b,
            int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
        try {
            SGEMM.invokeExact(order, ta, tb, m, n, k, alpha, a, 4L * aOff, lda, b, 4L * bOff, ldb, beta, c, 4L * cOff, ldc);
        } catch (Throwable t) {
            throw failed("cblas_sgemm", t);
        }
    }

    static void dgemm(int order, int ta, int tb, int m, int n, int k, double alpha, double[] a, int aOff, int lda, double[] b,
            int bOff, int ldb, double beta, double[] c, int cOff, int ldc) {
        try {
            DGEMM.invokeExact(order, ta, tb, m, n, k, alpha, a, 8L * aOff, lda, b, 8L * bOff, ldb, beta, c, 8L * cOff, ldc);
        } catch (Throwable t) {
            throw failed("cblas_dgemm", t);
        }
    }

    static void strmm(int order, int side, int uplo, int ta, int diag, int m, int n, float alpha, float[] a, int aOff, int lda,
            float[] b, int bOff, int ldb) {
        try {
            STRMM.invokeExact(order, side, uplo, ta, diag, m, n, alpha, a, 4L * aOff, lda, b, 4L * bOff, ldb);
        } catch (Throwable t) {
            throw failed("cblas_strmm", t);
        }
    }

    static void sgemv(int order, int trans, int m, int n, float alpha, float[] a, int aOff, int lda, float[] x, int xOff, int incx,
            float beta, float[] y, int yOff, int incy) {
        try {
            SGEMV.invokeExact(order, trans, m, n, alpha, a, 4L * aOff, lda, x, 4L * xOff, incx, beta, y, 4L * yOff, incy);
        } catch (Throwable t) {
            throw failed("cblas_sgemv", t);
        }
    }

    /** What a failed call throws: runtime exceptions and errors as they are, anything else wrapped. */
    private static RuntimeException failed(String routine, Throwable t) {
        if (t instanceof Error e) {
            throw e;
        }
        return t instanceof RuntimeException r ? r : new IllegalStateException(routine + " failed", t);
    }

    /** The foreign-function API reached by reflection, and the OpenBLAS library JavaCPP loaded. */
    private static final class Linked {
        private final MethodHandles.Lookup lookup = MethodHandles.publicLookup();
        private final Class<?> segment = Class.forName("java.lang.foreign.MemorySegment");
        private final Class<?> layout = Class.forName("java.lang.foreign.MemoryLayout");
        private final Class<?> valueLayout = Class.forName("java.lang.foreign.ValueLayout");
        private final Class<?> descriptor = Class.forName("java.lang.foreign.FunctionDescriptor");
        private final Class<?> linkerClass = Class.forName("java.lang.foreign.Linker");
        private final Class<?> option = Class.forName("java.lang.foreign.Linker$Option");
        private final Class<?> symbolLookup = Class.forName("java.lang.foreign.SymbolLookup");
        private final Object linker = linkerClass.getMethod("nativeLinker").invoke(null);
        private final Object critical = option.getMethod("critical", boolean.class).invoke(null, true);
        private final Object symbols = openBlasSymbols();

        Linked() throws ReflectiveOperationException {
        }

        /** void gemm(order, ta, tb, m, n, k, T alpha, T* a, lda, T* b, ldb, T beta, T* c, ldc). */
        MethodHandle gemm(String name, Class<?> scalar, Class<?> array) throws ReflectiveOperationException {
            Object i = layout("JAVA_INT"), s = layout(scalar == float.class ? "JAVA_FLOAT" : "JAVA_DOUBLE"), p = layout("ADDRESS");
            MethodHandle h = downcall(name, i, i, i, i, i, i, s, p, i, p, i, s, p, i);
            return heapArrays(h, array, 7, 9, 12);
        }

        /** void trmm(order, side, uplo, ta, diag, m, n, T alpha, T* a, lda, T* b, ldb). */
        MethodHandle trmm(String name, Class<?> scalar, Class<?> array) throws ReflectiveOperationException {
            Object i = layout("JAVA_INT"), s = layout(scalar == float.class ? "JAVA_FLOAT" : "JAVA_DOUBLE"), p = layout("ADDRESS");
            MethodHandle h = downcall(name, i, i, i, i, i, i, i, s, p, i, p, i);
            return heapArrays(h, array, 8, 10);
        }

        /** void gemv(order, trans, m, n, T alpha, T* a, lda, T* x, incx, T beta, T* y, incy). */
        MethodHandle gemv(String name, Class<?> scalar, Class<?> array) throws ReflectiveOperationException {
            Object i = layout("JAVA_INT"), s = layout(scalar == float.class ? "JAVA_FLOAT" : "JAVA_DOUBLE"), p = layout("ADDRESS");
            MethodHandle h = downcall(name, i, i, i, i, s, p, i, p, i, s, p, i);
            return heapArrays(h, array, 5, 7, 10);
        }

        private Object layout(String field) throws ReflectiveOperationException {
            return valueLayout.getField(field).get(null);
        }

        private MethodHandle downcall(String name, Object... arguments) throws ReflectiveOperationException {
            Object layouts = Array.newInstance(layout, arguments.length);
            for (int j = 0; j < arguments.length; j++) {
                Array.set(layouts, j, arguments[j]);
            }
            Object fd = descriptor.getMethod("ofVoid", layouts.getClass()).invoke(null, layouts);
            Optional<?> address = (Optional<?>) symbolLookup.getMethod("find", String.class).invoke(symbols, name);
            if (address.isEmpty()) {
                throw new NoSuchMethodException(name + " is not in the loaded OpenBLAS");
            }
            Object options = Array.newInstance(option, 1);
            Array.set(options, 0, critical);
            Method downcall = linkerClass.getMethod("downcallHandle", segment, descriptor, options.getClass());
            return (MethodHandle) downcall.invoke(linker, address.get(), fd, options);
        }

        /**
         * Replaces each MemorySegment argument at the given positions (of the original handle) by an (array, byte offset)
         * pair: the segment becomes {@code MemorySegment.ofArray(array).asSlice(offset)}.
         */
        private MethodHandle heapArrays(MethodHandle h, Class<?> array, int... positions) throws ReflectiveOperationException {
            MethodHandle ofArray = lookup.findStatic(segment, "ofArray", MethodType.methodType(segment, array));
            MethodHandle asSlice = lookup.findVirtual(segment, "asSlice", MethodType.methodType(segment, long.class));
            MethodHandle slice = MethodHandles.collectArguments(asSlice, 0, ofArray); // (array, long) -> segment
            int shift = 0;
            for (int position : positions) {
                h = MethodHandles.collectArguments(h, position + shift, slice);
                shift++;
            }
            return h;
        }

        /** A lookup over the OpenBLAS library that JavaCPP loaded (the full one, with LAPACK). */
        private Object openBlasSymbols() throws ReflectiveOperationException {
            org.bytedeco.javacpp.Loader.load(org.bytedeco.openblas.global.openblas_full.class);
            Path library = null;
            for (Map.Entry<String, String> e : org.bytedeco.javacpp.Loader.getLoadedLibraries().entrySet()) {
                String file = e.getValue() == null ? "" : Path.of(e.getValue()).getFileName().toString();
                if (file.startsWith("libopenblas.so") || file.equals("libopenblas.dylib") || file.equals("libopenblas.dll")) {
                    library = Path.of(e.getValue());
                }
            }
            if (library == null) {
                throw new ClassNotFoundException("JavaCPP loaded no libopenblas: " + org.bytedeco.javacpp.Loader.getLoadedLibraries().values());
            }
            Class<?> arena = Class.forName("java.lang.foreign.Arena");
            Object global = arena.getMethod("global").invoke(null);
            return symbolLookup.getMethod("libraryLookup", Path.class, arena).invoke(null, library, global);
        }
    }
}
