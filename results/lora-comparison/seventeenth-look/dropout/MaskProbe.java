package org.lowrank4j.adapt.lora;

import java.util.Arrays;
import java.util.Random;
import java.util.SplittableRandom;
import org.lowrank4j.nn.tensor.Kernels;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;

/**
 * One branch's dropout work on a 1024 × 320 float input, the way before (a double per entry through Tensor.set, then
 * x ⊙ keep; backward (G·A) ⊙ keep then added) against the one-pass mask and masked add, interleaved in one JVM; 24 such
 * branches make a LoRA step on the SOTU decoder.
 */
public class MaskProbe {
    /** Elementwise.multiply as it was (float arrays). */
    static void multiply(Tensor out, Tensor a, Tensor b) {
        float[] o = ((org.lowrank4j.nn.tensor.FloatTensor) out).data(), x = ((org.lowrank4j.nn.tensor.FloatTensor) a).data(),
                y = ((org.lowrank4j.nn.tensor.FloatTensor) b).data();
        for (int i = 0; i < o.length; i++) {
            o[i] = x[i] * y[i];
        }
    }

    public static void main(String[] a) {
        int rounds = Integer.parseInt(a[0]);
        double p = 0.05;
        Tensor x = Tensor.gaussian(Precision.FLOAT32, new Random(1), 1, 1024, 320), ga = Tensor.gaussian(Precision.FLOAT32, new Random(2), 1, 1024, 320);
        Tensor keep = Tensor.zeros(Precision.FLOAT32, 1024, 320), used = Tensor.zeros(Precision.FLOAT32, 1024, 320);
        Tensor dx = Tensor.zeros(Precision.FLOAT32, 1024, 320), tmp = Tensor.zeros(Precision.FLOAT32, 1024, 320);
        double[][] t = new double[4][rounds];
        for (int r = -20; r < rounds; r++) {
            long s0 = System.nanoTime();
            SplittableRandom random = new SplittableRandom(r);
            double kept = 1 / (1 - p);
            for (int i = 0; i < keep.size(); i++) {
                keep.set(i, random.nextDouble() < p ? 0 : kept);
            }
            multiply(used, x, keep);
            long s1 = System.nanoTime();
            tmp.copyFrom(ga);
            long s2 = System.nanoTime();
            multiply(tmp, tmp, keep);
            Kernels.of(dx).addInPlace(dx, tmp);
            long s3 = System.nanoTime();
            Elementwise.dropout(new SplittableRandom(r), p, x, keep, used);
            long s4 = System.nanoTime();
            Elementwise.addProduct(dx, ga, keep);
            long s5 = System.nanoTime();
            if (r >= 0) {
                t[0][r] = (s1 - s0) / 1e6;
                t[1][r] = (s3 - s2) / 1e6;
                t[2][r] = (s4 - s3) / 1e6;
                t[3][r] = (s5 - s4) / 1e6;
            }
        }
        for (double[] v : t) Arrays.sort(v);
        int m = rounds / 2;
        System.out.printf("one branch, medians: mask before %.3f ms, now %.3f ms; masked add before %.3f ms, now %.3f ms; x24 branches: %.1f -> %.1f ms a step%n",
                t[0][m], t[2][m], t[1][m], t[3][m], 24 * (t[0][m] + t[1][m]), 24 * (t[2][m] + t[3][m]));
    }
}
