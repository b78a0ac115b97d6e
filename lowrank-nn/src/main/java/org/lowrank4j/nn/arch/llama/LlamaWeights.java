package org.lowrank4j.nn.arch.llama;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.lowrank4j.formats.safetensors.SafetensorsDtype;
import org.lowrank4j.formats.safetensors.TensorSource;
import org.lowrank4j.nn.block.PreNormBlock;
import org.lowrank4j.nn.generate.HfCheckpoint;
import org.lowrank4j.nn.layers.Attention;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.layers.RMSNorm;
import org.lowrank4j.nn.layers.SwiGluMlp;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.weight.DenseWeight;

/** The Hugging Face names of a {@link LlamaModel}'s tensors; they are stored in the runtime's own (out, in) layout. */
final class LlamaWeights {
    private LlamaWeights() {
    }

    static void read(LlamaModel model, TensorSource source) {
        int layers = model.blocks().size();
        if (source.contains("model.layers." + layers + ".input_layernorm.weight")) {
            throw new IllegalArgumentException(source.path() + " holds more layers than config field num_hidden_layers = " + layers);
        }
        HfCheckpoint.read(source, tensors(model, false));
    }

    static void write(LlamaModel model, Path folder, SafetensorsDtype dtype) throws IOException {
        HfCheckpoint.write(folder, model.config(), tensors(model, true), dtype);
    }

    /**
     * Name -> tensor, in checkpoint order. {@code merged}: factorised weights multiplied out (for writing); otherwise
     * the dense weights themselves (for reading into).
     */
    static Map<String, Tensor> tensors(LlamaModel model, boolean merged) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        out.put("model.embed_tokens.weight", model.embedding().token().value());
        for (PreNormBlock block : model.blocks()) {
            Attention a = block.attention();
            SwiGluMlp mlp = (SwiGluMlp) block.mlp();
            putNorm(out, (RMSNorm) block.attentionNorm());
            for (Linear linear : List.of(a.query(), a.key(), a.value(), a.output(), mlp.gate(), mlp.up(), mlp.down())) {
                putLinear(out, linear, merged);
            }
            putNorm(out, (RMSNorm) block.mlpNorm());
        }
        putNorm(out, model.norm());
        if (!model.tiedEmbeddings()) {
            putLinear(out, model.head(), merged);
        }
        return out;
    }

    private static void putNorm(Map<String, Tensor> out, RMSNorm norm) {
        out.put(norm.weight().name(), norm.weight().value());
    }

    static void putLinear(Map<String, Tensor> out, Linear linear, boolean merged) {
        if (merged) {
            out.put(linear.name() + ".weight", linear.weight().toDense());
        } else if (linear.weight() instanceof DenseWeight dense) {
            out.put(linear.name() + ".weight", dense.weight().value());
        } else {
            throw new IllegalArgumentException(linear.name() + ": cannot read dense weights into a factorised weight");
        }
        if (linear.bias() != null) {
            out.put(linear.bias().name(), linear.bias().value());
        }
    }
}
