package org.lowrank4j.nn.arch.gpt2;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
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
 * Hugging Face's GPT-2 layout: Conv1D weights {@code (in, out)}, the transpose of the runtime's {@code (out, in)},
 * and q, k, v fused side by side in {@code attn.c_attn} ({@code (C, 3C)} weight, {@code (3C)} bias). A low-rank folder
 * ({@link Gpt2Model#saveFactors}) stores factorised projections as {@link FactorTensors} under the runtime's names.
 */
final class Gpt2Weights {
    private static final String PREFIX = "transformer.";
    private static final String[] PARTS = {"q", "k", "v"};

    private Gpt2Weights() {
    }

    static void read(Gpt2Model model, TensorSource source) {
        String prefix = prefix(source);
        int layers = model.blocks().size();
        requireLayerCount(source, prefix, layers);
        readEmbedding(source, prefix, model.embedding());
        for (int i = 0; i < layers; i++) {
            readBlock(source, prefix, model.blocks().get(i), i);
        }
        readFinalNorm(source, prefix, model.finalNorm());
        if (!model.tiedEmbeddings()) {
            HfCheckpoint.read(source, "lm_head.weight", dense(model.head()));
        }
    }

    /** The token ({@code wte}) and position ({@code wpe}) tables. */
    static void readEmbedding(TensorSource source, String prefix, Embedding embedding) {
        HfCheckpoint.read(source, prefix + "wte.weight", embedding.token().value());
        HfCheckpoint.read(source, prefix + "wpe.weight", embedding.position().value());
    }

    /** The final LayerNorm, {@code ln_f}. */
    static void readFinalNorm(TensorSource source, String prefix, LayerNorm norm) {
        readNorm(source, prefix + "ln_f", norm);
    }

    /** The prefix of the checkpoint's names: GPT2LMHeadModel writes {@code transformer.wte.weight}; GPT2Model (and the original gpt2 repository) {@code wte.weight}. */
    static String prefix(TensorSource source) {
        return !source.contains(PREFIX + "wte.weight") && source.contains("wte.weight") ? "" : PREFIX;
    }

    static void requireLayerCount(TensorSource source, String prefix, int layers) {
        HfCheckpoint.requireLayerCount(source, prefix + "h.", layers, "n_layer");
    }

    /** Block {@code i}'s norms, projections (dense, or factors where the folder has them) and biases. */
    static void readBlock(TensorSource source, String prefix, PreNormBlock block, int i) {
        Attention a = block.attention();
        GeluMlp mlp = (GeluMlp) block.mlp();
        String p = prefix + "h." + i + ".";
        readNorm(source, p + "ln_1", (LayerNorm) block.attentionNorm());
        List<Linear> qkv = List.of(a.query(), a.key(), a.value());
        int width = a.query().outFeatures();
        Tensor fusedBias = Tensor.zeros(a.query().bias().value().precision(), 3 * width);
        HfCheckpoint.read(source, p + "attn.c_attn.bias", fusedBias);
        if (source.contains(p + "attn.c_attn.weight")) {
            Tensor fused = Tensor.zeros(fusedBias.precision(), a.query().inFeatures(), 3 * width); // (C, 3C) = (in, out)
            HfCheckpoint.read(source, p + "attn.c_attn.weight", fused);
            for (int j = 0; j < 3; j++) {
                copyTransposed(fused, j * width, dense(qkv.get(j)), false);
            }
        } else { // a low-rank folder with q, k, v apart (Gpt2Model#saveFactors)
            for (int j = 0; j < 3; j++) {
                String part = p + "attn.c_attn." + PARTS[j];
                if (FactorTensors.present(source, part)) {
                    FactorTensors.install(source, part, qkv.get(j));
                } else {
                    HfCheckpoint.read(source, part + ".weight", dense(qkv.get(j)));
                }
            }
        }
        for (int j = 0; j < 3; j++) {
            for (int o = 0; o < width; o++) {
                qkv.get(j).bias().value().set(o, fusedBias.get(j * width + o));
            }
        }
        readConv1D(source, p + "attn.c_proj", a.output());
        readNorm(source, p + "ln_2", (LayerNorm) block.mlpNorm());
        readConv1D(source, p + "mlp.c_fc", mlp.up());
        readConv1D(source, p + "mlp.c_proj", mlp.down());
    }

    static void write(Gpt2Model model, Path folder, SafetensorsDtype dtype) throws IOException {
        HfCheckpoint.write(folder, model.config(), tensors(model, false), dtype);
    }

    /** As {@link #write}, with factorised projections as their factors ({@link Gpt2Model#saveFactors}). */
    static void writeFactors(Gpt2Model model, Path folder, SafetensorsDtype dtype) throws IOException {
        HfCheckpoint.write(folder, model.config(), tensors(model, true), dtype);
    }

    /** Name -> tensor in Hugging Face's layout; with {@code factors}, low-rank projections as their two factors. */
    private static Map<String, Tensor> tensors(Gpt2Model model, boolean factors) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        out.put(PREFIX + "wte.weight", model.embedding().token().value());
        out.put(PREFIX + "wpe.weight", model.embedding().position().value());
        for (int i = 0; i < model.blocks().size(); i++) {
            putBlock(out, model.blocks().get(i), i, factors);
        }
        putNorm(out, PREFIX + "ln_f", model.finalNorm());
        if (!model.tiedEmbeddings()) {
            out.put("lm_head.weight", model.head().weight().toDense());
        }
        return out;
    }

    /**
     * Block {@code i}'s tensors under {@code transformer.h.i.}: q, k, v fused in {@code attn.c_attn} while all three are
     * dense (or without {@code factors}), else each apart in the runtime's layout, with the fused bias kept.
     */
    static void putBlock(Map<String, Tensor> out, PreNormBlock block, int i, boolean factors) {
        Attention a = block.attention();
        GeluMlp mlp = (GeluMlp) block.mlp();
        String p = PREFIX + "h." + i + ".";
        putNorm(out, p + "ln_1", (LayerNorm) block.attentionNorm());
        List<Linear> qkv = List.of(a.query(), a.key(), a.value());
        int width = a.query().outFeatures();
        Tensor fusedBias = Tensor.zeros(a.query().bias().value().precision(), 3 * width);
        boolean apart = factors && qkv.stream().anyMatch(l -> !(l.weight() instanceof DenseWeight));
        Tensor fused = apart ? null : Tensor.zeros(a.query().weight().precision(), a.query().inFeatures(), 3 * width);
        for (int j = 0; j < 3; j++) {
            String part = p + "attn.c_attn." + PARTS[j];
            if (!apart) {
                copyTransposed(fused, j * width, qkv.get(j).weight().toDense(), true);
            } else if (!FactorTensors.put(out, part, qkv.get(j))) {
                out.put(part + ".weight", qkv.get(j).weight().toDense()); // (out, in), the runtime's layout
            }
            for (int o = 0; o < width; o++) {
                fusedBias.set(j * width + o, qkv.get(j).bias().value().get(o));
            }
        }
        if (!apart) {
            out.put(p + "attn.c_attn.weight", fused);
        }
        out.put(p + "attn.c_attn.bias", fusedBias);
        putConv1D(out, p + "attn.c_proj", a.output(), factors);
        putNorm(out, p + "ln_2", (LayerNorm) block.mlpNorm());
        putConv1D(out, p + "mlp.c_fc", mlp.up(), factors);
        putConv1D(out, p + "mlp.c_proj", mlp.down(), factors);
    }

    /** A LayerNorm's {@code name.weight} and {@code name.bias} (GPT-2's and OPT's layouts alike). */
    static void readNorm(TensorSource source, String name, LayerNorm norm) {
        HfCheckpoint.read(source, name + ".weight", norm.weight().value());
        HfCheckpoint.read(source, name + ".bias", norm.bias().value());
    }

    static void putNorm(Map<String, Tensor> out, String name, LayerNorm norm) {
        out.put(name + ".weight", norm.weight().value());
        out.put(name + ".bias", norm.bias().value());
    }

    /** A Conv1D weight (in, out) into the (out, in) weight of {@code linear}, and its bias. */
    private static void readConv1D(TensorSource source, String name, Linear linear) {
        HfCheckpoint.read(source, name + ".bias", linear.bias().value());
        if (FactorTensors.present(source, name)) {
            FactorTensors.install(source, name, linear);
            return;
        }
        Tensor stored = Tensor.zeros(linear.bias().value().precision(), linear.inFeatures(), linear.outFeatures());
        HfCheckpoint.read(source, name + ".weight", stored);
        copyTransposed(stored, 0, dense(linear), false);
    }

    private static void putConv1D(Map<String, Tensor> out, String name, Linear linear, boolean factors) {
        if (factors && FactorTensors.put(out, name, linear)) {
            out.put(name + ".bias", linear.bias().value());
            return;
        }
        Tensor stored = Tensor.zeros(linear.weight().precision(), linear.inFeatures(), linear.outFeatures());
        copyTransposed(stored, 0, linear.weight().toDense(), true);
        out.put(name + ".weight", stored);
        out.put(name + ".bias", linear.bias().value());
    }

    /**
     * Between columns [offset, offset + out) of a Conv1D matrix {@code stored (in, total)} and a weight
     * {@code w (out, in)}: {@code w[o][i] = stored[i][offset + o]}; {@code intoStored} copies the other way.
     */
    private static void copyTransposed(Tensor stored, int offset, Tensor w, boolean intoStored) {
        int out = w.dim(0), in = w.dim(1), total = stored.dim(1);
        for (int o = 0; o < out; o++) {
            for (int i = 0; i < in; i++) {
                int s = i * total + offset + o;
                if (intoStored) {
                    stored.set(s, w.get(o * in + i));
                } else {
                    w.set(o * in + i, stored.get(s));
                }
            }
        }
    }

    private static Tensor dense(Linear linear) {
        if (linear.weight() instanceof DenseWeight d) {
            return d.weight().value();
        }
        throw new IllegalArgumentException(linear.name() + ": cannot read dense weights into a factorised weight");
    }
}
