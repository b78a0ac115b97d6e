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
import org.lowrank4j.nn.layers.RMSNorm;
import org.lowrank4j.nn.layers.RotaryEmbedding;
import org.lowrank4j.nn.layers.SwiGluMlp;
import org.lowrank4j.nn.tensor.GeluVariant;
import org.lowrank4j.nn.tensor.Kernels;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;

/**
 * Pre-norm residual block (GPT-2, LLaMA): {@code h = x + attn(norm1(x))}, {@code out = h + mlp(norm2(h))}.
 */
public final class PreNormBlock implements TransformerBlock {
    private final Layer attentionNorm;
    private final Attention attention;
    private final Layer mlpNorm;
    private final Layer mlp;

    public PreNormBlock(Layer attentionNorm, Attention attention, Layer mlpNorm, Layer mlp) {
        this.attentionNorm = attentionNorm;
        this.attention = attention;
        this.mlpNorm = mlpNorm;
        this.mlp = mlp;
    }

    /**
     * A LLaMA block with zero weights: RMSNorm, causal grouped-query attention with RoPE and no biases, SwiGLU
     * feed-forward of width {@code hidden}. Parameters are named {@code name.attn_norm}, {@code name.attn.q}, …,
     * {@code name.mlp_norm}, {@code name.mlp.gate|up|down}.
     */
    public static PreNormBlock llama(String name, int channels, int heads, int kvHeads, int hidden, double eps,
            RotaryEmbedding rope, Precision precision) {
        return new PreNormBlock(new RMSNorm(name + ".attn_norm", channels, eps, precision),
                Attention.dense(name + ".attn", channels, heads, kvHeads, false, true, rope, precision),
                new RMSNorm(name + ".mlp_norm", channels, eps, precision),
                new SwiGluMlp(Linear.dense(name + ".mlp.gate", channels, hidden, false, precision),
                        Linear.dense(name + ".mlp.up", channels, hidden, false, precision),
                        Linear.dense(name + ".mlp.down", hidden, channels, false, precision)));
    }

    /** A GPT-2 block with zero weights: LayerNorm, causal multi-head attention with biases, tanh-GELU MLP of width 4C. */
    public static PreNormBlock gpt2(String name, int channels, int heads, double eps, Precision precision) {
        return new PreNormBlock(new LayerNorm(name + ".attn_norm", channels, eps, true, precision),
                Attention.dense(name + ".attn", channels, heads, heads, true, true, null, precision),
                new LayerNorm(name + ".mlp_norm", channels, eps, true, precision),
                new GeluMlp(Linear.dense(name + ".mlp.up", channels, 4 * channels, true, precision),
                        Linear.dense(name + ".mlp.down", 4 * channels, channels, true, precision), GeluVariant.TANH));
    }

    public Layer attentionNorm() {
        return attentionNorm;
    }

    public Attention attention() {
        return attention;
    }

    public Layer mlpNorm() {
        return mlpNorm;
    }

    public Layer mlp() {
        return mlp;
    }

    @Override
    public Tensor forward(Tensor x, int[] attentionMask) {
        Tensor h = attention.forward(attentionNorm.forward(x), attentionMask); // (B,T,C)
        Kernels kn = Kernels.of(x);
        kn.addInPlace(h, x);
        Tensor out = mlp.forward(mlpNorm.forward(h));
        kn.addInPlace(out, h);
        return out;
    }

    @Override
    public Tensor backward(Tensor dout) {
        Tensor dh = backwardThroughMlp(dout);
        Tensor dx = attentionNorm.backward(attention.backward(dh));
        Kernels.of(dout).addInPlace(dx, dh);
        return dx;
    }

    /** The gradient at h, the attention half's output: through the MLP branch plus the residual. */
    private Tensor backwardThroughMlp(Tensor dout) {
        Tensor dh = mlpNorm.backward(mlp.backward(dout));
        Kernels.of(dout).addInPlace(dh, dout);
        return dh;
    }

    /**
     * Without the input gradient: when the attention norm is frozen its backward feeds only dx, so it is skipped, and so
     * are the q, k and v projections' products back to the input.
     */
    @Override
    public void backwardParameters(Tensor dout) {
        if (attentionNorm.parameters().stream().anyMatch(p -> !p.isFrozen())) {
            backward(dout); // the norm's own gradient needs the attention's input gradient
            return;
        }
        attention.backward(backwardThroughMlp(dout), false);
    }

    @Override
    public Tensor decode(Tensor x, KVCache cache) {
        Tensor h = attention.decode(attentionNorm.forward(x), cache);
        Kernels kn = Kernels.of(x);
        kn.addInPlace(h, x);
        Tensor out = mlp.forward(mlpNorm.forward(h));
        kn.addInPlace(out, h);
        return out;
    }

    @Override
    public List<Parameter> parameters() {
        List<Parameter> out = new ArrayList<>(attentionNorm.parameters());
        out.addAll(attention.parameters());
        out.addAll(mlpNorm.parameters());
        out.addAll(mlp.parameters());
        return out;
    }
}
