package org.lowrank4j.nn.tensor;
import java.util.*;
import jdk.incubator.vector.*;

public class ThinB {
  static final VectorSpecies<Float> S = FloatVector.SPECIES_256;
  /** c[i*8 + :] = alpha * sum_t u[off + i*si + t*st] * v[t*8 + :] + beta*c, rows [from,to), t in [0,k). r = 8. */
  static void rows8(float[] c, float[] u, int si, int st, float[] v, int k, float alpha, float beta, int from, int to) {
    int i = from;
    for (; i + 7 < to; i += 8) {
      FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
      int p = i * si;
      for (int t = 0; t < k; t++, p += st) {
        FloatVector w = FloatVector.fromArray(S, v, t * 8);
        a0 = FloatVector.broadcast(S, u[p]).fma(w, a0);
        a1 = FloatVector.broadcast(S, u[p + si]).fma(w, a1);
        a2 = FloatVector.broadcast(S, u[p + 2 * si]).fma(w, a2);
        a3 = FloatVector.broadcast(S, u[p + 3 * si]).fma(w, a3);
        a4 = FloatVector.broadcast(S, u[p + 4 * si]).fma(w, a4);
        a5 = FloatVector.broadcast(S, u[p + 5 * si]).fma(w, a5);
        a6 = FloatVector.broadcast(S, u[p + 6 * si]).fma(w, a6);
        a7 = FloatVector.broadcast(S, u[p + 7 * si]).fma(w, a7);
      }
      store(c, i * 8, a0, alpha, beta); store(c, i * 8 + 8, a1, alpha, beta); store(c, i * 8 + 16, a2, alpha, beta); store(c, i * 8 + 24, a3, alpha, beta);
      store(c, i * 8 + 32, a4, alpha, beta); store(c, i * 8 + 40, a5, alpha, beta); store(c, i * 8 + 48, a6, alpha, beta); store(c, i * 8 + 56, a7, alpha, beta);
    }
    for (; i < to; i++) {
      FloatVector a0 = FloatVector.zero(S);
      int p = i * si;
      for (int t = 0; t < k; t++, p += st) a0 = FloatVector.broadcast(S, u[p]).fma(FloatVector.fromArray(S, v, t * 8), a0);
      store(c, i * 8, a0, alpha, beta);
    }
  }
  static void store(float[] c, int at, FloatVector a, float alpha, float beta) {
    FloatVector r = a.mul(alpha);
    if (beta != 0) r = FloatVector.fromArray(S, c, at).mul(beta).add(r);
    r.intoArray(c, at);
  }
  interface Op { void run(); }
  static double time(Op op, int reps) {
    double[] ts = new double[11];
    for (int q = 0; q < 11; q++) { long s = System.nanoTime(); for (int i = 0; i < reps; i++) op.run(); ts[q] = (System.nanoTime() - s) / 1e3 / reps; }
    Arrays.sort(ts); return ts[5];
  }
  static float[] d(Tensor t) { return ((FloatTensor) t).data(); }
  public static void main(String[] a) {
    int n = 1024, in = 320, r = 8, out = Integer.parseInt(a[0]); Random rnd = new Random(1); Precision F = Precision.FLOAT32;
    Tensor x = Tensor.gaussian(F, rnd, 1, n, in), dy = Tensor.gaussian(F, rnd, 1, n, out), A = Tensor.gaussian(F, rnd, 1, r, in), B = Tensor.gaussian(F, rnd, 1, out, r);
    Tensor h = Tensor.zeros(F, n, r), h2 = Tensor.zeros(F, n, r), dA = Tensor.zeros(F, r, in), g = Tensor.gaussian(F, rnd, 1, n, r), g2 = Tensor.zeros(F, n, r);
    Tensor dB = Tensor.zeros(F, out, r), dB2 = Tensor.zeros(F, out, r);
    float[] at = new float[in * r], T = new float[in * r];
    MatMul.timesTransposed(h, x, A, 0);
    float[] av = d(A); for (int j = 0; j < r; j++) for (int t = 0; t < in; t++) at[t * r + j] = av[j * in + t];
    rows8(d(h2), d(x), in, 1, at, in, 1f, 0f, 0, n);
    double e1 = 0; for (int i = 0; i < h.size(); i++) e1 = Math.max(e1, Math.abs(h.get(i) - h2.get(i)));
    MatMul.gemm(2, dy.matrix(), B.matrix(), 0, g2.matrix()); Tensor g3 = Tensor.zeros(F, n, r); rows8(d(g3), d(dy), out, 1, d(B), out, 2f, 0f, 0, n);
    double e3 = 0; for (int i = 0; i < g3.size(); i++) e3 = Math.max(e3, Math.abs(g3.get(i) - g2.get(i)));
    MatMul.gemm(2, dy.matrix().transpose(), h.matrix(), 1, dB.matrix()); rows8(d(dB2), d(dy), 1, out, d(h), n, 2f, 1f, 0, out);
    double e2 = 0; for (int i = 0; i < dB.size(); i++) e2 = Math.max(e2, Math.abs(dB.get(i) - dB2.get(i)));
    System.out.printf("check %.2e %.2e %.2e%n", e1, e3, e2);
    int reps = 300;
    for (int w = 0; w < 3; w++) {
      System.out.printf("out=%d us: H=XA' blas %.1f vec %.1f | G=dYB blas %.1f vec %.1f | dA+=G'X blas %.1f vec %.1f | dB+=dY'H blas %.1f vec %.1f%n", out,
        time(() -> MatMul.timesTransposed(h, x, A, 0), reps),
        time(() -> { float[] q = d(A); for (int j = 0; j < r; j++) for (int t = 0; t < in; t++) at[t * r + j] = q[j * in + t]; rows8(d(h2), d(x), in, 1, at, in, 1f, 0f, 0, n); }, reps),
        time(() -> MatMul.gemm(2, dy.matrix(), B.matrix(), 0, g.matrix()), reps),
        time(() -> rows8(d(g3), d(dy), out, 1, d(B), out, 2f, 0f, 0, n), reps),
        time(() -> MatMul.addTransposedTimes(dA, g, x), reps),
        time(() -> { rows8(T, d(x), 1, in, d(g), n, 1f, 0f, 0, in); float[] q = d(dA); for (int j = 0; j < r; j++) for (int t = 0; t < in; t++) q[j * in + t] += T[t * r + j]; }, reps),
        time(() -> MatMul.gemm(2, dy.matrix().transpose(), h.matrix(), 1, dB.matrix()), reps),
        time(() -> rows8(d(dB2), d(dy), 1, out, d(h), n, 2f, 1f, 0, out), reps));
    }
  }
}
