import static org.bytedeco.openblas.global.openblas_full.*;
import org.bytedeco.javacpp.FloatPointer;
/** S = Q·Kᵀ (256 × 40 × 256) as one sgemm, and as 2 or 4 row blocks that each see only the keys up to their last row. */
public class RowBlockTimes {
    public static void main(String[] a) {
        openblas_set_num_threads(1);
        int t = 256, d = 40;
        FloatPointer q = new FloatPointer((long) t * d), k = new FloatPointer((long) t * d), s = new FloatPointer((long) t * t);
        java.util.Random random = new java.util.Random(1); // values set: uninitialised memory may hold subnormals
        for (long i = 0; i < (long) t * d; i++) {
            q.put(i, (float) random.nextGaussian());
            k.put(i, (float) random.nextGaussian());
        }
        for (int round = 0; round < 6; round++) {
            int reps = 2000;
            long t0 = System.nanoTime();
            for (int i = 0; i < reps; i++) cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, t, t, d, 1f, q, d, k, d, 0f, s, t);
            long t1 = System.nanoTime();
            for (int i = 0; i < reps; i++) {
                for (int b = 0; b < 2; b++) { // row block b: keys 0 .. (b+1)*128
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, 128, (b + 1) * 128, d, 1f, q.position((long) b * 128 * d), d, k.position(0), d, 0f, s.position((long) b * 128 * t), t);
                }
                q.position(0); s.position(0);
            }
            long t2 = System.nanoTime();
            for (int i = 0; i < reps; i++) {
                for (int b = 0; b < 4; b++) {
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, 64, (b + 1) * 64, d, 1f, q.position((long) b * 64 * d), d, k.position(0), d, 0f, s.position((long) b * 64 * t), t);
                }
                q.position(0); s.position(0);
            }
            long t3 = System.nanoTime();
            System.out.printf("sgemm %.1f us  2 row blocks %.1f us  4 row blocks %.1f us%n", (t1 - t0) / 1e3 / reps, (t2 - t1) / 1e3 / reps, (t3 - t2) / 1e3 / reps);
        }
    }
}
