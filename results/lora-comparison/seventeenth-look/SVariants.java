import java.util.*;
import org.lowrank4j.linalg.DenseMatrix;
import org.lowrank4j.nn.tensor.*;

/** S = s·Q Kᵀ for one layer (B 4, 8 heads over 4 kv heads, T 256, D 40) four ways, interleaved. */
public class SVariants {
    static final int B = 4, H = 8, KV = 4, T = 256, D = 40;
    static DenseMatrix rows(Tensor t, int first, int count, int cols) { return t.matrix(t.size() / cols, cols).rowRange(first, first + count); }
    public static void main(String[] a) {
        int rounds = Integer.parseInt(a[0]);
        Random r = new Random(1);
        Precision f = Precision.FLOAT32;
        Tensor q = Tensor.gaussian(f, r, 1, B, H, T, D), k = Tensor.gaussian(f, r, 1, B, KV, T, D);
        Tensor p = Tensor.zeros(f, B, H, T, T);
        double s = 1 / Math.sqrt(D);
        String[] names = {"per head 256x256", "per group 512x256", "causal blocks of 128", "causal blocks of 64", "causal blocks of 32"};
        double[][] t = new double[names.length][rounds];
        for (int i = -5; i < rounds; i++) {
            for (int v = 0; v < names.length; v++) {
                long st = System.nanoTime();
                if (v == 0) {
                    for (int b = 0; b < B; b++) for (int h = 0; h < H; h++) { int qr = (b*H+h)*T, kr = (b*KV+h/2)*T;
                        MatMul.gemm(s, rows(q, qr, T, D), rows(k, kr, T, D).transpose(), 0, rows(p, qr, T, T)); }
                } else if (v == 1) {
                    for (int b = 0; b < B; b++) for (int g = 0; g < KV; g++) { int qr = (b*H+2*g)*T, kr = (b*KV+g)*T;
                        MatMul.gemm(s, rows(q, qr, 2*T, D), rows(k, kr, T, D).transpose(), 0, rows(p, qr, 2*T, T)); }
                } else {
                    int bs = v == 2 ? 128 : v == 3 ? 64 : 32;
                    for (int b = 0; b < B; b++) for (int h = 0; h < H; h++) { int qr = (b*H+h)*T, kr = (b*KV+h/2)*T;
                        DenseMatrix pm = rows(p, qr, T, T), km = rows(k, kr, T, D);
                        for (int i0 = 0; i0 < T; i0 += bs) {
                            MatMul.gemm(s, rows(q, qr + i0, bs, D), km.rowRange(0, i0 + bs).transpose(), 0, pm.view(i0, i0 + bs, 0, i0 + bs));
                        } }
                }
                if (i >= 0) t[v][i] = (System.nanoTime() - st) / 1e6;
            }
        }
        for (int j = 0; j < names.length; j++) { Arrays.sort(t[j]); System.out.printf("%-22s %6.2f ms%n", names[j], t[j][rounds/2]); }
    }
}
