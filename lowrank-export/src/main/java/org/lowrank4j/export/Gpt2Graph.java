package org.lowrank4j.export;

import org.lowrank4j.formats.onnx.ExternalDataWriter;
import org.lowrank4j.formats.onnx.SiteRole;
import org.lowrank4j.nn.arch.gpt2.Gpt2Model;
import org.lowrank4j.nn.block.PreNormBlock;
import org.lowrank4j.nn.layers.Embedding;
import org.lowrank4j.nn.layers.GeluMlp;
import org.lowrank4j.nn.layers.LayerNorm;
import org.lowrank4j.nn.tensor.GeluVariant;

/**
 * A GPT-2 decoder ({@link Gpt2Model}: dense or low-rank) as a {@link DecoderGraph}: token embedding plus the learned
 * position embedding at {@code position_ids}, per block LayerNorm, attention (no RoPE; q, k and v as the runtime holds
 * them, each in its own form), residual, LayerNorm, GELU MLP, residual; a final LayerNorm and the output projection (the
 * token table when tied). It computes what {@link Gpt2Model#decode} computes.
 */
final class Gpt2Graph {
    private Gpt2Graph() {
    }

    /**
     * The graph of {@code model}, large float initializers written to {@code sink} as they are made (null: every
     * initializer in the graph); weights are read as they are (in float32) and not changed.
     */
    static DecoderGraph.Built build(Gpt2Model model, ExternalDataWriter sink) {
        int layers = model.config().numHiddenLayers();
        DecoderGraph d = new DecoderGraph("lowrank4j_gpt2_decoder", layers, i -> model.block(i).attention(), model.vocabSize(), sink);
        Embedding e = model.embedding();
        String tokens = d.table("transformer.wte.weight", e.token().value());
        String positions = d.table("transformer.wpe.weight", e.position().value());
        String x = d.add("transformer/embeddings", d.gather("transformer.wte", tokens, "input_ids"), d.gather("transformer.wpe", positions, "position_ids"));
        for (int i = 0; i < layers; i++) {
            x = block(d, i, model.block(i), x);
        }
        d.logits(d.layerNorm("transformer.ln_f", model.finalNorm(), x), model.tiedEmbeddings() ? tokens : null, model.outputProjection());
        return d.built();
    }

    private static String block(DecoderGraph d, int i, PreNormBlock block, String x) {
        String p = "transformer.h." + i;
        String h = d.layerNorm(p + ".ln_1", (LayerNorm) block.attentionNorm(), x);
        String r = d.add(p + "/attention_residual", x, d.attention(p + ".attn", i, block.attention(), h));
        String h2 = d.layerNorm(p + ".ln_2", (LayerNorm) block.mlpNorm(), r);
        GeluMlp mlp = (GeluMlp) block.mlp();
        String up = d.linear(i, SiteRole.FFN_UP, mlp.up(), h2);
        String activated = d.gelu(p + "/gelu", up, mlp.variant() == GeluVariant.ERF);
        return d.add(p + "/mlp_residual", r, d.linear(i, SiteRole.FFN_DOWN, mlp.down(), activated));
    }
}
