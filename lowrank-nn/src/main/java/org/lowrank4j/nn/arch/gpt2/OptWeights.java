package org.lowrank4j.nn.arch.gpt2;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.lowrank4j.formats.safetensors.SafetensorsDtype;
import org.lowrank4j.formats.safetensors.TensorSource;
import org.lowrank4j.nn.block.PreNormBlock;
import org.lowrank4j.nn.generate.FactorTensors;
import org.lowrank4j.nn.generate.HfCheckpoint;
import org.lowrank4j.nn.layers.Attention;
import org.lowrank4j.nn.layers.Embedding;
import org.lowrank4j.nn.layers.GeluMlp;
import org.lowrank4j.nn.layers.LayerNorm;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.weight.DenseWeight;

/**
 * Hugging Face's OPT layout ({@code OPTForCausalLM}): {@code model.decoder.embed_tokens}, {@code embed_positions}
 * (two more rows than positions), per layer {@code self_attn_layer_norm}, {@code self_attn.q_proj|k_proj|v_proj|out_proj},
 * {@code final_layer_norm} (the MLP's norm), {@code fc1}, {@code fc2}, then the decoder's {@code final_layer_norm} (not in
 * OPT-350M, which has {@code project_in} and {@code project_out} instead), and {@code lm_head.weight} when untied. Weights are (out, in) as the runtime holds them. Facebook's own checkpoints leave
 * out the leading {@code model.}; both read. A low-rank folder stores a factorised projection as {@link FactorTensors}
 * under the projection's name.
 */
final class OptWeights {
    private static final String PREFIX = "model.decoder.";

    private OptWeights() {
    }

    /**
     * The projections of a block under their checkpoint names without the prefix ({@code layers.i.self_attn.q_proj} …):
     * the runtime's layers carry OPT's own names ({@link Gpt2Model#newBlock}), so these are theirs less
     * {@code model.decoder.}.
     */
    private static Map<String, Linear> projections(PreNormBlock block) {
        Attention a = block.attention();
        GeluMlp mlp = (GeluMlp) block.mlp();
        Map<String, Linear> out = new LinkedHashMap<>();
        for (Linear linear : java.util.List.of(a.query(), a.key(), a.value(), a.output(), mlp.up(), mlp.down())) {
            if (!linear.name().startsWith(PREFIX)) {
                throw new IllegalStateException(linear.name() + " is not named as OPT's checkpoint names it");
            }
            out.put(linear.name().substring(PREFIX.length()), linear);
        }
        return out;
    }

    static void read(Gpt2Model model, TensorSource source) {
        String prefix = prefix(source);
        int layers = model.blocks().size();
        requireLayerCount(source, prefix, layers);
        readEmbedding(source, prefix, model.embedding());
        for (int i = 0; i < layers; i++) {
            readBlock(source, prefix, model.blocks().get(i), i);
        }
        readOutputStage(source, prefix, model.finalNorm(), model.projectOut());
        if (!model.tiedEmbeddings()) {
            HfCheckpoint.read(source, "lm_head.weight", ((DenseWeight) model.head().weight()).weight().value());
        }
    }

    /** The token and position tables, and OPT-350M's {@code project_in} when the embedding has it. */
    static void readEmbedding(TensorSource source, String prefix, Embedding embedding) {
        HfCheckpoint.read(source, prefix + "embed_tokens.weight", embedding.token().value());
        HfCheckpoint.read(source, prefix + "embed_positions.weight", embedding.position().value());
        readDense(source, prefix + "project_in", embedding.projection());
    }

    /** The decoder's {@code final_layer_norm} and OPT-350M's {@code project_out}, each when the layout has it (else null). */
    static void readOutputStage(TensorSource source, String prefix, LayerNorm finalNorm, Linear projectOut) {
        if (finalNorm != null) {
            Gpt2Weights.readNorm(source, prefix + "final_layer_norm", finalNorm);
        }
        readDense(source, prefix + "project_out", projectOut);
    }

