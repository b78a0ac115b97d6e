import java.util.*;
import org.lowrank4j.linalg.DenseMatrix;
import org.lowrank4j.nn.tensor.*;

/** OpenBLAS rates on the decoder's linear shapes, forward (X·Wᵀ) and input gradient (dY·W): separate q,k,v / gate,up against fused. */
public class Shapes {
    static double time(int rounds, Runnable r) {
        double[] t = new double[rounds];
        for (int i = -10; i < rounds; i++) { long s = System.nanoTime(); r.run(); if (i >= 0) t[i] = (System.nanoTime() - s) / 1e6; }
        Arrays.sort(t); return t[rounds / 2];
    }
    public static void main(String[] a) {
        int rounds = Integer.parseInt(a[0]);
        Random r = new Random(1);
        Precision f = Precision.FLOAT32;
        int m = 1024, c = 320;
        DenseMatrix x = Tensor.gaussian(f, r, 1, m, c).matrix();
        for (int[] outs : new int[][] {{320, 160, 160}, {640}, {864, 864}, {1728}}) {
            double fwd = 0, bwd = 0; long flops = 0;
            for (int n : outs) {
                DenseMatrix w = Tensor.gaussian(f, r, 1, n, c).matrix(), y = Tensor.zeros(f, m, n).matrix(), dx = Tensor.zeros(f, m, c).matrix();
                fwd += time(rounds, () -> MatMul.gemm(1, x, w.transpose(), 0, y));
                bwd += time(rounds, () -> MatMul.gemm(1, y, w, 1, dx));
                flops += 2L * m * c * n;
            }
            System.out.printf("%s: forward %.3f ms (%.1f GFLOP/s), input gradient %.3f ms (%.1f GFLOP/s)%n", Arrays.toString(outs), fwd, flops / fwd / 1e6, bwd, flops / bwd / 1e6);
        }
    }
}
