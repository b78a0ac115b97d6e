import java.util.*;
import java.util.stream.IntStream;
import org.lowrank4j.linalg.*;
import org.lowrank4j.nn.tensor.*;

/**
 * One layer's 32 per-head score products S = s·Q Kᵀ (256x40 . 40x256) and its 32 triangular products with P (256x256 lower .
 * 256x40; a key head stands in for the value head, of the same shape): one after the other with OpenBLAS threading each
 * (seq), or over the 4 sequences in parallel on the common pool with OpenBLAS held at one thread (par).
 */
public class SPar {
    static DenseMatrix rows(Tensor t, int first, int count, int cols) { return t.matrix(t.size() / cols, cols).rowRange(first, first + count); }
    public static void main(String[] a) {
        int rounds = Integer.parseInt(a[0]);
        Random r = new Random(1);
        Precision f = Precision.FLOAT32;
        Tensor q = Tensor.gaussian(f, r, 1, 4, 8, 256, 40), k = Tensor.gaussian(f, r, 1, 4, 4, 256, 40), p = Tensor.gaussian(f, r, 1, 4, 8, 256, 256), y = Tensor.zeros(f, 4, 8, 256, 40);
        double[][] t = new double[4][rounds];
        for (int i = -20; i < rounds; i++) {
            for (int m = 0; m < 4; m++) {
                boolean par = m % 2 == 1, tri = m >= 2;
                java.util.function.IntConsumer body = b -> {
                    for (int h = 0; h < 8; h++) {
                        int qRow = (b * 8 + h) * 256, kvRow = (b * 4 + h / 2) * 256;
                        if (tri) MatMul.triangularGemm(1, rows(p, qRow, 256, 256), true, rows(k, kvRow, 256, 40), 0, rows(y, qRow, 256, 40));
                        else MatMul.gemm(0.15, rows(q, qRow, 256, 40), rows(k, kvRow, 256, 40).transpose(), 0, rows(p, qRow, 256, 256));
                    }
                };
                long s = System.nanoTime();
                if (par) Linalg.withSingleThreadedBlas(() -> { IntStream.range(0, 4).parallel().forEach(body); return null; });
                else for (int b = 0; b < 4; b++) body.accept(b);
                if (i >= 0) t[m][i] = (System.nanoTime() - s) / 1e6;
            }
        }
        String[] names = {"S seq", "S par", "PV trmm seq", "PV trmm par"};
        for (int m = 0; m < 4; m++) { Arrays.sort(t[m]); System.out.printf("%s: median %.2f ms%n", names[m], t[m][rounds / 2]); }
    }
}