    /** The prefix of the checkpoint's names: {@code model.decoder.}, or {@code decoder.} in facebook's own checkpoints. */
    static String prefix(TensorSource source) {
        return !source.contains(PREFIX + "embed_tokens.weight") && source.contains("decoder.embed_tokens.weight") ? "decoder." : PREFIX;
    }

    static void requireLayerCount(TensorSource source, String prefix, int layers) {
        HfCheckpoint.requireLayerCount(source, prefix + "layers.", layers, "num_hidden_layers");
    }

    /** Block {@code i}'s two norms, projections (dense, or factors where the folder has them) and biases. */
    static void readBlock(TensorSource source, String prefix, PreNormBlock block, int i) {
        Gpt2Weights.readNorm(source, prefix + "layers." + i + ".self_attn_layer_norm", (LayerNorm) block.attentionNorm());
        Gpt2Weights.readNorm(source, prefix + "layers." + i + ".final_layer_norm", (LayerNorm) block.mlpNorm());
        for (Map.Entry<String, Linear> e : projections(block).entrySet()) {
            String name = prefix + e.getKey();
            Linear linear = e.getValue();
            HfCheckpoint.read(source, name + ".bias", linear.bias().value());
            if (FactorTensors.present(source, name)) {
                FactorTensors.install(source, name, linear);
            } else if (linear.weight() instanceof DenseWeight d) {
                HfCheckpoint.read(source, name + ".weight", d.weight().value());
            } else {
                throw new IllegalArgumentException(linear.name() + ": cannot read dense weights into a factorised weight");
            }
        }
    }

    /** Writes {@code model.safetensors} (and {@code config.json}); with {@code factors}, low-rank projections as their factors. */
    static void write(Gpt2Model model, Path folder, SafetensorsDtype dtype, boolean factors) throws IOException {
        Map<String, Tensor> out = new LinkedHashMap<>();
        out.put(PREFIX + "embed_tokens.weight", model.embedding().token().value());
        out.put(PREFIX + "embed_positions.weight", model.embedding().position().value());
        if (model.projectOut() != null) {
            out.put(PREFIX + "project_in.weight", model.embedding().projection().weight().toDense());
            out.put(PREFIX + "project_out.weight", model.projectOut().weight().toDense());
        }
        for (int i = 0; i < model.blocks().size(); i++) {
            putBlock(out, model.blocks().get(i), i, factors);
        }
        if (model.finalNorm() != null) {
            Gpt2Weights.putNorm(out, PREFIX + "final_layer_norm", model.finalNorm());
        }
        if (!model.tiedEmbeddings()) {
            out.put("lm_head.weight", model.head().weight().toDense());
        }
        HfCheckpoint.write(folder, model.config(), out, dtype);
    }

    /** Block {@code i}'s tensors under {@code model.decoder.layers.i.}; with {@code factors}, low-rank projections as their factors. */
    static void putBlock(Map<String, Tensor> out, PreNormBlock block, int i, boolean factors) {
        Gpt2Weights.putNorm(out, PREFIX + "layers." + i + ".self_attn_layer_norm", (LayerNorm) block.attentionNorm());
        for (Map.Entry<String, Linear> e : projections(block).entrySet()) {
            String name = PREFIX + e.getKey();
            Linear linear = e.getValue();
            if (!(factors && FactorTensors.put(out, name, linear))) {
                out.put(name + ".weight", linear.weight().toDense());
            }
            out.put(name + ".bias", linear.bias().value());
        }
        Gpt2Weights.putNorm(out, PREFIX + "layers." + i + ".final_layer_norm", (LayerNorm) block.mlpNorm());
    }

    /** OPT-350M's project_in or project_out (no bias), when the model has it. */
    private static void readDense(TensorSource source, String name, Linear projection) {
        if (projection != null) {
            HfCheckpoint.read(source, name + ".weight", ((DenseWeight) projection.weight()).weight().value());
        }
    }

}
