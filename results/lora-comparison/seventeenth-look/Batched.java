import java.util.*;
import org.lowrank4j.linalg.DenseMatrix;
import org.lowrank4j.nn.tensor.*;

/** q, k, v branches' products on one input X (1024 x 320), r = 8: three separate calls against one call of width 24. */
public class Batched {
    public static void main(String[] a) {
        int rounds = Integer.parseInt(a[0]);
        Random r = new Random(1);
        Precision f = Precision.FLOAT32;
        DenseMatrix x = Tensor.gaussian(f, r, 1, 1024, 320).matrix();
        DenseMatrix a3 = Tensor.gaussian(f, r, 1, 24, 320).matrix(), h3 = Tensor.zeros(f, 1024, 24).matrix(), g3 = Tensor.gaussian(f, r, 1, 1024, 24).matrix();
        DenseMatrix[] as = new DenseMatrix[3], hs = new DenseMatrix[3], gs = new DenseMatrix[3], da = new DenseMatrix[3];
        for (int i = 0; i < 3; i++) { as[i] = Tensor.gaussian(f, r, 1, 8, 320).matrix(); hs[i] = Tensor.zeros(f, 1024, 8).matrix(); gs[i] = Tensor.gaussian(f, r, 1, 1024, 8).matrix(); da[i] = Tensor.zeros(f, 8, 320).matrix(); }
        DenseMatrix da3 = Tensor.zeros(f, 24, 320).matrix(), dx = Tensor.zeros(f, 1024, 320).matrix();
        String[] names = {"H = X At, 3 calls", "H, one call of 24", "dA += Gt X, 3 calls", "dA, one call of 24", "dx += G A, 3 calls", "dx += G A, one call of 24"};
        double[][] t = new double[6][rounds];
        for (int it = -20; it < rounds; it++) {
            long[] s = new long[7];
            s[0] = System.nanoTime();
            for (int i = 0; i < 3; i++) MatMul.gemm(1, x, as[i].transpose(), 0, hs[i]);
            s[1] = System.nanoTime();
            MatMul.gemm(1, x, a3.transpose(), 0, h3);
            s[2] = System.nanoTime();
            for (int i = 0; i < 3; i++) MatMul.gemm(1, gs[i].transpose(), x, 1, da[i]);
            s[3] = System.nanoTime();
            MatMul.gemm(1, g3.transpose(), x, 1, da3);
            s[4] = System.nanoTime();
            for (int i = 0; i < 3; i++) MatMul.gemm(1, gs[i], as[i], 1, dx);
            s[5] = System.nanoTime();
            MatMul.gemm(1, g3, a3, 1, dx);
            s[6] = System.nanoTime();
            if (it >= 0) for (int j = 0; j < 6; j++) t[j][it] = (s[j + 1] - s[j]) / 1e3;
        }
        for (int j = 0; j < 6; j++) { Arrays.sort(t[j]); System.out.printf("%-28s %7.1f us%n", names[j], t[j][rounds / 2]); }
    }
}
