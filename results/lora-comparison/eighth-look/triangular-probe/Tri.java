import org.lowrank4j.linalg.*;
import java.util.*;

/**
 * One head's causal product (256x256 lower triangle times 256x40, and its transpose) three ways, products in place:
 * OpenBLAS strmm through the backend, row blocks of nb rows as sgemm beside the diagonal plus a zero-filled copy of
 * each diagonal block, and a full sgemm. Args: nb. Prints five rounds of 2,000 products each way.
 */
public class Tri {
    static LinalgBackend be = Linalg.backend();
    public static void main(String[] args) {
        int m = 256, n = 40, nb = Integer.parseInt(args[0]);
        Random r = new Random(1);
        FloatMatrix a = FloatMatrix.zeros(m, m), b = FloatMatrix.zeros(m, n), c = FloatMatrix.zeros(m, n), c2 = FloatMatrix.zeros(m, n);
        for (int i = 0; i < m; i++) for (int j = 0; j <= i; j++) a.set(i, j, r.nextGaussian());
        for (int i = 0; i < m; i++) for (int j = 0; j < n; j++) b.set(i, j, r.nextGaussian());
        float[] diag = new float[nb * nb];
        for (boolean trans : new boolean[] {false, true}) {
            DenseMatrix aa = trans ? a.transpose() : a; boolean lower = !trans;
            for (int round = 0; round < 5; round++) {
                long t0 = System.nanoTime();
                for (int k = 0; k < 2000; k++) be.triangularGemm(1, aa, lower, b, 0, c);
                long t1 = System.nanoTime();
                for (int k = 0; k < 2000; k++) blocked(aa, lower, b, c2, nb, diag);
                long t2 = System.nanoTime();
                for (int k = 0; k < 2000; k++) be.gemm(1, aa, b, 0, c2);
                long t3 = System.nanoTime();
                blocked(aa, lower, b, c2, nb, diag);
                double err = 0; for (int i = 0; i < m; i++) for (int j = 0; j < n; j++) err = Math.max(err, Math.abs(c.get(i,j) - c2.get(i,j)));
                System.out.printf("trans %b nb %d: trmm %.1f us, blocked %.1f us, full gemm %.1f us (err %.1e)%n", trans, nb, (t1-t0)/2000e3, (t2-t1)/2000e3, (t3-t2)/2000e3, err);
            }
        }
    }
    static void blocked(DenseMatrix a, boolean lower, DenseMatrix b, DenseMatrix c, int nb, float[] diag) {
        int m = a.rows();
        FloatMatrix fa = (FloatMatrix) a;
        float[] ad = fa.data();
        for (int r0 = 0; r0 < m; r0 += nb) {
            int r1 = Math.min(m, r0 + nb), h = r1 - r0;
            DenseMatrix cb = c.rowRange(r0, r1);
            double beta = 0;
            if (lower && r0 > 0) { be.gemm(1, a.view(r0, r1, 0, r0), b.rowRange(0, r0), 0, cb); beta = 1; }
            if (!lower && r1 < m) { be.gemm(1, a.view(r0, r1, r1, m), b.rowRange(r1, m), 0, cb); beta = 1; }
            for (int i = 0; i < h; i++) {
                int base = fa.offset() + (r0 + i) * fa.rowStride() + r0 * fa.colStride();
                for (int j = 0; j < h; j++) diag[i * h + j] = (lower ? j <= i : j >= i) ? ad[base + j * fa.colStride()] : 0f;
            }
            be.gemm(1, FloatMatrix.wrap(diag, h, h), b.rowRange(r0, r1), beta, cb);
        }
    }
}
