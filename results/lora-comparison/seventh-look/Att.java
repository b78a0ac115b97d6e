import java.util.*;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.layers.*;
import org.lowrank4j.nn.tensor.*;

/** Times one causal attention layer (4 x 256 tokens, width 320, 8/4 heads, RoPE) forward + backward, and its four projections alone. */
public class Att {
    public static void main(String[] a) {
        Attention att = Attention.dense("a", 320, 8, 4, false, true, RotaryEmbedding.standard(40, 10000, 256), Precision.FLOAT32);
        Random r = new Random(1);
        for (Parameter p : att.parameters()) { Tensor v = p.value(); for (int i = 0; i < v.size(); i++) v.set(i, r.nextGaussian() * 0.05); }
        Tensor x = Tensor.gaussian(Precision.FLOAT32, r, 1, 4, 256, 320), dy = Tensor.gaussian(Precision.FLOAT32, r, 1, 4, 256, 320);
        int n = Integer.parseInt(a.length > 0 ? a[0] : "40");
        double[] full = new double[n], lin = new double[n];
        for (int i = -10; i < n; i++) {
            long s = System.nanoTime();
            att.forward(x, null);
            att.backward(dy);
            long m = System.nanoTime();
            for (Linear l : List.of(att.query(), att.key(), att.value(), att.output())) {
                Tensor in = l == att.output() ? Tensor.zeros(Precision.FLOAT32, 4, 256, 320) : x;
                Tensor y = l.forward(in);
                l.backward(y);
            }
            long e = System.nanoTime();
            if (i >= 0) { full[i] = (m - s) / 1e6; lin[i] = (e - m) / 1e6; }
        }
        Arrays.sort(full); Arrays.sort(lin);
        System.out.printf("attention fwd+bwd %.2f ms, its projections fwd+bwd %.2f ms, the rest %.2f ms%n", full[n/2], lin[n/2], full[n/2] - lin[n/2]);
    }
}
