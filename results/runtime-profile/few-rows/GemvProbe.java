import static org.bytedeco.openblas.global.openblas.*;
import org.bytedeco.javacpp.FloatPointer;
/**
 * sgemm with m rows against m sgemv calls, y(m,n) = x(m,k)·W(n,k)ᵀ, W row-major (n,k), in native memory, straight
 * through JavaCPP's OpenBLAS bindings: microseconds a call, the last of three rounds of 2,000 calls. No argument: the SOTU
 * decoder's weight shapes; any argument: small shapes (attention per head, LoRA factors). Usage (repository root):
 * javac -cp lowrank-cli/target/lowrank.jar -d WORK results/runtime-profile/few-rows/GemvProbe.java
 * OPENBLAS_NUM_THREADS=1|2 OPENBLAS_CORETYPE=Haswell|SkylakeX java -cp lowrank-cli/target/lowrank.jar:WORK GemvProbe [tiny]
 */
public class GemvProbe {
    public static void main(String[] a) {
        int[][] shapes = a.length > 0 ? new int[][] {{65, 40}, {40, 65}, {8, 320}, {320, 8}, {200, 40}, {40, 200}} : new int[][] {{320, 320}, {864, 320}, {320, 864}};
        java.util.Random r = new java.util.Random(1);
        for (int round = 0; round < 3; round++) {
            for (int[] s : shapes) {
                int n = s[0], k = s[1];
                FloatPointer w = new FloatPointer((long) n * k), x = new FloatPointer(8L * k), y = new FloatPointer(8L * n);
                for (long i = 0; i < (long) n * k; i++) w.put(i, (float) r.nextGaussian());
                for (long i = 0; i < 8L * k; i++) x.put(i, (float) r.nextGaussian());
                StringBuilder line = new StringBuilder(String.format("round %d W %dx%d:", round, n, k));
                for (int m : new int[] {1, 2, 3, 4, 8}) {
                    int reps = 2000;
                    long t0 = System.nanoTime();
                    for (int rep = 0; rep < reps; rep++) {
                        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m, n, k, 1f, x, k, w, k, 0f, y, n);
                    }
                    double gemm = (System.nanoTime() - t0) / 1e3 / reps;
                    t0 = System.nanoTime();
                    for (int rep = 0; rep < reps; rep++) {
                        for (int row = 0; row < m; row++) {
                            cblas_sgemv(CblasRowMajor, CblasNoTrans, n, k, 1f, w, k, x.position((long) row * k), 1, 0f, y.position((long) row * n), 1);
                        }
                        x.position(0); y.position(0);
                    }
                    double gemv = (System.nanoTime() - t0) / 1e3 / reps;
                    line.append(String.format(" m=%d gemm %.1f us, %d gemv %.1f us;", m, gemm, m, gemv));
                }
                System.out.println(line);
            }
        }
    }
}
