import java.util.*;
import org.lowrank4j.linalg.DenseMatrix;
import org.lowrank4j.nn.tensor.*;

/** One head's attention operations at T = 256, d = 40, float32, timed alone (x32 heads = one layer). */
public class Core {
    static double t(Runnable r, int n) {
        double[] s = new double[n];
        for (int i = -20; i < n; i++) { long a = System.nanoTime(); r.run(); if (i >= 0) s[i] = (System.nanoTime() - a) / 1e3; }
        Arrays.sort(s); return s[n / 2];
    }
    public static void main(String[] a) {
        Random r = new Random(1);
        int T = 256, D = 40;
        Tensor q = Tensor.gaussian(Precision.FLOAT32, r, 1, T, D), k = Tensor.gaussian(Precision.FLOAT32, r, 1, T, D), v = Tensor.gaussian(Precision.FLOAT32, r, 1, T, D);
        Tensor p = Tensor.zeros(Precision.FLOAT32, 1, 1, T, T), dp = Tensor.zeros(Precision.FLOAT32, 1, 1, T, T), y = Tensor.zeros(Precision.FLOAT32, T, D);
        Kernels kn = Kernels.of(p);
        int n = 400;
        DenseMatrix P = p.matrix(T, T), DP = dp.matrix(T, T);
        double s1 = t(() -> MatMul.gemm(0.15, q.matrix(), k.matrix().transpose(), 0, P), n);
        double s2 = t(() -> { MatMul.gemm(0.15, q.matrix(), k.matrix().transpose(), 0, P); kn.attentionSoftmax(p, null, true, 0); }, n) - s1;
        double s3 = t(() -> MatMul.triangularGemm(1, P, true, v.matrix(), 0, y.matrix()), n);
        double s3g = t(() -> MatMul.gemm(1, P, v.matrix(), 0, y.matrix()), n);
        double s4 = t(() -> MatMul.gemm(1, y.matrix(), v.matrix().transpose(), 0, DP), n);
        double s5 = t(() -> MatMul.triangularGemm(1, P.transpose(), false, y.matrix(), 1, v.matrix()), n);
        double s6 = t(() -> { MatMul.gemm(1, y.matrix(), v.matrix().transpose(), 0, DP); kn.causalSoftmaxBackward(dp, p, dp, 0); }, n) - s4;
        double s7 = t(() -> MatMul.triangularGemm(0.15, DP, true, k.matrix(), 0, q.matrix()), n);
        System.out.printf("per head, us: S=QK^T %.1f | softmax %.1f | PV trmm %.1f (gemm %.1f) | dP gemm %.1f | dV trmm %.1f | softmax bwd %.1f | dQ trmm %.1f (dK same)%n",
            s1, s2, s3, s3g, s4, s5, s6, s7);
        double total = s1 + s2 + s3 + s4 + s5 + s6 + 2 * s7;
        System.out.printf("sum per head %.1f us, x32 heads = %.2f ms per layer%n", total, total * 32 / 1000);
    }
}
