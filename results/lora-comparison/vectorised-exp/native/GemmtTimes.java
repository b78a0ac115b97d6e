import static org.bytedeco.openblas.global.openblas_full.*;
import org.bytedeco.javacpp.FloatPointer;
/** S = Q·Kᵀ (256 × 40 × 256): sgemm against sgemmt (lower triangle only); checks that sgemmt leaves the upper one alone. */
public class GemmtTimes {
    public static void main(String[] a) {
        openblas_set_num_threads(1);
        int t = 256, d = 40;
        FloatPointer q = new FloatPointer((long) t * d), k = new FloatPointer((long) t * d), s = new FloatPointer((long) t * t);
        java.util.Random r = new java.util.Random(1);
        for (int i = 0; i < t * d; i++) { q.put(i, (float) r.nextGaussian()); k.put(i, (float) r.nextGaussian()); }
        for (int round = 0; round < 6; round++) {
            int reps = 2000;
            long t0 = System.nanoTime();
            for (int i = 0; i < reps; i++) cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, t, t, d, 1f, q, d, k, d, 0f, s, t);
            long t1 = System.nanoTime();
            for (int i = 0; i < reps; i++) cblas_sgemmt(CblasRowMajor, CblasLower, CblasNoTrans, CblasTrans, t, d, 1f, q, d, k, d, 0f, s, t);
            long t2 = System.nanoTime();
            System.out.printf("sgemm %.1f us  sgemmt %.1f us%n", (t1 - t0) / 1e3 / reps, (t2 - t1) / 1e3 / reps);
        }
        // check
        float[] full = new float[t * t]; cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, t, t, d, 1f, q, d, k, d, 0f, s, t); s.get(full);
        for (int i = 0; i < t * t; i++) s.put(i, 7f);
        cblas_sgemmt(CblasRowMajor, CblasLower, CblasNoTrans, CblasTrans, t, d, 1f, q, d, k, d, 0f, s, t);
        double md = 0; int upperTouched = 0;
        for (int i = 0; i < t; i++) for (int j = 0; j < t; j++) { float v = s.get(i * t + j); if (j <= i) md = Math.max(md, Math.abs(v - full[i * t + j])); else if (v != 7f) upperTouched++; }
        System.out.println("maxdiff lower " + md + " upper touched " + upperTouched);
    }
}
