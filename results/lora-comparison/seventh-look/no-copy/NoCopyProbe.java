import static org.bytedeco.openblas.global.openblas_full.*;

import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.Random;
import org.bytedeco.javacpp.FloatPointer;

/**
 * Does JavaCPP's float[] / heap FloatBuffer overload of cblas_sgemm hand the Java array to OpenBLAS without a copy?
 *
 * Part 1 (copy probe): a 1x1x1 product whose operands sit in arrays of growing length. Without a copy the time
 * would not depend on the array length; with Get<Float>ArrayElements (HotSpot: malloc + copy of the whole
 * array, and a copy back for C) it grows linearly with it.
 *
 * Part 2 (offset probe): a heap FloatBuffer wrapping the array at an offset, checked against the expected product.
 *
 * Part 3 (timings): staged (what NativeBackend does: put A, B into reused native buffers, sgemm, get C back) vs the
 * float[] overload vs the heap FloatBuffer overload vs sgemm on native buffers with no copy at all (lower bound),
 * for the four LoRA-step shapes, alternating the variants each round; medians in microseconds.
 */
public class NoCopyProbe {
    public static void main(String[] args) {
        openblas_set_num_threads(1);
        System.out.println("core: " + openblas_get_corename().getString() + " threads " + openblas_get_num_threads()
                + " java " + System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
        if (args.length > 0 && args[0].equals("slice")) {
            sliceProbe(); // run alone: it crashes the JVM with JavaCPP 1.5.13 (see below)
            return;
        }
        copyProbe();
        offsetProbe();
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 15;
        int[][] shapes = {{1024, 320, 864}, {1024, 864, 320}, {1024, 320, 8}, {1024, 8, 320}};
        for (int[] s : shapes) {
            time(s[0], s[1], s[2], rounds);
        }
    }

    static void copyProbe() {
        System.out.println("-- copy probe: 1x1x1 sgemm, operands in arrays of length L (float[] overload), median us");
        for (int len : new int[] {1 << 10, 1 << 16, 1 << 20, 1 << 22, 1 << 24}) {
            float[] a = new float[len], b = new float[len], c = new float[len];
            a[0] = 2;
            b[0] = 3;
            long[] t = new long[21];
            for (int r = 0; r < t.length; r++) {
                long t0 = System.nanoTime();
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, 1, 1, 1, 1f, a, 1, b, 1, 0f, c, 1);
                t[r] = System.nanoTime() - t0;
            }
            FloatPointer pa = new FloatPointer(len), pb = new FloatPointer(len), pc = new FloatPointer(len);
            pa.put(0, 2f);
            pb.put(0, 3f);
            long[] u = new long[21];
            for (int r = 0; r < u.length; r++) {
                long t0 = System.nanoTime();
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, 1, 1, 1, 1f, pa, 1, pb, 1, 0f, pc, 1);
                u[r] = System.nanoTime() - t0;
            }
            System.out.printf("L=%9d (%7.1f MB each): float[] %9.1f us   FloatPointer %6.1f us   c[0]=%.0f%n", len,
                    len * 4 / 1e6, med(t) / 1e3, med(u) / 1e3, c[0]);
            pa.close();
            pb.close();
            pc.close();
        }
    }

    static void offsetProbe() {
        // 2x2 times 2x2 with every operand starting at offset 5 of a larger array
        float[] a = new float[16], b = new float[16], c = new float[16];
        Arrays.fill(c, Float.NaN);
        float[] av = {1, 2, 3, 4}, bv = {5, 6, 7, 8};
        System.arraycopy(av, 0, a, 5, 4);
        System.arraycopy(bv, 0, b, 5, 4);
        FloatBuffer fa = FloatBuffer.wrap(a, 5, 4), fb = FloatBuffer.wrap(b, 5, 4), fc = FloatBuffer.wrap(c, 5, 4);
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, 2, 2, 2, 1f, fa, 2, fb, 2, 0f, fc, 2);
        System.out.println("-- offset probe: heap FloatBuffer.wrap(arr, 5, 4): c = " + Arrays.toString(c)
                + " (expect 19 22 43 50 at [5..8], NaN elsewhere)");
    }

    /** A heap buffer whose arrayOffset() is not 0 (slice of a wrapped array). */
    static void sliceProbe() {
        float[] a = new float[16], b = new float[16];
        float[] av = {1, 2, 3, 4}, bv = {5, 6, 7, 8};
        System.arraycopy(av, 0, a, 5, 4);
        System.arraycopy(bv, 0, b, 5, 4);
        System.out.println("-- slice probe: heap buffers with arrayOffset 5 (slice()), about to call sgemm");
        System.out.flush();
        float[] c2 = new float[16];
        Arrays.fill(c2, Float.NaN);
        FloatBuffer sa = FloatBuffer.wrap(a).position(5).slice(), sb = FloatBuffer.wrap(b).position(5).slice();
        FloatBuffer sc = FloatBuffer.wrap(c2).position(5).slice();
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, 2, 2, 2, 1f, sa, 2, sb, 2, 0f, sc, 2);
        System.out.println("   slice() (arrayOffset 5):            c = " + Arrays.toString(c2));
    }

    static void time(int m, int k, int n, int rounds) {
        Random rnd = new Random(1);
        float[] a = new float[m * k], b = new float[k * n], c = new float[m * n];
        for (int i = 0; i < a.length; i++) a[i] = rnd.nextFloat() - 0.5f;
        for (int i = 0; i < b.length; i++) b[i] = rnd.nextFloat() - 0.5f;
        FloatPointer pa = new FloatPointer(a.length), pb = new FloatPointer(b.length), pc = new FloatPointer(c.length);
        pa.put(a, 0, a.length);
        pb.put(b, 0, b.length);
        FloatBuffer ba = FloatBuffer.wrap(a), bb = FloatBuffer.wrap(b), bc = FloatBuffer.wrap(c);
        int reps = Math.max(1, (int) (2e8 / (2.0 * m * k * n))); // ~a few ms per sample
        String[] names = {"staged (now)", "float[] overload", "heap FloatBuffer", "native only (no copy)"};
        long[][] t = new long[4][rounds];
        for (int w = 0; w < 3; w++) { // warm-up
            for (int v = 0; v < 4; v++) run(v, m, k, n, a, b, c, pa, pb, pc, ba, bb, bc, reps);
        }
        for (int r = 0; r < rounds; r++) {
            for (int v0 = 0; v0 < 4; v0++) {
                int v = (v0 + r) % 4; // rotate the order each round
                long t0 = System.nanoTime();
                run(v, m, k, n, a, b, c, pa, pb, pc, ba, bb, bc, reps);
                t[v][r] = (System.nanoTime() - t0) / reps;
            }
        }
        System.out.printf("-- %dx%d * %dx%d (%d calls per sample, %d samples), median us per call%n", m, k, k, n, reps, rounds);
        for (int v = 0; v < 4; v++) {
            System.out.printf("   %-22s %9.1f%n", names[v], med(t[v]) / 1e3);
        }
        // agreement of the routes
        float[] ref = c.clone();
        run(1, m, k, n, a, b, c, pa, pb, pc, ba, bb, bc, 1);
        float diff = 0;
        for (int i = 0; i < c.length; i++) diff = Math.max(diff, Math.abs(c[i] - ref[i]));
        System.out.printf("   max |float[] - buffer route| = %g%n", diff);
        pa.close();
        pb.close();
        pc.close();
    }

    static void run(int v, int m, int k, int n, float[] a, float[] b, float[] c, FloatPointer pa, FloatPointer pb,
            FloatPointer pc, FloatBuffer ba, FloatBuffer bb, FloatBuffer bc, int reps) {
        for (int i = 0; i < reps; i++) {
            switch (v) {
                case 0 -> {
                    pa.position(0).put(a, 0, a.length);
                    pb.position(0).put(b, 0, b.length);
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1f, pa, k, pb, n, 0f, pc, n);
                    pc.position(0).get(c, 0, c.length);
                }
                case 1 -> cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1f, a, k, b, n, 0f, c, n);
                case 2 -> cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1f, ba, k, bb, n, 0f, bc, n);
                default -> cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1f, pa, k, pb, n, 0f, pc, n);
            }
        }
    }

    static double med(long[] x) {
        long[] s = x.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2.0;
    }
}
