import static org.bytedeco.openblas.global.openblas_full.*;
import org.bytedeco.javacpp.FloatPointer;
/** The six products of one LoRA branch (N = 1,024, in = out = 320, r = 8) and one 1,024 × 320 copy each way, in µs. */
public class BranchTimes {
    public static void main(String[] a) {
        openblas_set_num_threads(1);
        int n = 1024, c = 320, r = 8;
        FloatPointer X = new FloatPointer((long) n * c), DY = new FloatPointer((long) n * c), DX = new FloatPointer((long) n * c), Y = new FloatPointer((long) n * c);
        FloatPointer A = new FloatPointer((long) r * c), B = new FloatPointer((long) c * r), H = new FloatPointer((long) n * r), Gm = new FloatPointer((long) n * r);
        FloatPointer dA = new FloatPointer((long) r * c), dB = new FloatPointer((long) c * r);
        float[] heap = new float[n * c]; java.util.Random rr = new java.util.Random(1); for (FloatPointer p : new FloatPointer[] {X, DY, DX, Y, A, B, H, Gm, dA, dB}) for (long i = 0; i < p.capacity(); i++) p.put(i, (float) rr.nextGaussian() * 0.1f);
        for (int round = 0; round < 5; round++) {
            int reps = 300; long[] t = new long[8];
            for (int i = 0; i < reps; i++) {
                long t0 = System.nanoTime();
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, r, c, 1f, X, c, A, c, 0f, H, r);          // H = X A^T
                long t1 = System.nanoTime();
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, c, r, 1f, H, r, B, r, 1f, Y, c);          // Y += H B^T
                long t2 = System.nanoTime();
                cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, c, r, n, 1f, DY, c, H, r, 1f, dB, r);        // dB += dy^T H
                long t3 = System.nanoTime();
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, r, c, 1f, DY, c, B, r, 0f, Gm, r);      // G = dy B
                long t4 = System.nanoTime();
                cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, r, c, n, 1f, Gm, r, X, c, 1f, dA, c);        // dA += G^T X
                long t5 = System.nanoTime();
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, c, r, 1f, Gm, r, A, c, 1f, DX, c);      // dx += G A
                long t6 = System.nanoTime();
                X.put(heap, 0, n * c);                                                                             // one staging copy
                long t7 = System.nanoTime();
                X.get(heap, 0, n * c);
                long t8 = System.nanoTime();
                t[0] += t1 - t0; t[1] += t2 - t1; t[2] += t3 - t2; t[3] += t4 - t3; t[4] += t5 - t4; t[5] += t6 - t5; t[6] += t7 - t6; t[7] += t8 - t7;
            }
            String[] names = {"H=XA^T", "Y+=HB^T", "dB+=dy^T H", "G=dyB", "dA+=G^T X", "dx+=GA", "put 1024x320", "get 1024x320"};
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < 8; i++) sb.append(String.format("%s %.0f  ", names[i], t[i] / 1e3 / reps));
            System.out.println(sb + "us");
        }
    }
}
