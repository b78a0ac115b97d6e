package org.lowrank4j.nn.tensor;

// The attention softmax of one head (256 causal rows) taken apart: the row maximum (Math.max in four running maxima as
// FloatKernels had it, then plain comparisons, then one Math.max chain), FloatExp, the zero fill, the float64 sum and
// the scaling, each timed alone (median of 300), then all together. usage: java -cp lowrank-bench.jar:DIR org.lowrank4j.nn.tensor.SoftParts

import java.util.*;

public class SoftParts {
    static double t(Runnable r, int n) {
        double[] s = new double[n];
        for (int i = -300; i < n; i++) { long a = System.nanoTime(); r.run(); if (i >= 0) s[i] = (System.nanoTime() - a) / 1e3; }
        Arrays.sort(s); return s[n / 2];
    }
    static double sum(float[] p, int base, int limit) {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0; int s = 0;
        for (; s + 3 < limit; s += 4) { s0 += p[base + s]; s1 += p[base + s + 1]; s2 += p[base + s + 2]; s3 += p[base + s + 3]; }
        for (; s < limit; s++) s0 += p[base + s];
        return (s0 + s1) + (s2 + s3);
    }
    static double rowMax(float[] p, int base, int limit) {
        float m0 = Float.NEGATIVE_INFINITY, m1 = m0, m2 = m0, m3 = m0; int s = 0;
        for (; s + 3 < limit; s += 4) { m0 = Math.max(m0, p[base + s]); m1 = Math.max(m1, p[base + s + 1]); m2 = Math.max(m2, p[base + s + 2]); m3 = Math.max(m3, p[base + s + 3]); }
        for (; s < limit; s++) m0 = Math.max(m0, p[base + s]);
        return Math.max(Math.max(m0, m1), Math.max(m2, m3));
    }
    static double maxTernary4(float[] p, int base, int limit) {
        float m0 = Float.NEGATIVE_INFINITY, m1 = m0, m2 = m0, m3 = m0; int s = 0;
        for (; s + 3 < limit; s += 4) {
            float a0 = p[base + s], a1 = p[base + s + 1], a2 = p[base + s + 2], a3 = p[base + s + 3];
            m0 = a0 > m0 ? a0 : m0; m1 = a1 > m1 ? a1 : m1; m2 = a2 > m2 ? a2 : m2; m3 = a3 > m3 ? a3 : m3;
        }
        for (; s < limit; s++) { float v = p[base + s]; m0 = v > m0 ? v : m0; }
        m0 = m1 > m0 ? m1 : m0; m2 = m3 > m2 ? m3 : m2;
        return m2 > m0 ? m2 : m0;
    }
    static double maxPlain(float[] p, int base, int limit) {
        float m = Float.NEGATIVE_INFINITY;
        for (int s = 0; s < limit; s++) m = Math.max(m, p[base + s]);
        return m;
    }
    static double sink;
    public static void main(String[] a) {
        Random r = new Random(1);
        float[] x = new float[65536], out = new float[65536];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        FloatExp.Scratch sc = new FloatExp.Scratch();
        double max = t(() -> { double m = 0; for (int row = 0; row < 256; row++) m += rowMax(x, row * 256, row + 1); sink = m; }, 300);
        double max2 = t(() -> { double m = 0; for (int row = 0; row < 256; row++) m += maxTernary4(x, row * 256, row + 1); sink = m; }, 300);
        double max3 = t(() -> { double m = 0; for (int row = 0; row < 256; row++) m += maxPlain(x, row * 256, row + 1); sink = m; }, 300);
        System.out.printf("max: 4-way Math.max %.1f, 4-way ternary %.1f, plain Math.max %.1f us%n", max, max2, max3);
        double sum = t(() -> { double m = 0; for (int row = 0; row < 256; row++) m += sum(x, row * 256, row + 1); sink = m; }, 300);
        double fill = t(() -> { for (int row = 0; row < 256; row++) Arrays.fill(out, row * 256 + row + 1, row * 256 + 256, 0f); }, 300);
        double scale = t(() -> { for (int row = 0; row < 256; row++) { float inv = 0.5f; for (int s = 0; s < row + 1; s++) out[row * 256 + s] *= inv; } }, 300);
        double exp = t(() -> { for (int row = 0; row < 256; row++) FloatExp.exp(x, out, row * 256, row * 256 + row + 1, 1f, -0.5f, sc); }, 300);
        double all = t(() -> {
            for (int row = 0; row < 256; row++) {
                int base = row * 256, limit = row + 1;
                double m = rowMax(x, base, limit);
                FloatExp.exp(x, out, base, base + limit, 1f, -(float) m, sc);
                Arrays.fill(out, base + limit, base + 256, 0f);
                double s = sum(out, base, limit);
                float inv = (float) (1 / s);
                for (int k = 0; k < limit; k++) out[base + k] *= inv;
            }
        }, 300);
        System.out.printf("per head (us): max %.1f, exp %.1f, fill %.1f, sum %.1f, scale %.1f; all together %.1f%n", max, exp, fill, sum, scale, all);
    }
}
