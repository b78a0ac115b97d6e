import java.util.*;
import org.lowrank4j.linalg.DenseMatrix;
import org.lowrank4j.nn.tensor.*;

/** Times each piece of one layer's attention core at the SOTU decoder's shapes (B 4, 8 heads over 4 kv heads, T 256, D 40). */
public class Pieces {
    static final int B = 4, H = 8, KV = 4, T = 256, D = 40;
    static DenseMatrix rows(Tensor t, int first, int count, int cols) { return t.matrix(t.size() / cols, cols).rowRange(first, first + count); }
    public static void main(String[] a) {
        int rounds = Integer.parseInt(a[0]);
        Random r = new Random(1);
        Precision f = Precision.FLOAT32;
        Tensor q = Tensor.gaussian(f, r, 1, B, H, T, D), k = Tensor.gaussian(f, r, 1, B, KV, T, D), v = Tensor.gaussian(f, r, 1, B, KV, T, D);
        Tensor p = Tensor.zeros(f, B, H, T, T), dp = Tensor.zeros(f, B, H, T, T), y = Tensor.zeros(f, B, H, T, D), dy = Tensor.gaussian(f, r, 1, B, H, T, D);
        Tensor dq = Tensor.zeros(f, B, H, T, D), dk = Tensor.zeros(f, B, KV, T, D), dv = Tensor.zeros(f, B, KV, T, D);
        Tensor tok = Tensor.zeros(f, B, T, H * D);
        Kernels kn = Kernels.of(q);
        String[] names = {"S=QKt gemm", "softmax", "Y=PV trmm", "dP=dYVt gemm", "dV+=PtdY trmm", "softmax bwd", "dQ=dSK trmm", "dK+=dStQ trmm", "merge+split heads x4"};
        double[][] t = new double[names.length][rounds];
        double s = 1 / Math.sqrt(D);
        for (int i = -5; i < rounds; i++) {
            long[] at = new long[names.length + 1];
            at[0] = System.nanoTime();
            for (int b = 0; b < B; b++) for (int h = 0; h < H; h++) { int qr = (b*H+h)*T, kr = (b*KV+h/2)*T;
                MatMul.gemm(s, rows(q, qr, T, D), rows(k, kr, T, D).transpose(), 0, rows(p, qr, T, T)); }
            at[1] = System.nanoTime();
            kn.attentionSoftmax(p, null, true, 0, 0);
            at[2] = System.nanoTime();
            for (int b = 0; b < B; b++) for (int h = 0; h < H; h++) { int qr = (b*H+h)*T, kr = (b*KV+h/2)*T;
                MatMul.triangularGemm(1, rows(p, qr, T, T), true, rows(v, kr, T, D), 0, rows(y, qr, T, D)); }
            at[3] = System.nanoTime();
            for (int b = 0; b < B; b++) for (int h = 0; h < H; h++) { int qr = (b*H+h)*T, kr = (b*KV+h/2)*T;
                MatMul.gemm(1, rows(dy, qr, T, D), rows(v, kr, T, D).transpose(), 0, rows(dp, qr, T, T)); }
            at[4] = System.nanoTime();
            dv.fill(0); dk.fill(0);
            for (int b = 0; b < B; b++) for (int h = 0; h < H; h++) { int qr = (b*H+h)*T, kr = (b*KV+h/2)*T;
                MatMul.triangularGemm(1, rows(p, qr, T, T).transpose(), false, rows(dy, qr, T, D), 1, rows(dv, kr, T, D)); }
            at[5] = System.nanoTime();
            kn.causalSoftmaxBackward(dp, p, dp, 0);
            at[6] = System.nanoTime();
            for (int b = 0; b < B; b++) for (int h = 0; h < H; h++) { int qr = (b*H+h)*T, kr = (b*KV+h/2)*T;
                MatMul.triangularGemm(s, rows(dp, qr, T, T), true, rows(k, kr, T, D), 0, rows(dq, qr, T, D)); }
            at[7] = System.nanoTime();
            for (int b = 0; b < B; b++) for (int h = 0; h < H; h++) { int qr = (b*H+h)*T, kr = (b*KV+h/2)*T;
                MatMul.triangularGemm(s, rows(dp, qr, T, T).transpose(), false, rows(q, qr, T, D), 1, rows(dk, kr, T, D)); }
            at[8] = System.nanoTime();
            for (int j = 0; j < 2; j++) { kn.mergeHeads(tok, y, 0); kn.splitHeads(y, tok, 0); }
            at[9] = System.nanoTime();
            if (i >= 0) for (int j = 0; j < names.length; j++) t[j][i] = (at[j+1] - at[j]) / 1e6;
        }
        double sum = 0;
        for (int j = 0; j < names.length; j++) { Arrays.sort(t[j]); sum += t[j][rounds/2]; System.out.printf("%-22s %6.2f ms%n", names[j], t[j][rounds/2]); }
        System.out.printf("%-22s %6.2f ms%n", "sum of medians", sum);
    }
}
