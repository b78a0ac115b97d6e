package org.lowrank4j.nn.stream;

import org.lowrank4j.nn.arch.llama.LlamaModel;
import org.lowrank4j.nn.block.PreNormBlock;
import org.lowrank4j.nn.layers.SwiGluMlp;
import org.lowrank4j.nn.tensor.Kernels;
import org.lowrank4j.nn.tensor.Tensor;

/**
 * A LLaMA-family decoder's full-sequence forward with every block's attention and SwiGLU MLP streamed (FlashSVD, spec
 * c14): the same logits as {@link LlamaModel#forward(int[], int, int)} up to float rounding, for dense, low-rank, mixed
 * or MoDeGPT-narrowed blocks, without the (N, d_ff) hidden states and the (B, H, T, T) probabilities.
 */
public final class StreamingDecoder {
    private StreamingDecoder() {
    }

    /** Logits (B, T, V) for token ids (B·T), positions 0..T−1. */
    public static Tensor forward(LlamaModel model, int[] ids, int batch, int time, Tiles tiles, TransientMemory memory) {
        return model.forward(ids, batch, time, (block, x) -> block(block, x, tiles, memory));
    }

    /** One pre-norm block: x + attn(norm(x)), then h + mlp(norm(h)). */
    static Tensor block(PreNormBlock block, Tensor x, Tiles tiles, TransientMemory memory) {
        if (!(block.mlp() instanceof SwiGluMlp mlp)) {
            throw new IllegalArgumentException("streaming covers SwiGLU MLPs in decoders; this block's MLP is " + block.mlp().getClass().getSimpleName());
        }
        if (block.hasPostNorms()) {
            throw new IllegalArgumentException(block.attention().query().name() + ": the tiled forward has no post-norms (Gemma 2 and 3)");
        }
        Tensor h = StreamingAttention.forward(block.attention(), block.attentionNorm().forward(x), null, tiles, memory);
        Kernels kn = Kernels.of(x);
        kn.scale(h, block.residualScale()); // Granite's residual_multiplier, 1 elsewhere
        kn.addInPlace(h, x);
        Tensor out = StreamingMlp.forward(mlp, block.mlpNorm().forward(h), tiles, memory);
        kn.scale(out, block.residualScale());
        kn.addInPlace(out, h);
        return out;
    }
}
