package org.lowrank4j.nn.arch.llama;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.lowrank4j.formats.safetensors.SafetensorsDtype;
import org.lowrank4j.formats.safetensors.TensorSource;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.block.PreNormBlock;
import org.lowrank4j.nn.generate.FactorTensors;
import org.lowrank4j.nn.generate.HfCheckpoint;
import org.lowrank4j.nn.generate.QuantizedTensors;
import org.lowrank4j.nn.layers.Attention;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.layers.RMSNorm;
import org.lowrank4j.nn.layers.SwiGluMlp;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.generate.DictionaryTensors;
import org.lowrank4j.nn.weight.DenseWeight;
import org.lowrank4j.nn.weight.DictionaryWeight;
import org.lowrank4j.nn.weight.LowRankWeight;
import org.lowrank4j.nn.weight.QuantizedWeight;

/** The Hugging Face names of a {@link LlamaModel}'s tensors; they are stored in the runtime's own (out, in) layout. */
final class LlamaWeights {
    private LlamaWeights() {
    }

    /** Refuses a checkpoint that holds a layer past {@code layers}, the config's count. */
    static void requireLayerCount(TensorSource source, int layers) {
        HfCheckpoint.requireLayerCount(source, "model.layers.", layers, "num_hidden_layers");
    }

    /**
     * Reads every tensor of {@code model} from {@code source}. A projection stored as low-rank factors
     * ({@code <name>.lowrank_A} (out, r) and {@code <name>.lowrank_B} (r, in), see {@link LowRankFolder}) is installed
     * as a {@link LowRankWeight}; the others are read as dense weights.
     */
    static void read(LlamaModel model, TensorSource source) {
        requireLayerCount(source, model.blocks().size());
        installFactors(model, source);
        installQuantized(model, source);
        installDictionaries(model, source);
        HfCheckpoint.read(source, tensors(model, Layout.READ));
    }

    static void write(LlamaModel model, Path folder, SafetensorsDtype dtype) throws IOException {
        Map<String, Tensor> merged = tensors(model, Layout.MERGED);
        // Phi-3's checkpoints fuse projections; a narrowed model's folder is this runtime's own, and keeps them apart
        HfCheckpoint.write(folder, model.config(), model.blockShapes() == null ? Phi3.fuse(model.config(), merged) : merged, dtype);
        writeShapes(model, folder);
    }

    /** A narrowed model's block shapes go with every folder it is written to (they are what makes its tensors loadable). */
    private static void writeShapes(LlamaModel model, Path folder) throws IOException {
        if (model.blockShapes() != null) {
            StructuredFolder.writeManifest(folder, new StructuredFolder.Manifest(StructuredFolder.FORMAT_VERSION, "", "", model.blockShapes()));
        }
    }

    /**
     * Writes low-rank projections as their two factors, dictionary projections as {@link DictionaryTensors} (then every
     * tensor in float32, indices as bytes) and every other tensor as it is (see {@link LowRankFolder}).
     */
    static void writeFactors(LlamaModel model, Path folder, SafetensorsDtype dtype) throws IOException {
        if (model.linearSites().values().stream().noneMatch(l -> l.weight() instanceof DictionaryWeight)) {
            HfCheckpoint.write(folder, model.config(), tensors(model, Layout.FACTORS), dtype);
            writeShapes(model, folder);
            return;
        }
        writeWithSiteTensors(model, folder, DictionaryTensors::put);
    }

    /** Writes a site's own tensors (codes, dictionaries, …) into the file; nothing for a site not of its kind. */
    private interface SiteTensors {
        void put(org.lowrank4j.formats.safetensors.SafetensorsWriter writer, String name, Linear linear);
    }

