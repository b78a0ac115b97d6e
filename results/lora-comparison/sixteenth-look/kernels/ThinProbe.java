package org.lowrank4j.nn.tensor;

import java.util.*;

/**
 * Each of the LoRA branch's four thin products through ThinProducts (Vector API kernels) and through MatMul (OpenBLAS),
 * interleaved call by call in one JVM on the bench's shapes (N = 1,024 tokens, in = 320, out = 320 or 160, r = 8):
 * median microseconds of each over ROUNDS rounds of REPS calls. args: out rounds reps
 */
public class ThinProbe {
    interface Op { void run(); }

    public static void main(String[] a) {
        int out = Integer.parseInt(a[0]), rounds = Integer.parseInt(a[1]), reps = Integer.parseInt(a[2]);
        int n = 1024, in = 320, r = 8;
        Random rnd = new Random(1);
        Precision f = Precision.FLOAT32;
        Tensor x = Tensor.gaussian(f, rnd, 1, n, in), dy = Tensor.gaussian(f, rnd, 1, n, out);
        Tensor A = Tensor.gaussian(f, rnd, 1, r, in), B = Tensor.gaussian(f, rnd, 1, out, r);
        Tensor h = Tensor.zeros(f, n, r), g = Tensor.gaussian(f, rnd, 1, n, r), dA = Tensor.zeros(f, r, in), dB = Tensor.zeros(f, out, r);
        String[] names = {"H = X·Aᵀ", "G = s·dY·B", "dA += Gᵀ·X", "dB += s·dYᵀ·H"};
        Op[] blas = {
            () -> MatMul.timesTransposed(h, x, A, 0),
            () -> MatMul.gemm(2, dy.matrix(), B.matrix(), 0, g.matrix()),
            () -> MatMul.addTransposedTimes(dA, g, x),
            () -> MatMul.gemm(2, dy.matrix().transpose(), h.matrix(), 1, dB.matrix())};
        Op[] thin = {
            () -> ThinProducts.timesTransposed(h, x, A, 1, 0),
            () -> ThinProducts.times(g, dy, B, 2, 0),
            () -> ThinProducts.addTransposedTimesWide(dA, g, x, 1),
            () -> ThinProducts.transposedTimes(dB, dy, h, 2, 1)};
        double[][][] t = new double[4][2][rounds];
        for (int round = -3; round < rounds; round++) {
            for (int p = 0; p < 4; p++) {
                for (int w = 0; w < 2; w++) {
                    Op op = w == 0 ? blas[p] : thin[p];
                    long s = System.nanoTime();
                    for (int i = 0; i < reps; i++) op.run();
                    if (round >= 0) t[p][w][round] = (System.nanoTime() - s) / 1e3 / reps;
                }
            }
        }
        System.out.printf("out = %d (ThinProducts.ON %s): median µs over %d rounds of %d calls, interleaved%n", out, ThinProducts.ON, rounds, reps);
        double sb = 0, st = 0;
        for (int p = 0; p < 4; p++) {
            double mb = median(t[p][0]), mt = median(t[p][1]);
            sb += mb;
            st += mt;
            System.out.printf("  %-14s BLAS %6.1f  kernels %6.1f  ratio %.2f%n", names[p], mb, mt, mt / mb);
        }
        System.out.printf("  %-14s BLAS %6.1f  kernels %6.1f  ratio %.2f%n", "all four", sb, st, st / sb);
    }

    static double median(double[] v) {
        double[] c = v.clone();
        Arrays.sort(c);
        return c[c.length / 2];
    }
}
