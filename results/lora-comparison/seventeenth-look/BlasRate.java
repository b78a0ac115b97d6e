import java.util.*;
import org.lowrank4j.linalg.DenseMatrix;
import org.lowrank4j.nn.tensor.*;

/** OpenBLAS's rate through MatMul.gemm on the decoder's largest linear product (1024 tokens × 320 → 864), for Peak to compare with. */
public class BlasRate {
    public static void main(String[] a) {
        int rounds = Integer.parseInt(a[0]);
        Random r = new Random(1);
        Precision f = Precision.FLOAT32;
        DenseMatrix x = Tensor.gaussian(f, r, 1, 1024, 320).matrix(), w = Tensor.gaussian(f, r, 1, 864, 320).matrix(), y = Tensor.zeros(f, 1024, 864).matrix();
        double[] t = new double[rounds];
        for (int i = -10; i < rounds; i++) {
            long s = System.nanoTime();
            MatMul.gemm(1, x, w.transpose(), 0, y);
            if (i >= 0) t[i] = (System.nanoTime() - s) / 1e9;
        }
        Arrays.sort(t);
        System.out.printf("OpenBLAS 1024x320 . 320x864: median %.3f ms, %.1f GFLOP/s%n", t[rounds / 2] * 1e3, 2.0 * 1024 * 320 * 864 / t[rounds / 2] / 1e9);
    }
}