    /**
     * One {@code model.safetensors} with every tensor of the factor layout in float32 and each projection's own tensors
     * as {@code sites} writes them, then {@code config.json} and the block shapes.
     */
    private static void writeWithSiteTensors(LlamaModel model, Path folder, SiteTensors sites) throws IOException {
        java.nio.file.Files.createDirectories(folder);
        org.lowrank4j.formats.safetensors.SafetensorsWriter writer = new org.lowrank4j.formats.safetensors.SafetensorsWriter().metadata("format", "pt");
        for (Map.Entry<String, Tensor> e : tensors(model, Layout.FACTORS).entrySet()) {
            Tensor t = e.getValue();
            float[] values = new float[t.size()];
            for (int i = 0; i < values.length; i++) {
                values[i] = (float) t.get(i);
            }
            writer.add(e.getKey(), SafetensorsDtype.F32, Arrays.stream(t.shape()).asLongStream().toArray(), values);
        }
        for (Linear linear : model.linearSites().values()) {
            sites.put(writer, linear.name(), linear);
        }
        writer.write(folder.resolve(org.lowrank4j.formats.safetensors.SafetensorsModel.SINGLE_FILE));
        model.config().write(folder.resolve(org.lowrank4j.formats.hf.HfConfig.FILE_NAME));
        writeShapes(model, folder);
    }

    /** Installs a {@link DictionaryWeight} in every projection {@code source} stores as a sparse dictionary. */
    private static void installDictionaries(LlamaModel model, TensorSource source) {
        Map<String, Linear> byName = new LinkedHashMap<>();
        for (Linear linear : model.linearSites().values()) {
            byName.put(linear.name(), linear);
        }
        for (String name : source.names()) {
            if (name.endsWith(DictionaryTensors.CODES)) {
                String base = name.substring(0, name.length() - DictionaryTensors.CODES.length());
                if (!byName.containsKey(base)) {
                    throw new IllegalArgumentException("tensor '" + name + "' in " + source.path() + " does not belong to a block projection of this"
                            + " model (config field num_hidden_layers = " + model.blocks().size() + ")");
                }
            }
        }
        for (Linear linear : byName.values()) {
            if (DictionaryTensors.present(source, linear.name())) {
                DictionaryTensors.install(source, linear.name(), linear);
            }
        }
    }

    /**
     * Writes quantized projections as codes, scales, zero points and branch factors ({@link QuantizedTensors}), the
     * other tensors in float32, and {@code config.json} (see {@link QuantizedFolder}).
     */
    static void writeQuantized(LlamaModel model, Path folder) throws IOException {
        writeWithSiteTensors(model, folder, QuantizedTensors::put);
    }

    /** Installs a {@link QuantizedWeight} in every projection {@code source} stores quantized. */
    private static void installQuantized(LlamaModel model, TensorSource source) {
        Map<String, Linear> byName = new LinkedHashMap<>();
        for (Linear linear : model.linearSites().values()) {
            byName.put(linear.name(), linear);
        }
        QuantizedTensors.requireKnown(source, byName, "this model (config field num_hidden_layers = " + model.blocks().size() + ")");
        for (Linear linear : byName.values()) {
            if (QuantizedTensors.present(source, linear.name())) {
                QuantizedTensors.install(source, linear.name(), linear);
            }
        }
    }

    /** How projections appear in a name -> tensor map. */
    enum Layout {
        /** Dense weights themselves, to read into; low-rank ones are skipped (their factors were read already). */
        READ,
        /** Every weight multiplied out (a standard Hugging Face checkpoint). */
        MERGED,
        /** Low-rank weights as their two factors, the others dense. */
        FACTORS
    }

