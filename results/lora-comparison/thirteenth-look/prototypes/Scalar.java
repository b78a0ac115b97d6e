import java.util.*;
public class Scalar {
    static final float LOW = -87f, HIGH = 88f, LOG2E = 1.44269504088896341f, ROUNDER = 12582912f;
    // one pass: exp and store, one-value form
    static void expRow(float[] p, int from, int to, float max) {
        for (int i = from; i < to; i++) {
            float c = Math.min(Math.max(p[i] - max, LOW), HIGH);
            float rounded = c * LOG2E + ROUNDER;
            float k = rounded - ROUNDER;
            float r = c - k * 0.693359375f + k * 2.12194440e-4f;
            float q = 1.9875691500e-4f;
            q = q * r + 1.3981999507e-3f; q = q * r + 8.3334519073e-3f; q = q * r + 4.1665795894e-2f;
            q = q * r + 1.6666665459e-1f; q = q * r + 5.0000001201e-1f;
            p[i] = (q * r * r + r + 1f) * Float.intBitsToFloat((Float.floatToRawIntBits(rounded) << 23) + 0x3F800000);
        }
    }
    static void fused(float[] p, int rows, int time, int keys) {
        for (int row = 0; row < rows; row++) {
            int t = row % time, base = row * keys, limit = Math.min(keys, t + 1);
            float m0 = Float.NEGATIVE_INFINITY, m1 = m0, m2 = m0, m3 = m0; int s = 0;
            for (; s + 3 < limit; s += 4) {
                float a0 = p[base + s], a1 = p[base + s + 1], a2 = p[base + s + 2], a3 = p[base + s + 3];
                m0 = a0 > m0 ? a0 : m0; m1 = a1 > m1 ? a1 : m1; m2 = a2 > m2 ? a2 : m2; m3 = a3 > m3 ? a3 : m3;
            }
            for (; s < limit; s++) { float a = p[base + s]; m0 = a > m0 ? a : m0; }
            m0 = m1 > m0 ? m1 : m0; m2 = m3 > m2 ? m3 : m2; float max = m2 > m0 ? m2 : m0;
            expRow(p, base, base + limit, max);
            float sum = 0; for (int i = base; i < base + limit; i++) sum += p[i];
            float inv = 1 / sum;
            for (int i = base; i < base + limit; i++) p[i] *= inv;
            Arrays.fill(p, base + limit, base + keys, 0f);
        }
    }
    public static void main(String[] a) {
        int heads = 32, time = 256, keys = 256, rows = heads * time;
        float[] src = new float[rows * keys]; Random r = new Random(1);
        for (int i = 0; i < src.length; i++) src[i] = (float) r.nextGaussian() * 3;
        float[] p1 = src.clone(), p2 = src.clone();
        Probe.current(p1, rows, time, keys); fused(p2, rows, time, keys);
        double md = 0; for (int i = 0; i < p1.length; i++) md = Math.max(md, Math.abs(p1[i] - p2[i]));
        System.out.println(Runtime.version() + " maxdiff " + md);
        for (int round = 0; round < 5; round++) {
            long[] tt = new long[2];
            for (int it = 0; it < 40; it++) {
                System.arraycopy(src, 0, p1, 0, src.length); long t0 = System.nanoTime(); Probe.current(p1, rows, time, keys); tt[0] += System.nanoTime() - t0;
                System.arraycopy(src, 0, p2, 0, src.length); t0 = System.nanoTime(); fused(p2, rows, time, keys); tt[1] += System.nanoTime() - t0;
            }
            System.out.printf("current %.0f us, scalar-fused %.0f us%n", tt[0] / 40e3, tt[1] / 40e3);
        }
    }
}
