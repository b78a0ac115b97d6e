package org.lowrank4j.export;

import java.util.List;
import org.lowrank4j.formats.onnx.ExternalDataWriter;
import org.lowrank4j.formats.onnx.SiteRole;
import org.lowrank4j.nn.arch.llama.LlamaModel;
import org.lowrank4j.nn.block.PreNormBlock;
import org.lowrank4j.nn.layers.RMSNorm;
import org.lowrank4j.nn.layers.SwiGluMlp;

/**
 * A LLaMA-family decoder ({@link LlamaModel}: dense, low-rank, quantized or narrowed blocks) as a {@link DecoderGraph}:
 * token embedding, per block RMSNorm (x / √(mean(x²) + ε) · w), attention with RoPE, residual, RMSNorm, SwiGLU MLP,
 * residual; a final RMSNorm and the output projection (the embedding table when tied). Gemma's parts come along where
 * the model has them: the embedding's √C, norms of multiplier 1 + w (stored as that multiplier), GeGLU, and Gemma 3's
 * post-norms. It computes what {@link LlamaModel#decode} computes.
 */
final class LlamaGraph {
    private LlamaGraph() {
    }

    /**
     * The graph of {@code model}, large float initializers written to {@code sink} as they are made (null: every
     * initializer in the graph); weights are read as they are (in float32) and not changed.
     */
    static DecoderGraph.Built build(LlamaModel model, ExternalDataWriter sink) {
        int layers = model.config().numHiddenLayers();
        DecoderGraph d = new DecoderGraph("lowrank4j_llama_decoder", layers, i -> model.block(i).attention(), model.vocabSize(), sink);
        String table = d.table("model.embed_tokens.weight", model.tokenEmbedding().token().value());
        String x = d.gather("model.embed_tokens", table, "input_ids");
        double scale = model.tokenEmbedding().scale();
        if (scale != 1) {
            x = d.g.op("Mul", "model.embed_tokens/scaled", List.of(x, d.g.scalar("model.embed_tokens/scale", (float) scale)));
        }
        for (int i = 0; i < layers; i++) {
            x = block(d, i, model.block(i), x);
        }
        d.logits(d.rmsNorm("model.norm", model.norm(), x), model.tiedEmbeddings() ? table : null, model.outputProjection(), model.logitShaping());
        return d.built();
    }

    private static String block(DecoderGraph d, int i, PreNormBlock block, String x) {
        String p = "model.layers." + i;
        String h = block.hasPreNorms() ? d.rmsNorm(p + ".input_layernorm", (RMSNorm) block.attentionNorm(), x) : x; // OLMo 2: none
        String attention = d.attention(p + ".self_attn", i, block.attention(), h);
        if (block.hasPostNorms()) {
            attention = d.rmsNorm(p + ".post_attention_layernorm", (RMSNorm) block.attentionPostNorm(), attention);
        }
        String r = d.add(p + "/attention_residual", x, scaled(d, p + "/attention_scaled", attention, block.residualScale()));
        String h2 = !block.hasPreNorms() ? r
                : d.rmsNorm(p + (block.hasPostNorms() ? ".pre_feedforward_layernorm" : ".post_attention_layernorm"), (RMSNorm) block.mlpNorm(), r);
        SwiGluMlp mlp = (SwiGluMlp) block.mlp();
        String gate = d.linear(i, SiteRole.FFN_GATE, mlp.gate(), h2);
        String up = d.linear(i, SiteRole.FFN_UP, mlp.up(), h2);
        String activated = mlp.activation() == SwiGluMlp.Activation.SILU ? d.silu(p + "/silu", gate) : d.gelu(p + "/gelu", gate, mlp.activation() == SwiGluMlp.Activation.GELU_ERF);
        String product = d.g.op("Mul", p + "/gated", List.of(activated, up));
        String out = d.linear(i, SiteRole.FFN_DOWN, mlp.down(), product);
        if (block.hasPostNorms()) {
            out = d.rmsNorm(p + ".post_feedforward_layernorm", (RMSNorm) block.mlpPostNorm(), out);
        }
        return d.add(p + "/mlp_residual", r, scaled(d, p + "/mlp_scaled", out, block.residualScale()));
    }

    /** A branch's output times the block's residual scale (Granite's {@code residual_multiplier}), or as it is for 1. */
    private static String scaled(DecoderGraph d, String hint, String branch, double scale) {
        return scale == 1 ? branch : d.g.op("Mul", hint, List.of(branch, d.g.scalar(hint + "/by", (float) scale)));
    }
}
