import java.util.*;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.layers.*;
import org.lowrank4j.nn.tensor.*;

/** One attention layer (SOTU decoder shape), forward + backward, probe.attention old / seq / par alternated per round. */
/**
 * One layer of the SOTU decoder's attention (width 320, 8 query heads over 4 key/value heads of 40, RoPE, 4 x 256 tokens),
 * projections frozen, forward + backward, in three forms alternated round by round in one JVM (per-head.patch applied):
 * old, the build's (every head's scores, then the softmax over all of them, then every head's products with P); seq, one
 * (sequence, key/value head) unit at a time, each head's scores, softmax and products back to back while its 256 x 256
 * block is in cache; par, the same units over the common pool with OpenBLAS held at one thread. Prints medians and the
 * largest difference of y and dx from the old form.
 */
public class AttnModes {
    public static void main(String[] a) {
        int rounds = Integer.parseInt(a[0]);
        Random r = new Random(1);
        RotaryEmbedding rope = RotaryEmbedding.standard(40, 10000, 256);
        Attention att = Attention.dense("a", 320, 8, 4, false, true, rope, Precision.FLOAT32);
        for (Parameter p : att.parameters()) { p.value().copyFrom(Tensor.gaussian(Precision.FLOAT32, r, 0.05, p.value().shape())); p.freeze(); }
        Tensor x = Tensor.gaussian(Precision.FLOAT32, r, 1, 4, 256, 320), dout = Tensor.gaussian(Precision.FLOAT32, r, 1, 4, 256, 320);
        String[] modes = {"old", "seq", "par"};
        Tensor[] ys = new Tensor[3], dxs = new Tensor[3];
        double[][] tf = new double[3][rounds], tb = new double[3][rounds];
        for (int i = -5; i < rounds; i++) {
            for (int m = 0; m < 3; m++) {
                System.setProperty("probe.attention", modes[m]);
                long s = System.nanoTime();
                Tensor y = att.forward(x, null);
                long mid = System.nanoTime();
                Tensor dx = att.backward(dout);
                long e = System.nanoTime();
                if (i >= 0) { tf[m][i] = (mid - s) / 1e6; tb[m][i] = (e - mid) / 1e6; }
                ys[m] = y.copy(); dxs[m] = dx.copy();
            }
        }
        for (int m = 0; m < 3; m++) {
            Arrays.sort(tf[m]); Arrays.sort(tb[m]);
            double dy = 0, ddx = 0;
            for (int j = 0; j < ys[0].size(); j++) { dy = Math.max(dy, Math.abs(ys[m].get(j) - ys[0].get(j))); ddx = Math.max(ddx, Math.abs(dxs[m].get(j) - dxs[0].get(j))); }
            System.out.printf("%s: forward %.2f ms, backward %.2f ms, total %.2f; max |diff| y %.2e dx %.2e%n", modes[m], tf[m][rounds / 2], tb[m][rounds / 2], tf[m][rounds/2]+tb[m][rounds/2], dy, ddx);
        }
    }
}
