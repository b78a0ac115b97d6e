package org.lowrank4j.nn.tensor;

import java.util.Random;

/**
 * One layer's causal attention softmax on the SOTU decoder's shape (4 × 8 heads, 256 rows of 256 keys), the Vector API
 * row (VectorKernels.softmaxRow) against the plain-Java row (FloatKernels.softmaxRowPlain), and the exponential over
 * 1,024 × 864 values (SwiGLU's) both ways; medians of 40 calls over 5 rounds, alternating.
 * Run from the repository root after mvn install (see probe.sh).
 */
public final class SoftmaxProbe {
    public static void main(String[] args) {
        int rows = 32 * 256, keys = 256;
        float[] src = new float[rows * keys], p = new float[src.length];
        Random r = new Random(1);
        for (int i = 0; i < src.length; i++) {
            src[i] = (float) r.nextGaussian() * 3;
        }
        float[] x = new float[1024 * 864], e = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian() * 2;
        }
        FloatExp.Scratch scratch = new FloatExp.Scratch();
        float[] lanes = new float[VectorKernels.lanes()];
        System.out.println(Runtime.version() + ", " + Simd.describe());
        for (int round = 1; round <= 5; round++) {
            double[] plain = new double[40], vector = new double[40], expPlain = new double[40], expVector = new double[40];
            for (int it = 0; it < 40; it++) {
                System.arraycopy(src, 0, p, 0, src.length);
                long t0 = System.nanoTime();
                for (int row = 0; row < rows; row++) {
                    FloatKernels.softmaxRowPlain(p, row * keys, 0, row % 256 + 1, keys, scratch);
                }
                plain[it] = (System.nanoTime() - t0) / 1e3;
                System.arraycopy(src, 0, p, 0, src.length);
                t0 = System.nanoTime();
                for (int row = 0; row < rows; row++) {
                    VectorKernels.softmaxRow(p, row * keys, 0, row % 256 + 1, keys, lanes);
                }
                vector[it] = (System.nanoTime() - t0) / 1e3;
                t0 = System.nanoTime();
                FloatExp.expLoops(x, e, 0, x.length, -1f, 0f, scratch);
                expPlain[it] = (System.nanoTime() - t0) / 1e3;
                t0 = System.nanoTime();
                VectorKernels.exp(x, e, 0, x.length, -1f, 0f);
                expVector[it] = (System.nanoTime() - t0) / 1e3;
            }
            System.out.printf("round %d: causal softmax, one layer: plain %.0f us, vector %.0f us; e^-x over 1024 x 864: plain %.0f us,"
                    + " vector %.0f us%n", round, median(plain), median(vector), median(expPlain), median(expVector));
        }
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        java.util.Arrays.sort(s);
        return s[s.length / 2];
    }
}
