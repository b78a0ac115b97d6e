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
import org.lowrank4j.nn.tensor.MlpActivation;
import org.lowrank4j.nn.tensor.Kernels;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.StepBuffers;
import org.lowrank4j.nn.tensor.Tensor;

/**
 * Pre-norm residual block (GPT-2, LLaMA): {@code h = x + attn(norm1(x))}, {@code out = h + mlp(norm2(h))}. With
 * post-norms as well (Gemma 2's and 3's "sandwich"), each branch's output is normalised before it joins the residual:
 * {@code h = x + post1(attn(norm1(x)))}, {@code out = h + post2(mlp(norm2(h)))}. With a residual scale r (Granite's
 * {@code residual_multiplier}), each branch's output is multiplied by r before it joins: {@code h = x + r·attn(norm1(x))}.
 * Without pre-norms (OLMo 2: both null), each branch reads the residual stream as it is and only its post-norm normalises:
 * {@code h = x + post1(attn(x))}, {@code out = h + post2(mlp(h))}. With its norms after the residual adds
 * ({@link #normsAfterResidual}: OPT-350M, the original Transformer's post-norm), {@code h = norm1(x + attn(x))},
 * {@code out = norm2(h + mlp(h))}.
 */
public final class PreNormBlock implements TransformerBlock {
    private final Layer attentionNorm;
    private final Attention attention;
    private final Layer mlpNorm;
    private final Layer mlp;
    private final Layer attentionPostNorm; // or null
    private final Layer mlpPostNorm;       // or null
    private final double residualScale;    // each branch's output times this before the residual add (1: plain)
    private final boolean normsAfterResidual; // norm1 and norm2 on the sums, not on the branches' inputs (OPT-350M)
    // the branches' gradients times the residual scale, in a training step (StepBuffers)
    private final StepBuffers.Slot scaledAttentionGradient = new StepBuffers.Slot(), scaledMlpGradient = new StepBuffers.Slot();

    public PreNormBlock(Layer attentionNorm, Attention attention, Layer mlpNorm, Layer mlp) {
        this(attentionNorm, attention, mlpNorm, mlp, null, null);
    }

    /** A block whose attention and MLP outputs are each normalised before the residual add (both post-norms, or neither). */
    public PreNormBlock(Layer attentionNorm, Attention attention, Layer mlpNorm, Layer mlp, Layer attentionPostNorm, Layer mlpPostNorm) {
        this(attentionNorm, attention, mlpNorm, mlp, attentionPostNorm, mlpPostNorm, 1, false);
    }

    private PreNormBlock(Layer attentionNorm, Attention attention, Layer mlpNorm, Layer mlp, Layer attentionPostNorm, Layer mlpPostNorm,
            double residualScale, boolean normsAfterResidual) {
        if (normsAfterResidual && (attentionNorm == null || mlpNorm == null || attentionPostNorm != null || residualScale != 1)) {
            throw new IllegalArgumentException("a block with its norms after the residual adds has both norms, no post-norms and no residual scale");
        }
        this.normsAfterResidual = normsAfterResidual;
        if ((attentionPostNorm == null) != (mlpPostNorm == null)) {
            throw new IllegalArgumentException("a block has both post-norms (attention and MLP) or neither");
        }
        if ((attentionNorm == null) != (mlpNorm == null) || attentionNorm == null && attentionPostNorm == null) {
            throw new IllegalArgumentException("a block has both pre-norms (attention and MLP) or neither, and then post-norms");
        }
        if (!Double.isFinite(residualScale) || residualScale == 0) {
            throw new IllegalArgumentException("a residual scale must be a finite number other than 0, got " + residualScale);
        }
        this.residualScale = residualScale;
        this.attentionNorm = attentionNorm;
        this.attention = attention;
        this.mlpNorm = mlpNorm;
        this.mlp = mlp;
        this.attentionPostNorm = attentionPostNorm;
        this.mlpPostNorm = mlpPostNorm;
    }

    /**
     * A block whose norms apply to the residual sums ({@code h = norm1(x + attn(x))}, {@code out = norm2(h + mlp(h))}):
     * OPT-350M's, with {@code do_layer_norm_before: false}.
     */
    public static PreNormBlock normsAfterResidual(Layer attentionNorm, Attention attention, Layer mlpNorm, Layer mlp) {
        return new PreNormBlock(attentionNorm, attention, mlpNorm, mlp, null, null, 1, true);
    }

    /** True when the norms apply to the residual sums rather than to the branches' inputs ({@link #normsAfterResidual}). */
    public boolean normsAfterResidual() {
        return normsAfterResidual;
    }

    /** This block (the same layers) with each branch's output multiplied by {@code scale} before the residual add. */
    public PreNormBlock withResidualScale(double scale) {
        return new PreNormBlock(attentionNorm, attention, mlpNorm, mlp, attentionPostNorm, mlpPostNorm, scale, normsAfterResidual);
    }

    /** What each branch's output is multiplied by before the residual add: 1, or Granite's {@code residual_multiplier}. */
    public double residualScale() {
        return residualScale;
    }

    /** The norm on the attention's output before the residual add (Gemma 2 and 3, OLMo 2 and 3), or null. */
    public Layer attentionPostNorm() {
        return attentionPostNorm;
    }

    /** The norm on the MLP's output before the residual add (Gemma 2 and 3, OLMo 2 and 3), or null. */
    public Layer mlpPostNorm() {
        return mlpPostNorm;
    }

    /** True for a block with post-norms, which code that writes out the plain pre-norm forward must refuse. */
    public boolean hasPostNorms() {
        return attentionPostNorm != null;
    }

