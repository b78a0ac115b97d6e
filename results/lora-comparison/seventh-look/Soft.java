import java.util.*;
import org.lowrank4j.nn.tensor.*;

public class Soft {
    static double t(Runnable r, int n) {
        double[] s = new double[n];
        for (int i = -50; i < n; i++) { long a = System.nanoTime(); r.run(); if (i >= 0) s[i] = (System.nanoTime() - a) / 1e3; }
        Arrays.sort(s); return s[n / 2];
    }
    public static void main(String[] a) {
        Random r = new Random(1);
        int T = 256;
        Tensor src = Tensor.gaussian(Precision.FLOAT32, r, 1, 1, 1, T, T), p = src.copy();
        Kernels kn = Kernels.of(p);
        double copy = t(() -> p.copyFrom(src), 400);
        double causal = t(() -> { p.copyFrom(src); kn.attentionSoftmax(p, null, true, 0); }, 400) - copy;
        double full = t(() -> { p.copyFrom(src); kn.attentionSoftmax(p, null, false, 0); }, 400) - copy;
        System.out.printf("copy %.1f us; causal softmax %.1f us (%.2f ns per kept entry); full softmax %.1f us (%.2f ns per entry)%n", copy, causal, causal * 1e3 / (T * (T + 1) / 2), full, full * 1e3 / (T * T));
    }
}
