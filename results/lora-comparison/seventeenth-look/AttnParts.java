import java.util.*;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.layers.*;
import org.lowrank4j.nn.tensor.*;

/**
 * One layer of the SOTU decoder's attention (width 320, 8 heads over 4 kv heads of 40, RoPE; 4 x 256 tokens), its four
 * projections frozen as in a LoRA step without branches: forward + backward, against the same four projections' forward
 * and input-gradient products alone (o's on a stand-in input of its shape). The difference is the attention core (RoPE,
 * heads split and merged, scores, softmax, the products with P and their backward), which every step pays six times.
 */
public class AttnParts {
    public static void main(String[] a) {
        int rounds = Integer.parseInt(a[0]);
        Random r = new Random(1);
        RotaryEmbedding rope = RotaryEmbedding.standard(40, 10000, 256);
        Attention att = Attention.dense("a", 320, 8, 4, false, true, rope, Precision.FLOAT32);
        for (Parameter p : att.parameters()) { p.value().copyFrom(Tensor.gaussian(Precision.FLOAT32, r, 0.05, p.value().shape())); p.freeze(); }
        Tensor x = Tensor.gaussian(Precision.FLOAT32, r, 1, 4, 256, 320), dout = Tensor.gaussian(Precision.FLOAT32, r, 1, 4, 256, 320);
        Linear[] ps = {att.query(), att.key(), att.value(), att.output()};
        Tensor[] ys = new Tensor[4]; Tensor[] dxs = new Tensor[4];
        for (int i = 0; i < 4; i++) { ys[i] = Tensor.zeros(Precision.FLOAT32, 4, 256, ps[i].outFeatures()); dxs[i] = Tensor.zeros(Precision.FLOAT32, 4, 256, ps[i].inFeatures()); }
        double[] ta = new double[rounds], tp = new double[rounds], tf = new double[rounds];
        for (int i = -5; i < rounds; i++) {
            long s = System.nanoTime();
            att.forward(x, null);
            long m = System.nanoTime();
            att.backward(dout);
            long e = System.nanoTime();
            long s2 = System.nanoTime();
            for (int j = 0; j < 4; j++) { ps[j].forwardInto(ys[j], j == 3 ? dout : x); }
            for (int j = 0; j < 4; j++) { ps[j].backwardInto(dxs[j], ys[j], false); }
            long e2 = System.nanoTime();
            if (i >= 0) { ta[i] = (e - s) / 1e6; tf[i] = (m - s) / 1e6; tp[i] = (e2 - s2) / 1e6; }
        }
        Arrays.sort(ta); Arrays.sort(tp); Arrays.sort(tf);
        System.out.printf("one layer: attention fwd+bwd %.2f ms (fwd %.2f), its four projections fwd+input-grad %.2f ms, core %.2f ms; x6 layers core %.1f ms%n",
            ta[rounds/2], tf[rounds/2], tp[rounds/2], ta[rounds/2]-tp[rounds/2], 6*(ta[rounds/2]-tp[rounds/2]));
    }
}
