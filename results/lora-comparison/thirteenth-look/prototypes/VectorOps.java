package org.lowrank4j.nn.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

final class VectorOps {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final float LOW = -87f, HIGH = 88f, LOG2E = 1.44269504088896341f, ROUNDER = 12582912f;

    static FloatVector exp(FloatVector x) {
        FloatVector c = x.max(LOW).min(HIGH);
        FloatVector rounded = c.mul(LOG2E).add(ROUNDER);
        FloatVector k = rounded.sub(ROUNDER);
        FloatVector r = c.sub(k.mul(0.693359375f)).add(k.mul(2.12194440e-4f));
        FloatVector p = FloatVector.broadcast(S, 1.9875691500e-4f);
        p = p.mul(r).add(1.3981999507e-3f);
        p = p.mul(r).add(8.3334519073e-3f);
        p = p.mul(r).add(4.1665795894e-2f);
        p = p.mul(r).add(1.6666665459e-1f);
        p = p.mul(r).add(5.0000001201e-1f);
        FloatVector poly = p.mul(r).mul(r).add(r).add(1f);
        IntVector bits = rounded.reinterpretAsInts().lanewise(VectorOperators.LSHL, 23).add(0x3F800000);
        return poly.mul(bits.reinterpretAsFloats());
    }

    static void exp(float[] x, float[] out, int from, int to, float sign, float shift) {
        int L = S.length(), i = from;
        for (; i + L <= to; i += L) {
            exp(FloatVector.fromArray(S, x, i).mul(sign).add(shift)).intoArray(out, i);
        }
        if (i < to) {
            VectorMask<Float> m = S.indexInRange(i, to);
            exp(FloatVector.fromArray(S, x, i, m).mul(sign).add(shift)).intoArray(out, i, m);
        }
    }

    static void softmaxRow(float[] p, int base, int first, int limit, int keys) {
        int L = S.length();
        int from = base + first, to = base + limit;
        FloatVector mv = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        int s = from;
        for (; s + L <= to; s += L) mv = mv.max(FloatVector.fromArray(S, p, s));
        float max = mv.reduceLanes(VectorOperators.MAX);
        for (; s < to; s++) max = p[s] > max ? p[s] : max;
        FloatVector sv = FloatVector.zero(S);
        s = from;
        for (; s + L <= to; s += L) {
            FloatVector e = exp(FloatVector.fromArray(S, p, s).sub(max));
            e.intoArray(p, s);
            sv = sv.add(e);
        }
        if (s < to) {
            VectorMask<Float> m = S.indexInRange(s, to);
            FloatVector e = exp(FloatVector.fromArray(S, p, s, m).sub(max));
            e.intoArray(p, s, m);
            sv = sv.add(e, m);
        }
        float sum = sv.reduceLanes(VectorOperators.ADD);
        float inv = sum > 0 ? 1 / sum : Float.isNaN(sum) ? Float.NaN : 0;
        s = from;
        for (; s + L <= to; s += L) FloatVector.fromArray(S, p, s).mul(inv).intoArray(p, s);
        for (; s < to; s++) p[s] *= inv;
        java.util.Arrays.fill(p, base, from, 0f);
        java.util.Arrays.fill(p, to, base + keys, 0f);
    }

