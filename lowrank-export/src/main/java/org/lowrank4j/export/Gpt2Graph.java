package org.lowrank4j.export;

import org.lowrank4j.formats.onnx.ExternalDataWriter;
import org.lowrank4j.formats.onnx.SiteRole;
import org.lowrank4j.nn.arch.gpt2.Gpt2Model;
import org.lowrank4j.nn.block.PreNormBlock;
import org.lowrank4j.nn.layers.Embedding;
import org.lowrank4j.nn.layers.GeluMlp;
import org.lowrank4j.nn.layers.LayerNorm;
import org.lowrank4j.nn.tensor.MlpActivation;

/**
 * A GPT-2 or OPT decoder ({@link Gpt2Model}: dense or low-rank) as a {@link DecoderGraph}: token embedding plus the
 * learned position embedding at {@code position_ids} (OPT's table read two rows further on), per block LayerNorm,
 * attention (no RoPE; q, k and v as the runtime holds them, each in its own form), residual, LayerNorm, GELU or ReLU
 * MLP, residual; a final LayerNorm and the output projection (the token table when tied). OPT-350M's blocks normalise
 * after each residual add instead, and its token rows are projected in ({@code project_in}) and out
 * ({@code project_out}). It computes what {@link Gpt2Model#decode} computes. Initializers are named after the
 * checkpoint's tensors of each family.
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
        boolean opt = model.isOpt();
        Names n = opt ? OPT : GPT2;
        DecoderGraph d = new DecoderGraph(opt ? "lowrank4j_opt_decoder" : "lowrank4j_gpt2_decoder", layers, i -> model.block(i).attention(),
                model.vocabSize(), sink);
        Embedding e = model.embedding();
        String tokens = d.table(n.tokens + ".weight", e.token().value());
        String positions = d.table(n.positions + ".weight", e.position().value());
        String rows = opt ? d.add(n.positions + "/rows", "position_ids", d.g.scalar(n.positions + "/offset", (long) model.positionOffset())) : "position_ids";
        String tokenRows = d.gather(n.tokens, tokens, "input_ids");
        if (e.projection() != null) { // OPT-350M's project_in, before the positions are added
            tokenRows = d.linear(-1, SiteRole.OTHER, e.projection(), tokenRows);
        }
        String x = d.add(n.prefix + "/embeddings", tokenRows, d.gather(n.positions, positions, rows));
        for (int i = 0; i < layers; i++) {
            x = block(d, n, i, model.block(i), x);
        }
        if (model.finalNorm() != null) {
            x = d.layerNorm(n.finalNorm, model.finalNorm(), x);
        }
        if (model.projectOut() != null) {
            x = d.linear(-1, SiteRole.OTHER, model.projectOut(), x);
        }
        d.logits(x, model.tiedEmbeddings() ? tokens : null, model.outputProjection());
        return d.built();
    }

    /** The checkpoint names a family's graph takes its node and initializer names from. */
    private record Names(String prefix, String tokens, String positions, String layer, String attention, String attentionNorm,
            String mlpNorm, String finalNorm) {
    }

    private static final Names GPT2 = new Names("transformer", "transformer.wte", "transformer.wpe", "transformer.h.", ".attn", ".ln_1", ".ln_2",
            "transformer.ln_f");
    private static final Names OPT = new Names("model.decoder", "model.decoder.embed_tokens", "model.decoder.embed_positions",
            "model.decoder.layers.", ".self_attn", ".self_attn_layer_norm", ".final_layer_norm", "model.decoder.final_layer_norm");

    private static String block(DecoderGraph d, Names n, int i, PreNormBlock block, String x) {
        String p = n.layer + i;
        GeluMlp mlp = (GeluMlp) block.mlp();
        if (block.normsAfterResidual()) { // OPT-350M: norm1(x + attn(x)), norm2(h + mlp(h))
            String sum = d.add(p + "/attention_residual", x, d.attention(p + n.attention, i, block.attention(), x));
            String h = d.layerNorm(p + n.attentionNorm, (LayerNorm) block.attentionNorm(), sum);
            String out = d.add(p + "/mlp_residual", h, d.linear(i, SiteRole.FFN_DOWN, mlp.down(), activation(d, p, mlp, d.linear(i, SiteRole.FFN_UP, mlp.up(), h))));
            return d.layerNorm(p + n.mlpNorm, (LayerNorm) block.mlpNorm(), out);
        }
        String h = d.layerNorm(p + n.attentionNorm, (LayerNorm) block.attentionNorm(), x);
        String r = d.add(p + "/attention_residual", x, d.attention(p + n.attention, i, block.attention(), h));
        String h2 = d.layerNorm(p + n.mlpNorm, (LayerNorm) block.mlpNorm(), r);
        String activated = activation(d, p, mlp, d.linear(i, SiteRole.FFN_UP, mlp.up(), h2));
        return d.add(p + "/mlp_residual", r, d.linear(i, SiteRole.FFN_DOWN, mlp.down(), activated));
    }

    private static String activation(DecoderGraph d, String p, GeluMlp mlp, String up) {
        return mlp.variant() == MlpActivation.RELU ? d.relu(p + "/relu", up) : d.gelu(p + "/gelu", up, mlp.variant() == MlpActivation.GELU_ERF);
    }
}