    /** False for a block whose branches read the residual stream without a norm (OLMo 2's). */
    public boolean hasPreNorms() {
        return attentionNorm != null;
    }

    private static Tensor pre(Layer norm, Tensor x) {
        return norm == null ? x : norm.forward(x);
    }

    private static Tensor unpre(Layer norm, Tensor dx) {
        return norm == null ? dx : norm.backward(dx);
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
                        Linear.dense(name + ".mlp.down", 4 * channels, channels, true, precision), MlpActivation.GELU_TANH));
    }

    /** The norm before the attention, or null (OLMo 2). */
    public Layer attentionNorm() {
        return attentionNorm;
    }

    public Attention attention() {
        return attention;
    }

    /** The norm before the MLP, or null (OLMo 2). */
    public Layer mlpNorm() {
        return mlpNorm;
    }

    public Layer mlp() {
        return mlp;
    }

    @Override
    public Tensor forward(Tensor x, int[] attentionMask) {
        return through(x, normed -> attention.forward(normed, attentionMask));
    }

    /** The block on x (B,T,C) with {@code attend} running its attention (a full-sequence forward or a cached decode). */
    private Tensor through(Tensor x, java.util.function.UnaryOperator<Tensor> attend) {
        if (normsAfterResidual) {
            Tensor sum = attend.apply(x);
            Kernels.of(x).addInPlace(sum, x);
            Tensor h = attentionNorm.forward(sum);
            Tensor out = mlp.forward(h);
            Kernels.of(x).addInPlace(out, h);
            return mlpNorm.forward(out);
        }
        Tensor h = post(attentionPostNorm, attend.apply(pre(attentionNorm, x))); // (B,T,C)
        Kernels kn = Kernels.of(x);
        kn.addInPlace(h, x);
        Tensor out = post(mlpPostNorm, mlp.forward(pre(mlpNorm, h)));
        kn.addInPlace(out, h);
        return out;
    }

    /** A branch's output as it joins the residual: post-normed when the block has post-norms, times the residual scale. */
    private Tensor post(Layer norm, Tensor branch) {
        Tensor out = norm == null ? branch : norm.forward(branch);
        if (residualScale != 1) {
            Kernels.of(out).scale(out, residualScale);
        }
        return out;
    }

    /**
     * The gradient at a branch's output for the gradient where it joined the residual (dbranch is left as it is); a
     * scaled copy goes into {@code scaled} (a buffer kept from step to step inside a training step).
     */
    private Tensor unpost(Layer norm, Tensor dbranch, StepBuffers.Slot scaled) {
        Tensor d = dbranch;
        if (residualScale != 1) {
            d = scaled.take(dbranch.precision(), dbranch.shape());
            d.copyFrom(dbranch);
            Kernels.of(d).scale(d, residualScale);
        }
        return norm == null ? d : norm.backward(d);
    }

    @Override
    public Tensor backward(Tensor dout) {
        if (normsAfterResidual) {
            Tensor dsum = attentionSumGradient(dout);
            Tensor dx = attention.backward(dsum);
            Kernels.of(dout).addInPlace(dx, dsum);
            return dx;
        }
        Tensor dh = backwardThroughMlp(dout);
        Tensor dx = unpre(attentionNorm, attention.backward(unpost(attentionPostNorm, dh, scaledAttentionGradient)));
        Kernels.of(dout).addInPlace(dx, dh);
        return dx;
    }

    /** With the norms after the residual adds: the gradient at x + attn(x), through norm2, the MLP and its residual, norm1. */
    private Tensor attentionSumGradient(Tensor dout) {
        Tensor dsum = mlpNorm.backward(dout);
        Tensor dh = mlp.backward(dsum);
        Kernels.of(dout).addInPlace(dh, dsum);
        return attentionNorm.backward(dh);
    }

    /** The gradient at h, the attention half's output: through the MLP branch plus the residual. */
    private Tensor backwardThroughMlp(Tensor dout) {
        Tensor dh = unpre(mlpNorm, mlp.backward(unpost(mlpPostNorm, dout, scaledMlpGradient)));
        Kernels.of(dout).addInPlace(dh, dout);
        return dh;
    }

    /**
     * Without the input gradient: when the attention norm is frozen its backward feeds only dx, so it is skipped, and so
     * are the q, k and v projections' products back to the input.
     */
    @Override
    public void backwardParameters(Tensor dout) {
        if (normsAfterResidual) { // both norms sit above the attention: their gradients come without its input gradient
            attention.backward(attentionSumGradient(dout), false);
            return;
        }
        if (attentionNorm != null && attentionNorm.parameters().stream().anyMatch(p -> !p.isFrozen())) {
            backward(dout); // the norm's own gradient needs the attention's input gradient
            return;
        }
        attention.backward(unpost(attentionPostNorm, backwardThroughMlp(dout), scaledAttentionGradient), false);
    }

    @Override
    public Tensor decode(Tensor x, KVCache cache) {
        return through(x, normed -> attention.decode(normed, cache));
    }

    /** In forward order: the attention norm, attention, its post-norm, the MLP norm, MLP, its post-norm (when present). */
    @Override
    public List<Parameter> parameters() {
        List<Parameter> out = new ArrayList<>(attentionNorm == null ? List.of() : attentionNorm.parameters());
        out.addAll(attention.parameters());
        if (attentionPostNorm != null) {
            out.addAll(attentionPostNorm.parameters());
        }
        if (mlpNorm != null) {
            out.addAll(mlpNorm.parameters());
        }
        out.addAll(mlp.parameters());
        if (mlpPostNorm != null) {
            out.addAll(mlpPostNorm.parameters());
        }
        return out;
    }
}