    /** c[n*r + j] = alpha * dot(x[n*k ..], w[j*k ..]) + beta * c[n*r + j], rows [n0, n1). */
    static void dotRows(float[] x, float[] w, float[] c, int n0, int n1, int k, int r, float alpha, float beta) {
        int L = S.length();
        for (int n = n0; n < n1; n++) {
            int xo = n * k;
            int j = 0;
            for (; j + 4 <= r; j += 4) {
                FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
                int w0 = j * k, w1 = w0 + k, w2 = w1 + k, w3 = w2 + k;
                int t = 0;
                for (; t + L <= k; t += L) {
                    FloatVector xv = FloatVector.fromArray(S, x, xo + t);
                    a0 = xv.fma(FloatVector.fromArray(S, w, w0 + t), a0);
                    a1 = xv.fma(FloatVector.fromArray(S, w, w1 + t), a1);
                    a2 = xv.fma(FloatVector.fromArray(S, w, w2 + t), a2);
                    a3 = xv.fma(FloatVector.fromArray(S, w, w3 + t), a3);
                }
                if (t < k) {
                    VectorMask<Float> m = S.indexInRange(t, k);
                    FloatVector xv = FloatVector.fromArray(S, x, xo + t, m);
                    a0 = xv.fma(FloatVector.fromArray(S, w, w0 + t, m), a0);
                    a1 = xv.fma(FloatVector.fromArray(S, w, w1 + t, m), a1);
                    a2 = xv.fma(FloatVector.fromArray(S, w, w2 + t, m), a2);
                    a3 = xv.fma(FloatVector.fromArray(S, w, w3 + t, m), a3);
                }
                int co = n * r + j;
                c[co] = alpha * a0.reduceLanes(VectorOperators.ADD) + (beta == 0 ? 0 : beta * c[co]);
                c[co + 1] = alpha * a1.reduceLanes(VectorOperators.ADD) + (beta == 0 ? 0 : beta * c[co + 1]);
                c[co + 2] = alpha * a2.reduceLanes(VectorOperators.ADD) + (beta == 0 ? 0 : beta * c[co + 2]);
                c[co + 3] = alpha * a3.reduceLanes(VectorOperators.ADD) + (beta == 0 ? 0 : beta * c[co + 3]);
            }
            for (; j < r; j++) {
                FloatVector a0 = FloatVector.zero(S);
                int w0 = j * k, t = 0;
                for (; t + L <= k; t += L) {
                    a0 = FloatVector.fromArray(S, x, xo + t).fma(FloatVector.fromArray(S, w, w0 + t), a0);
                }
                if (t < k) {
                    VectorMask<Float> m = S.indexInRange(t, k);
                    a0 = FloatVector.fromArray(S, x, xo + t, m).fma(FloatVector.fromArray(S, w, w0 + t, m), a0);
                }
                int co = n * r + j;
                c[co] = alpha * a0.reduceLanes(VectorOperators.ADD) + (beta == 0 ? 0 : beta * c[co]);
            }
        }
    }

    /** c[n*m ..] = beta*c + alpha * sum_j h[n*r + j] * w[j*m ..], rows [n0, n1). */
    static void axpyRows(float[] h, float[] w, float[] c, int n0, int n1, int r, int m, float alpha, float beta) {
        int L = S.length();
        for (int n = n0; n < n1; n++) {
            int co = n * m, ho = n * r;
            int t = 0;
            for (; t < m; t += L) {
                VectorMask<Float> mask = S.indexInRange(t, m);
                FloatVector acc = beta == 0 ? FloatVector.zero(S) : FloatVector.fromArray(S, c, co + t, mask);
                if (beta != 0 && beta != 1) acc = acc.mul(beta);
                for (int j = 0; j < r; j++) {
                    acc = FloatVector.fromArray(S, w, j * m + t, mask).fma(FloatVector.broadcast(S, alpha * h[ho + j]), acc);
                }
                acc.intoArray(c, co + t, mask);
            }
        }
    }

    /** e[j*m + c] += alpha * sum_n h[n*r + j] * y[n*m + c], for columns chunk [c0, c1) (multiples of L except the end). */
    static void gramT(float[] h, float[] y, float[] e, int n, int r, int m, int c0, int c1, float alpha) {
        int L = S.length();
        for (int t = c0; t < c1; t += L) {
            VectorMask<Float> mask = S.indexInRange(t, c1);
            int j = 0;
            for (; j + 4 <= r; j += 4) {
                FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
                for (int i = 0; i < n; i++) {
                    FloatVector yv = FloatVector.fromArray(S, y, i * m + t, mask);
                    int ho = i * r + j;
                    a0 = yv.fma(FloatVector.broadcast(S, h[ho]), a0);
                    a1 = yv.fma(FloatVector.broadcast(S, h[ho + 1]), a1);
                    a2 = yv.fma(FloatVector.broadcast(S, h[ho + 2]), a2);
                    a3 = yv.fma(FloatVector.broadcast(S, h[ho + 3]), a3);
                }
                FloatVector.fromArray(S, e, j * m + t, mask).add(a0.mul(alpha)).intoArray(e, j * m + t, mask);
                FloatVector.fromArray(S, e, (j + 1) * m + t, mask).add(a1.mul(alpha)).intoArray(e, (j + 1) * m + t, mask);
                FloatVector.fromArray(S, e, (j + 2) * m + t, mask).add(a2.mul(alpha)).intoArray(e, (j + 2) * m + t, mask);
                FloatVector.fromArray(S, e, (j + 3) * m + t, mask).add(a3.mul(alpha)).intoArray(e, (j + 3) * m + t, mask);
            }
            for (; j < r; j++) {
                FloatVector a0 = FloatVector.zero(S);
                for (int i = 0; i < n; i++) {
                    a0 = FloatVector.fromArray(S, y, i * m + t, mask).fma(FloatVector.broadcast(S, h[i * r + j]), a0);
                }
                FloatVector.fromArray(S, e, j * m + t, mask).add(a0.mul(alpha)).intoArray(e, j * m + t, mask);
            }
        }
    }
}
