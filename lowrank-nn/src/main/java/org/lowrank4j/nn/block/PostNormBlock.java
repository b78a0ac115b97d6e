package org.lowrank4j.nn.block;

import java.util.ArrayList;
import java.util.List;
import org.lowrank4j.nn.Layer;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.layers.Attention;
import org.lowrank4j.nn.layers.GeluMlp;
import org.lowrank4j.nn.layers.KVCache;
import org.lowrank4j.nn.layers.LayerNorm;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.tensor.MlpActivation;
import org.lowrank4j.nn.tensor.Kernels;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;

/**
 * Post-norm residual block (BERT): {@code h = norm1(x + attn(x))}, {@code out = norm2(h + mlp(h))}.
 */
public final class PostNormBlock implements TransformerBlock {
    private final Attention attention;
    private final Layer attentionNorm;
    private final Layer mlp;
    private final Layer mlpNorm;

    public PostNormBlock(Attention attention, Layer attentionNorm, Layer mlp, Layer mlpNorm) {
        this.attention = attention;
        this.attentionNorm = attentionNorm;
        this.mlp = mlp;
        this.mlpNorm = mlpNorm;
    }

    /**
     * A BERT block with zero weights: bidirectional attention with biases, LayerNorm, erf-GELU MLP of width
     * {@code hidden}. Parameters are named {@code name.attn.q|k|v|o}, {@code name.attn_norm}, {@code name.mlp.up|down},
     * {@code name.mlp_norm}.
     */
    public static PostNormBlock bert(String name, int channels, int heads, int hidden, double eps, Precision precision) {
        return new PostNormBlock(Attention.dense(name + ".attn", channels, heads, heads, true, false, null, precision),
                new LayerNorm(name + ".attn_norm", channels, eps, true, precision),
                new GeluMlp(Linear.dense(name + ".mlp.up", channels, hidden, true, precision),
                        Linear.dense(name + ".mlp.down", hidden, channels, true, precision), MlpActivation.GELU_ERF),
                new LayerNorm(name + ".mlp_norm", channels, eps, true, precision));
    }

    public Attention attention() {
        return attention;
    }

    public Layer attentionNorm() {
        return attentionNorm;
    }

    public Layer mlp() {
        return mlp;
    }

    public Layer mlpNorm() {
        return mlpNorm;
    }

    @Override
    public Tensor forward(Tensor x, int[] attentionMask) {
        Kernels kn = Kernels.of(x);
        Tensor r1 = attention.forward(x, attentionMask); // (B,T,C)
        kn.addInPlace(r1, x);
        Tensor h = attentionNorm.forward(r1);
        Tensor r2 = mlp.forward(h);
        kn.addInPlace(r2, h);
        return mlpNorm.forward(r2);
    }

    @Override
    public Tensor backward(Tensor dout) {
        Kernels kn = Kernels.of(dout);
        Tensor dr2 = mlpNorm.backward(dout);       // d(h + mlp(h))
        Tensor dh = mlp.backward(dr2);
        kn.addInPlace(dh, dr2);
        Tensor dr1 = attentionNorm.backward(dh);   // d(x + attn(x))
        Tensor dx = attention.backward(dr1);
        kn.addInPlace(dx, dr1);
        return dx;
    }

    /** Incremental decoding; the attention must be causal (a BERT block is not, and refuses). */
    @Override
    public Tensor decode(Tensor x, KVCache cache) {
        Kernels kn = Kernels.of(x);
        Tensor r1 = attention.decode(x, cache);
        kn.addInPlace(r1, x);
        Tensor h = attentionNorm.forward(r1);
        Tensor r2 = mlp.forward(h);
        kn.addInPlace(r2, h);
        return mlpNorm.forward(r2);
    }

    @Override
    public List<Parameter> parameters() {
        List<Parameter> out = new ArrayList<>(attention.parameters());
        out.addAll(attentionNorm.parameters());
        out.addAll(mlp.parameters());
        out.addAll(mlpNorm.parameters());
        return out;
    }
}
