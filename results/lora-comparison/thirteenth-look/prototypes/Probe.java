import jdk.incubator.vector.*;
import java.util.*;

public class Probe {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final float LOW = -87f, HIGH = 88f, LOG2E = 1.44269504088896341f, ROUNDER = 12582912f;

    static double sum(float[] p, int base, int limit) {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0; int s = 0;
        for (; s + 3 < limit; s += 4) { s0 += p[base + s]; s1 += p[base + s + 1]; s2 += p[base + s + 2]; s3 += p[base + s + 3]; }
        for (; s < limit; s++) s0 += p[base + s];
        return (s0 + s1) + (s2 + s3);
    }
    static double rowMax(float[] p, int base, int limit) {
        float m0 = Float.NEGATIVE_INFINITY, m1 = m0, m2 = m0, m3 = m0; int s = 0;
        for (; s + 3 < limit; s += 4) {
            float a0 = p[base + s], a1 = p[base + s + 1], a2 = p[base + s + 2], a3 = p[base + s + 3];
            m0 = a0 > m0 ? a0 : m0; m1 = a1 > m1 ? a1 : m1; m2 = a2 > m2 ? a2 : m2; m3 = a3 > m3 ? a3 : m3;
        }
        for (; s < limit; s++) { float a = p[base + s]; m0 = a > m0 ? a : m0; }
        m0 = m1 > m0 ? m1 : m0; m2 = m3 > m2 ? m3 : m2; return m2 > m0 ? m2 : m0;
    }
    static void current(float[] p, int rows, int time, int keys) {
        FloatExp.Scratch scratch = new FloatExp.Scratch();
        for (int row = 0; row < rows; row++) {
            int t = row % time, base = row * keys, limit = Math.min(keys, t + 1);
            double max = rowMax(p, base, limit);
            FloatExp.exp(p, p, base, base + limit, 1f, -(float) max, scratch);
            Arrays.fill(p, base + limit, base + keys, 0f);
            double sum = sum(p, base, limit);
            float inv = (float) (1 / sum);
            for (int s = 0; s < limit; s++) p[base + s] *= inv;
        }
    }
    static FloatVector expV(FloatVector x) {
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
    static void vector(float[] p, int rows, int time, int keys) {
        int L = S.length();
        for (int row = 0; row < rows; row++) {
            int t = row % time, base = row * keys, limit = Math.min(keys, t + 1);
            FloatVector mv = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
            int s = 0;
            for (; s + L <= limit; s += L) mv = mv.max(FloatVector.fromArray(S, p, base + s));
            float max = mv.reduceLanes(VectorOperators.MAX);
            for (; s < limit; s++) max = Math.max(max, p[base + s]);
            FloatVector sv = FloatVector.zero(S);
            s = 0;
            for (; s + L <= limit; s += L) {
                FloatVector e = expV(FloatVector.fromArray(S, p, base + s).sub(max));
                e.intoArray(p, base + s); sv = sv.add(e);
            }
            if (s < limit) {
                VectorMask<Float> m = S.indexInRange(s, limit);
                FloatVector e = expV(FloatVector.fromArray(S, p, base + s, m).sub(max));
                e.intoArray(p, base + s, m); sv = sv.add(e, m);
            }
            float inv = 1f / sv.reduceLanes(VectorOperators.ADD);
            s = 0;
            for (; s + L <= limit; s += L) FloatVector.fromArray(S, p, base + s).mul(inv).intoArray(p, base + s);
            for (; s < limit; s++) p[base + s] *= inv;
            Arrays.fill(p, base + limit, base + keys, 0f);
        }
    }
    public static void main(String[] a) {
        int heads = 32, time = 256, keys = 256, rows = heads * time;
        float[] src = new float[rows * keys]; Random r = new Random(1);
        for (int i = 0; i < src.length; i++) src[i] = (float) r.nextGaussian() * 3;
        float[] p1 = src.clone(), p2 = src.clone();
        current(p1, rows, time, keys); vector(p2, rows, time, keys);
        double md = 0; for (int i = 0; i < p1.length; i++) md = Math.max(md, Math.abs(p1[i] - p2[i]));
        System.out.println("species " + S + " maxdiff " + md);
        for (int round = 0; round < 5; round++) {
            long[] t = new long[2];
            for (int it = 0; it < 40; it++) {
                System.arraycopy(src, 0, p1, 0, src.length); long t0 = System.nanoTime(); current(p1, rows, time, keys); t[0] += System.nanoTime() - t0;
                System.arraycopy(src, 0, p2, 0, src.length); t0 = System.nanoTime(); vector(p2, rows, time, keys); t[1] += System.nanoTime() - t0;
            }
            System.out.printf("one layer (32 heads) causal softmax: current %.0f us, vector %.0f us%n", t[0] / 40e3, t[1] / 40e3);
        }
    }
}
