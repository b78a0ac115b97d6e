package org.lowrank4j.nn.tensor;

import java.util.*;

public class ExpProbe {
    static double t(Runnable r, int n) {
        double[] s = new double[n];
        for (int i = -200; i < n; i++) { long a = System.nanoTime(); r.run(); if (i >= 0) s[i] = (System.nanoTime() - a) / 1e3; }
        Arrays.sort(s); return s[n / 2];
    }
    public static void main(String[] a) {
        Random r = new Random(1);
        float[] x = new float[65536], out = new float[65536];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        FloatExp.Scratch sc = new FloatExp.Scratch();
        double big = t(() -> FloatExp.exp(x, out, 0, 65536, 1f, 0f, sc), 300);
        double rows256 = t(() -> { for (int row = 0; row < 256; row++) FloatExp.exp(x, out, row * 256, row * 256 + 256, 1f, -0.5f, sc); }, 300);
        double causal = t(() -> { for (int row = 0; row < 256; row++) FloatExp.exp(x, out, row * 256, row * 256 + row + 1, 1f, -0.5f, sc); }, 300);
        double scalar = t(() -> { for (int i = 0; i < 65536; i++) out[i] = FloatExp.exp(x[i]); }, 300);
        double jexp = t(() -> { for (int i = 0; i < 65536; i++) out[i] = (float) Math.exp(x[i]); }, 300);
        System.out.printf("ns per element: one range of 65536 %.2f | 256 rows of 256 %.2f | causal rows %.2f | one-value form %.2f | Math.exp %.2f%n",
            big * 1e3 / 65536, rows256 * 1e3 / 65536, causal * 1e3 / 32896, scalar * 1e3 / 65536, jexp * 1e3 / 65536);
    }
}
