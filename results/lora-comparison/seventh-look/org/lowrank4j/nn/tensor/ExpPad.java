package org.lowrank4j.nn.tensor;

// FloatExp over one head's 256 causal rows with each row's range rounded up to a multiple of 1, 8, ..., 128 values
// (capped at the row): whether scalar loop tails are what makes short rows slow. usage: java -cp lowrank-bench.jar:DIR org.lowrank4j.nn.tensor.ExpPad

import java.util.*;

public class ExpPad {
    static double t(Runnable r, int n) {
        double[] s = new double[n];
        for (int i = -300; i < n; i++) { long a = System.nanoTime(); r.run(); if (i >= 0) s[i] = (System.nanoTime() - a) / 1e3; }
        Arrays.sort(s); return s[n / 2];
    }
    public static void main(String[] a) {
        Random r = new Random(1);
        float[] x = new float[65536], out = new float[65536];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        FloatExp.Scratch sc = new FloatExp.Scratch();
        for (int pad : new int[] {1, 8, 16, 32, 64, 128}) {
            double us = t(() -> { for (int row = 0; row < 256; row++) { int lim = Math.min(256, (row + 1 + pad - 1) / pad * pad); FloatExp.exp(x, out, row * 256, row * 256 + lim, 1f, -0.5f, sc); } }, 300);
            System.out.printf("pad %3d: %.1f us per head, %.2f ns per kept entry%n", pad, us, us * 1e3 / 32896);
        }
    }
}