    /**
     * Finds every {@code .lowrank_A}/{@code .lowrank_B} pair of {@code source}, checks it against the config and
     * installs it in the model's projection of that name.
     */
    private static void installFactors(LlamaModel model, TensorSource source) {
        Map<String, Linear> byName = new LinkedHashMap<>();
        for (Linear linear : model.linearSites().values()) {
            byName.put(linear.name(), linear);
        }
        Set<String> bases = new TreeSet<>();
        for (String name : source.names()) {
            if (name.endsWith(LowRankFolder.A_SUFFIX)) {
                bases.add(name.substring(0, name.length() - LowRankFolder.A_SUFFIX.length()));
            } else if (name.endsWith(LowRankFolder.B_SUFFIX)) {
                bases.add(name.substring(0, name.length() - LowRankFolder.B_SUFFIX.length()));
            }
        }
        for (String base : bases) {
            String a = base + LowRankFolder.A_SUFFIX, b = base + LowRankFolder.B_SUFFIX;
            if (!source.contains(a) || !source.contains(b)) {
                String present = source.contains(a) ? a : b, missing = source.contains(a) ? b : a;
                throw new IllegalArgumentException("tensor '" + present + "' in " + source.path() + " has no matching '" + missing
                        + "' (a low-rank projection needs both factors)");
            }
            Linear linear = byName.get(base);
            if (linear == null) {
                throw new IllegalArgumentException("tensor '" + a + "' in " + source.path() + " does not belong to a block projection of this"
                        + " model (config field num_hidden_layers = " + model.blocks().size() + ")");
            }
            FactorTensors.install(source, base, linear);
        }
    }

    /** Name -> tensor, in checkpoint order, with projections laid out as {@code layout} says. */
    static Map<String, Tensor> tensors(LlamaModel model, Layout layout) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        out.put("model.embed_tokens.weight", model.embedding().token().value());
        for (PreNormBlock block : model.blocks()) {
            putBlock(out, block, layout);
        }
        putNorm(out, model.norm());
        if (!model.tiedEmbeddings()) {
            putLinear(out, model.head(), layout);
        }
        return out;
    }

    /** One block's tensors: its norms (Gemma 3's post-norms too), projections and head norms. */
    static void putBlock(Map<String, Tensor> out, PreNormBlock block, Layout layout) {
        Attention a = block.attention();
        SwiGluMlp mlp = (SwiGluMlp) block.mlp();
        if (block.hasPreNorms()) {
            putNorm(out, (RMSNorm) block.attentionNorm());
        }
        for (Linear linear : List.of(a.query(), a.key(), a.value(), a.output(), mlp.gate(), mlp.up(), mlp.down())) {
            putLinear(out, linear, layout);
        }
        putHeadNorms(out, a);
        if (block.hasPreNorms()) {
            putNorm(out, (RMSNorm) block.mlpNorm());
        }
        if (block.hasPostNorms()) {
            putNorm(out, (RMSNorm) block.attentionPostNorm());
            putNorm(out, (RMSNorm) block.mlpPostNorm());
        }
    }

    private static void putNorm(Map<String, Tensor> out, RMSNorm norm) {
        out.put(norm.weight().name(), norm.weight().value());
    }

    /** Qwen3's and Gemma 3's {@code self_attn.q_norm} and {@code k_norm}, when the attention has them. */
    static void putHeadNorms(Map<String, Tensor> out, Attention a) {
        if (a.queryNorm() != null) {
            putNorm(out, a.queryNorm());
            putNorm(out, a.keyNorm());
        }
    }

    static void putLinear(Map<String, Tensor> out, Linear linear, Layout layout) {
        if (layout != Layout.MERGED && linear.weight() instanceof QuantizedWeight) {
            return; // codes, scales and bias go through QuantizedTensors (read by installQuantized, written by writeQuantized)
        }
        if (layout != Layout.MERGED && linear.weight() instanceof DictionaryWeight) {
            if (linear.bias() != null) {
                out.put(linear.bias().name(), linear.bias().value());
            }
            return; // atoms, codes and indices go through DictionaryTensors (read by installDictionaries, written by writeFactors)
        }
        if (layout == Layout.FACTORS && FactorTensors.put(out, linear.name(), linear)) {
            // the two factors
        } else if (layout == Layout.READ && linear.weight() instanceof LowRankWeight) {
            // read by installFactors
        } else if (layout != Layout.READ) {
            out.put(linear.name() + ".weight", linear.weight() instanceof DenseWeight d ? d.weight().value() : linear.weight().toDense());
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
