import java.util.Arrays;
import java.util.Random;
import org.lowrank4j.linalg.FloatMatrix;
import org.lowrank4j.nn.tensor.MatMul;

/**
 * One attention head's products with its causal probabilities on the SOTU decoder's shapes (T = 256 keys, head size 40),
 * through the runtime's own calls, copies into native memory included: MatMul.gemm against MatMul.triangularGemm for
 * Y = P·V and dV = Pᵀ·dY. Median microseconds per call over 7 rounds of 400 calls. See run.sh.
 */
public final class TrmmTimes {
    public static void main(String[] args) {
        int t = 256, d = 40;
        Random r = new Random(1);
        FloatMatrix p = FloatMatrix.zeros(t, t), v = FloatMatrix.zeros(t, d), y = FloatMatrix.zeros(t, d);
        for (int i = 0; i < t; i++) {
            for (int j = 0; j <= i; j++) {
                p.set(i, j, r.nextFloat());
            }
            for (int j = 0; j < d; j++) {
                v.set(i, j, r.nextGaussian());
            }
        }
        time("Y = P V, gemm", () -> MatMul.gemm(1, p, v, 0, y));
        time("Y = P V, triangularGemm", () -> MatMul.triangularGemm(1, p, true, v, 0, y));
        time("dV = P^T dY, gemm", () -> MatMul.gemm(1, p.transpose(), v, 0, y));
        time("dV = P^T dY, triangularGemm", () -> MatMul.triangularGemm(1, p.transpose(), false, v, 0, y));
    }

    private static void time(String what, Runnable body) {
        for (int i = 0; i < 200; i++) {
            body.run();
        }
        double[] perCall = new double[7];
        for (int round = 0; round < perCall.length; round++) {
            long start = System.nanoTime();
            for (int i = 0; i < 400; i++) {
                body.run();
            }
            perCall[round] = (System.nanoTime() - start) / 1e3 / 400;
        }
        Arrays.sort(perCall);
        System.out.printf("%-32s median %6.1f us  (range %.1f-%.1f)%n", what, perCall[3], perCall[0], perCall[6]);
    }
}
