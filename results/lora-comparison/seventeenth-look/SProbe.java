import java.util.*;
import jdk.incubator.vector.*;
import org.lowrank4j.linalg.DenseMatrix;
import org.lowrank4j.nn.tensor.*;

/** Causal S = s·Q Kᵀ per head in the Vector API (6 rows × 16 keys a tile, Kᵀ laid out d-major, keys past the diagonal up to the tile computed) against BLAS's full 256 × 256 gemm per head, interleaved. */
public class SProbe {
    static final int B = 4, H = 8, KV = 4, T = 256, D = 40;
    static final VectorSpecies<Float> SP = FloatVector.SPECIES_256;
    static DenseMatrix rows(Tensor t, int first, int count, int cols) { return t.matrix(t.size() / cols, cols).rowRange(first, first + count); }

    /** s[i][j] for j < roundUp(i+1, 16), rows [0,T), q row-major (T×D) at qo, kt (D×T) at 0. */
    static void causalScores(float[] q, int qo, float[] kt, float[] s, int so, float scale) {
        int i = 0;
        for (; i + 6 <= T; i += 6) {
            int keys = Math.min(T, ((i + 6 + 15) / 16) * 16);
            for (int j = 0; j < keys; j += 16) {
                FloatVector a00 = FloatVector.zero(SP), a01 = a00, a10 = a00, a11 = a00, a20 = a00, a21 = a00,
                            a30 = a00, a31 = a00, a40 = a00, a41 = a00, a50 = a00, a51 = a00;
                int r0 = qo + i * D;
                for (int d = 0; d < D; d++) {
                    FloatVector k0 = FloatVector.fromArray(SP, kt, d * T + j), k1 = FloatVector.fromArray(SP, kt, d * T + j + 8);
                    FloatVector b;
                    b = FloatVector.broadcast(SP, q[r0 + d]); a00 = k0.fma(b, a00); a01 = k1.fma(b, a01);
                    b = FloatVector.broadcast(SP, q[r0 + D + d]); a10 = k0.fma(b, a10); a11 = k1.fma(b, a11);
                    b = FloatVector.broadcast(SP, q[r0 + 2 * D + d]); a20 = k0.fma(b, a20); a21 = k1.fma(b, a21);
                    b = FloatVector.broadcast(SP, q[r0 + 3 * D + d]); a30 = k0.fma(b, a30); a31 = k1.fma(b, a31);
                    b = FloatVector.broadcast(SP, q[r0 + 4 * D + d]); a40 = k0.fma(b, a40); a41 = k1.fma(b, a41);
                    b = FloatVector.broadcast(SP, q[r0 + 5 * D + d]); a50 = k0.fma(b, a50); a51 = k1.fma(b, a51);
                }
                int o = so + i * T + j;
                a00.mul(scale).intoArray(s, o); a01.mul(scale).intoArray(s, o + 8);
                a10.mul(scale).intoArray(s, o + T); a11.mul(scale).intoArray(s, o + T + 8);
                a20.mul(scale).intoArray(s, o + 2 * T); a21.mul(scale).intoArray(s, o + 2 * T + 8);
                a30.mul(scale).intoArray(s, o + 3 * T); a31.mul(scale).intoArray(s, o + 3 * T + 8);
                a40.mul(scale).intoArray(s, o + 4 * T); a41.mul(scale).intoArray(s, o + 4 * T + 8);
                a50.mul(scale).intoArray(s, o + 5 * T); a51.mul(scale).intoArray(s, o + 5 * T + 8);
            }
        }
        for (; i < T; i++) { // tail rows
            for (int j = 0; j <= i; j++) { float acc = 0; for (int d = 0; d < D; d++) acc += q[qo + i * D + d] * kt[d * T + j]; s[so + i * T + j] = acc * scale; }
        }
    }

    public static void main(String[] a) {
        int rounds = Integer.parseInt(a[0]);
        Random r = new Random(1);
        Precision f = Precision.FLOAT32;
        Tensor q = Tensor.gaussian(f, r, 1, B, H, T, D), k = Tensor.gaussian(f, r, 1, B, KV, T, D);
        Tensor p = Tensor.zeros(f, B, H, T, T), p2 = Tensor.zeros(f, B, H, T, T);
        float[] qa = (float[]) ((org.lowrank4j.linalg.FloatMatrix) q.matrix()).data();
        float[] pa = (float[]) ((org.lowrank4j.linalg.FloatMatrix) p2.matrix()).data();
        float[] ka = (float[]) ((org.lowrank4j.linalg.FloatMatrix) k.matrix()).data();
        float[][] kt = new float[B * KV][D * T];
        float s = (float) (1 / Math.sqrt(D));
        double[][] t = new double[3][rounds];
        for (int i = -10; i < rounds; i++) {
            long st = System.nanoTime();
            for (int b = 0; b < B; b++) for (int h = 0; h < H; h++) { int qr = (b*H+h)*T, kr = (b*KV+h/2)*T;
                MatMul.gemm(s, rows(q, qr, T, D), rows(k, kr, T, D).transpose(), 0, rows(p, qr, T, T)); }
            long m = System.nanoTime();
            for (int g = 0; g < B * KV; g++) { float[] x = kt[g]; int o = g * T * D; for (int j = 0; j < T; j++) for (int d = 0; d < D; d++) x[d * T + j] = ka[o + j * D + d]; }
            long m2 = System.nanoTime();
            for (int b = 0; b < B; b++) for (int h = 0; h < H; h++) causalScores(qa, (b*H+h)*T*D, kt[b*KV+h/2], pa, (b*H+h)*T*T, s);
            long e = System.nanoTime();
            if (i >= 0) { t[0][i] = (m - st) / 1e6; t[1][i] = (m2 - m) / 1e6; t[2][i] = (e - m2) / 1e6; }
        }
        double maxErr = 0;
        for (int bh = 0; bh < B * H; bh++) for (int i = 0; i < T; i++) for (int j = 0; j <= i; j++) {
            int o = (bh * T + i) * T + j; maxErr = Math.max(maxErr, Math.abs(pa[o] - ((org.lowrank4j.linalg.FloatMatrix) p.matrix()).data()[o])); }
        for (double[] x : t) Arrays.sort(x);
        System.out.printf("BLAS full gemm %.2f ms; transpose K %.3f ms; Vector API causal %.2f ms; max |diff| %.2e%n", t[0][rounds/2], t[1][rounds/2], t[2][rounds/2], maxErr);
    }
}
