package org.lowrank4j.nn.arch.bert;

import org.lowrank4j.linalg.FloatMatrix;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.block.PostNormBlock;
import org.lowrank4j.nn.layers.Attention;
import org.lowrank4j.nn.layers.GeluMlp;
import org.lowrank4j.nn.layers.LayerNorm;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.tensor.FloatTensor;
import org.lowrank4j.nn.tensor.FusedKernels;
import org.lowrank4j.nn.tensor.MlpActivation;
import org.lowrank4j.nn.tensor.MatMul;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.weight.DenseWeight;

/**
 * The float32 inference forward of a {@link BertModel}: the same last_hidden_state as {@link BertModel#forward},
 * keeping no activations, with the element-wise work fused around the GEMMs. Per block and per forward:
 * <ul>
 *   <li>the query, key and value projections are written side by side into one (N, 3C) buffer;</li>
 *   <li>attention reads every head in place there (row stride 3C), adds the projection biases, scales, masks and
 *       normalises one query row at a time, and writes the token-major (N, C) result the output projection reads:
 *       no head split or merge copies and no (B, H, T, T) score tensor;</li>
 *   <li>output bias + residual + layer norm in one pass per row, MLP bias + GELU in one pass, MLP down bias +
 *       residual + layer norm in one pass.</li>
 * </ul>
 * The six buffers (x, qkv, attention, h, hidden, projection) are allocated once per forward and reused by every block.
 * Dense weights go to BLAS as they are; any other factorization runs its own forward into the buffer.
 */
final class BertInference {
    private BertInference() {
    }

    /** Whether every block has the shape this path fuses (erf GELU MLP, LayerNorm, equal heads, no RoPE, bidirectional). */
    static boolean supports(BertModel model) {
        if (model.precision() != Precision.FLOAT32) {
            return false;
        }
        for (PostNormBlock block : model.blocks()) {
            Attention a = block.attention();
            if (!(block.attentionNorm() instanceof LayerNorm) || !(block.mlpNorm() instanceof LayerNorm)
                    || !(block.mlp() instanceof GeluMlp mlp) || mlp.variant() != MlpActivation.GELU_ERF
                    || a.rope() != null || a.causal() || a.headSize() != a.valueSize()) {
                return false;
            }
        }
        return true;
    }

    /** last_hidden_state (B, T, C); inputs validated by the caller. */
    static Tensor forward(BertModel model, int[] ids, int[] tokenTypes, int[] mask, int batch, int time) {
        int c = model.config().hiddenSize(), n = batch * time;
        Tensor embedded = model.embedding().lookup(ids, model.embedding().type() == null ? null : tokenTypes, batch, time, 0);
        float[] x = ((FloatTensor) embedded).data();
        LayerNorm embNorm = model.embeddingNorm();
        FusedKernels.layerNorm(x, x, floats(embNorm.weight()), floats(embNorm.bias()), n, c, embNorm.eps());
        Buffers buffers = new Buffers();
        for (PostNormBlock block : model.blocks()) {
            block(block, x, mask, batch, time, c, buffers);
        }
        return embedded;
    }

    /** Grown on first use, then reused by every block of one forward. */
    private static final class Buffers {
        float[] qkv, attended, h, hidden, projected;

        static float[] sized(float[] b, int size) {
            return b != null && b.length == size ? b : new float[size];
        }
    }

    /** One post-norm block in place on x (N, C). */
    private static void block(PostNormBlock block, float[] x, int[] mask, int batch, int time, int c, Buffers buf) {
        int n = batch * time;
        Attention a = block.attention();
        Linear q = a.query(), k = a.key(), v = a.value();
        int qw = q.outFeatures(), kw = k.outFeatures(), vw = v.outFeatures(), stride = qw + kw + vw;
        buf.qkv = Buffers.sized(buf.qkv, n * stride);
        FloatMatrix xm = FloatMatrix.wrap(x, n, c), qkv = FloatMatrix.wrap(buf.qkv, n, stride);
        project(q, xm, qkv.colRange(0, qw));
        project(k, xm, qkv.colRange(qw, qw + kw));
        project(v, xm, qkv.colRange(qw + kw, stride));
        int heads = a.heads(), width = heads * a.valueSize();
        buf.attended = Buffers.sized(buf.attended, n * width);
        FusedKernels.attention(buf.attended, buf.qkv, stride, 0, qw, qw + kw, floats(q.bias()), floats(k.bias()), floats(v.bias()),
                mask, batch, time, heads, a.kvHeads(), a.headSize(), (float) a.scale());

        buf.projected = Buffers.sized(buf.projected, n * c);
        project(a.output(), FloatMatrix.wrap(buf.attended, n, width), FloatMatrix.wrap(buf.projected, n, c));
        buf.h = Buffers.sized(buf.h, n * c);
        LayerNorm norm1 = (LayerNorm) block.attentionNorm();
        FusedKernels.residualBiasLayerNorm(buf.h, buf.projected, floats(a.output().bias()), x, floats(norm1.weight()),
                floats(norm1.bias()), n, c, norm1.eps());

        GeluMlp mlp = (GeluMlp) block.mlp();
        int hiddenWidth = mlp.up().outFeatures();
        buf.hidden = Buffers.sized(buf.hidden, n * hiddenWidth);
        project(mlp.up(), FloatMatrix.wrap(buf.h, n, c), FloatMatrix.wrap(buf.hidden, n, hiddenWidth));
        FusedKernels.biasGelu(buf.hidden, floats(mlp.up().bias()), n, hiddenWidth);
        project(mlp.down(), FloatMatrix.wrap(buf.hidden, n, hiddenWidth), FloatMatrix.wrap(buf.projected, n, c));
        LayerNorm norm2 = (LayerNorm) block.mlpNorm();
        FusedKernels.residualBiasLayerNorm(x, buf.projected, floats(mlp.down().bias()), buf.h, floats(norm2.weight()),
                floats(norm2.bias()), n, c, norm2.eps());
    }

    /** target (N, out) = input (N, in) · Wᵀ, without the bias (the fused kernels add it). */
    private static void project(Linear layer, FloatMatrix input, FloatMatrix target) {
        if (layer.weight() instanceof DenseWeight dense) {
            MatMul.gemm(1, input, dense.weight().value().matrix().transpose(), 0, target);
        } else {
            Tensor y = layer.weight().forward(FloatTensor.wrap(input.data(), input.rows(), input.cols()));
            target.assign(y.matrix(input.rows(), layer.outFeatures()));
        }
    }

    private static float[] floats(Parameter p) {
        return p == null ? null : ((FloatTensor) p.value()).data();
    }
}
