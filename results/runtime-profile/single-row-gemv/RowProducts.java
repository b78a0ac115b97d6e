import static org.bytedeco.openblas.global.openblas_full.*;

import org.bytedeco.javacpp.FloatPointer;

/**
 * One row times a weight, on native pointers (no copies from the Java heap): OpenBLAS's sgemm with m = 1 against sgemv
 * on the same (out × in) weight, in GB/s of weight read, best of 5 rounds. The weight and the row hold ordinary values
 * (an uninitialised native row can hold denormals, which slow both down and say nothing).
 * usage: java -cp lowrank-bench.jar:. RowProducts THREADS
 */
public class RowProducts {
    public static void main(String[] args) {
        openblas_set_num_threads(Integer.parseInt(args[0]));
        int[][] shapes = {{320, 320}, {864, 320}, {320, 864}, {512, 1024}, {1024, 1024}, {2752, 1024}, {1024, 2752}, {32000, 1024}};
        for (int[] shape : shapes) {
            int out = shape[0], in = shape[1];
            FloatPointer w = new FloatPointer((long) out * in), x = new FloatPointer(in), y = new FloatPointer(out);
            float[] values = new float[out * in];
            for (int i = 0; i < values.length; i++) {
                values[i] = (i % 7) * 0.01f;
            }
            w.put(values);
            float[] row = new float[in];
            for (int i = 0; i < in; i++) {
                row[i] = 0.5f + (i % 5) * 0.1f;
            }
            x.put(row);
            y.put(new float[out]);
            int reps = (int) Math.max(20, 4e8 / ((long) out * in * 4));
            double gemm = 0, gemv = 0;
            for (int round = 0; round < 5; round++) {
                long t0 = System.nanoTime();
                for (int r = 0; r < reps; r++) {
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, 1, out, in, 1f, x, in, w, in, 0f, y, out);
                }
                long t1 = System.nanoTime();
                for (int r = 0; r < reps; r++) {
                    cblas_sgemv(CblasRowMajor, CblasNoTrans, out, in, 1f, w, in, x, 1, 0f, y, 1);
                }
                long t2 = System.nanoTime();
                double bytes = (double) out * in * 4 * reps;
                gemm = Math.max(gemm, bytes / (t1 - t0));
                gemv = Math.max(gemv, bytes / (t2 - t1));
            }
            System.out.printf("%5d x %5d (%5.1f MB): sgemm with m = 1 %6.1f GB/s, sgemv %6.1f GB/s%n", out, in, out * in * 4 / 1e6, gemm, gemv);
        }
    }
}
