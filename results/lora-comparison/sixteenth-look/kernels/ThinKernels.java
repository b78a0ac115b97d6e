package org.lowrank4j.nn.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API form of {@link ThinProducts}: each output row of r = 8 or 16 floats is one or two 8-lane vectors, and
 * c[i,:] = Σ_t U(i,t)·v[t,:] runs as one broadcast and fused multiply-add per (i, t), with U(i,t) = u[i·rowStep + t·step]
 * (u's rows or, transposed, its columns). Eight output rows (four at r = 16) are accumulated at once, so each row of v
 * is loaded once for all of them, and nothing is packed. The sum over t goes in blocks of {@link #BLOCK}: each block's
 * partial sum is added into c, as BLAS adds its panels. Every output row is summed in the same order whichever rows
 * share its block and however the rows are split over threads, so results do not depend on the split. Loaded only
 * when {@link Simd#ON}.
 */
final class ThinKernels {
    private ThinKernels() {
    }

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_256;
    private static final int LANES = 8;
    static final int BLOCK = 256;

    /** True where 8-lane float vectors are native (AVX2, AVX-512, 256-bit SVE); elsewhere they would be emulated. */
    static boolean usable() {
        return FloatVector.SPECIES_PREFERRED.vectorBitSize() >= 256;
    }

    /**
     * c[i·r, (i+1)·r) = alpha·Σ_{t<k} u[i·rowStep + t·step]·v[t·r, (t+1)·r) + beta·c[...] for rows i in [from, to);
     * r is 8 or 16.
     */
    static void rows(float[] c, float[] u, int rowStep, int step, float[] v, int k, int r, float alpha, float beta, int from, int to) {
        for (int t0 = 0; t0 < k || t0 == 0; t0 += BLOCK) { // k = 0 still scales c by beta
            int t1 = Math.min(k, t0 + BLOCK);
            float keep = t0 == 0 ? beta : 1;
            if (r == LANES) {
                rows8(c, u, rowStep, step, v, t0, t1, alpha, keep, from, to);
            } else {
                rows16(c, u, rowStep, step, v, t0, t1, alpha, keep, from, to);
            }
        }
    }

    private static void rows8(float[] c, float[] u, int rs, int st, float[] v, int t0, int t1, float alpha, float beta, int from, int to) {
        int i = from;
        for (; i + 7 < to; i += 8) {
            FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
            for (int t = t0, p = i * rs + t0 * st; t < t1; t++, p += st) {
                FloatVector w = FloatVector.fromArray(S, v, t * LANES);
                a0 = FloatVector.broadcast(S, u[p]).fma(w, a0);
                a1 = FloatVector.broadcast(S, u[p + rs]).fma(w, a1);
                a2 = FloatVector.broadcast(S, u[p + 2 * rs]).fma(w, a2);
                a3 = FloatVector.broadcast(S, u[p + 3 * rs]).fma(w, a3);
                a4 = FloatVector.broadcast(S, u[p + 4 * rs]).fma(w, a4);
                a5 = FloatVector.broadcast(S, u[p + 5 * rs]).fma(w, a5);
                a6 = FloatVector.broadcast(S, u[p + 6 * rs]).fma(w, a6);
                a7 = FloatVector.broadcast(S, u[p + 7 * rs]).fma(w, a7);
            }
            int at = i * LANES;
            put(c, at, a0, alpha, beta);
            put(c, at + LANES, a1, alpha, beta);
            put(c, at + 2 * LANES, a2, alpha, beta);
            put(c, at + 3 * LANES, a3, alpha, beta);
            put(c, at + 4 * LANES, a4, alpha, beta);
            put(c, at + 5 * LANES, a5, alpha, beta);
            put(c, at + 6 * LANES, a6, alpha, beta);
            put(c, at + 7 * LANES, a7, alpha, beta);
        }
        for (; i < to; i++) {
            FloatVector a0 = FloatVector.zero(S);
            for (int t = t0, p = i * rs + t0 * st; t < t1; t++, p += st) {
                a0 = FloatVector.broadcast(S, u[p]).fma(FloatVector.fromArray(S, v, t * LANES), a0);
            }
            put(c, i * LANES, a0, alpha, beta);
        }
    }

    private static void rows16(float[] c, float[] u, int rs, int st, float[] v, int t0, int t1, float alpha, float beta, int from, int to) {
        int i = from;
        for (; i + 3 < to; i += 4) {
            FloatVector a0 = FloatVector.zero(S), b0 = a0, a1 = a0, b1 = a0, a2 = a0, b2 = a0, a3 = a0, b3 = a0;
            for (int t = t0, p = i * rs + t0 * st; t < t1; t++, p += st) {
                FloatVector w = FloatVector.fromArray(S, v, t * 2 * LANES), x = FloatVector.fromArray(S, v, t * 2 * LANES + LANES);
                FloatVector e = FloatVector.broadcast(S, u[p]);
                a0 = e.fma(w, a0);
                b0 = e.fma(x, b0);
                e = FloatVector.broadcast(S, u[p + rs]);
                a1 = e.fma(w, a1);
                b1 = e.fma(x, b1);
                e = FloatVector.broadcast(S, u[p + 2 * rs]);
                a2 = e.fma(w, a2);
                b2 = e.fma(x, b2);
                e = FloatVector.broadcast(S, u[p + 3 * rs]);
                a3 = e.fma(w, a3);
                b3 = e.fma(x, b3);
            }
            int at = i * 2 * LANES;
            put(c, at, a0, alpha, beta);
            put(c, at + LANES, b0, alpha, beta);
            put(c, at + 2 * LANES, a1, alpha, beta);
            put(c, at + 3 * LANES, b1, alpha, beta);
            put(c, at + 4 * LANES, a2, alpha, beta);
            put(c, at + 5 * LANES, b2, alpha, beta);
            put(c, at + 6 * LANES, a3, alpha, beta);
            put(c, at + 7 * LANES, b3, alpha, beta);
        }
        for (; i < to; i++) {
            FloatVector a0 = FloatVector.zero(S), b0 = a0;
            for (int t = t0, p = i * rs + t0 * st; t < t1; t++, p += st) {
                FloatVector e = FloatVector.broadcast(S, u[p]);
                a0 = e.fma(FloatVector.fromArray(S, v, t * 2 * LANES), a0);
                b0 = e.fma(FloatVector.fromArray(S, v, t * 2 * LANES + LANES), b0);
            }
            put(c, i * 2 * LANES, a0, alpha, beta);
            put(c, i * 2 * LANES + LANES, b0, alpha, beta);
        }
    }

    /** c[at, at + 8) = alpha·sum + beta·c (beta 0 ignores what c held, as BLAS does). */
    private static void put(float[] c, int at, FloatVector sum, float alpha, float beta) {
        FloatVector r = sum.mul(alpha);
        if (beta != 0) {
            r = FloatVector.fromArray(S, c, at).mul(beta).add(r);
        }
        r.intoArray(c, at);
    }
}
