package org.lowrank4j.nn.arch.bert;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.lowrank4j.formats.hf.HfArchitecture;
import org.lowrank4j.formats.hf.HfConfig;
import org.lowrank4j.formats.safetensors.SafetensorsModel;
import org.lowrank4j.formats.safetensors.SafetensorsWriter;
import org.lowrank4j.formats.safetensors.TensorSource;
import org.lowrank4j.nn.block.PostNormBlock;
import org.lowrank4j.nn.layers.LayerNorm;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.tensor.FloatTensor;
import org.lowrank4j.nn.tensor.MlpActivation;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.weight.DenseWeight;

/**
 * Hugging Face BERT checkpoints: {@code config.json} plus {@code model.safetensors} (or a sharded index) with the
 * names of {@code BertModel} ({@code embeddings.word_embeddings.weight}, {@code encoder.layer.3.attention.self.query.weight},
 * ...), optionally under the {@code bert.} prefix of {@code BertFor*} checkpoints. Heads (pooler, classifier) are
 * ignored. Weights are stored (out, in) as in PyTorch, which is also this runtime's layout.
 */
public final class BertSafetensors {
    private static final String WORD = "embeddings.word_embeddings.weight";

    private BertSafetensors() {
    }

    /** One checkpoint tensor and the model tensor it fills (the weight of a projection: its dense value). */
    private record Slot(String name, Tensor target) {}

    /**
     * Loads a model folder (config.json and model.safetensors or its index).
     *
     * @throws IllegalArgumentException for a config that is not BERT, or a missing tensor or one of the wrong shape
     *                                  (naming the tensor and the file)
     */
    public static BertModel load(Path folder, Precision precision) throws IOException {
        HfConfig hf = HfConfig.read(folder);
        try (SafetensorsModel tensors = SafetensorsModel.open(folder)) {
            return load(BertConfig.from(hf), tensors, precision);
        }
    }

    /** Builds a model of {@code config} from the tensors of a checkpoint (with or without the {@code bert.} prefix). */
    public static BertModel load(BertConfig config, TensorSource source, Precision precision) {
        String prefix = source.contains(WORD) ? "" : source.contains("bert." + WORD) ? "bert." : null;
        if (prefix == null) {
            throw new IllegalArgumentException("no BERT tensor '" + WORD + "' (nor 'bert." + WORD + "') in " + source.path());
        }
        BertModel model = BertModel.zeros(config, precision);
        for (Slot slot : slots(model)) {
            String name = prefix + slot.name();
            long[] shape = Arrays.stream(slot.target().shape()).asLongStream().toArray();
            if (!source.contains(name)) {
                throw new IllegalArgumentException("BERT checkpoint " + source.path() + " has no tensor '" + name + "' "
                        + Arrays.toString(shape) + " (config: " + config + ")");
            }
            float[] values = source.readFloats(name, shape);
            slot.target().copyFrom(FloatTensor.wrap(values, slot.target().shape()));
        }
        return model;
    }

    /**
     * Writes {@code model} as a Hugging Face checkpoint: {@code folder/config.json} and {@code folder/model.safetensors}
     * (float32; low-rank projections are multiplied out).
     */
    public static void save(BertModel model, Path folder) throws IOException {
        BertConfig c = model.config();
        Files.createDirectories(folder);
        HfConfig.builder(HfArchitecture.BERT).hiddenSize(c.hiddenSize()).intermediateSize(c.intermediateSize())
                .numHiddenLayers(c.layers()).numAttentionHeads(c.heads()).vocabSize(c.vocabSize())
                .maxPositionEmbeddings(c.maxPositions()).typeVocabSize(c.typeVocabSize()).normEps(c.layerNormEps())
                .hiddenAct(c.gelu() == MlpActivation.GELU_ERF ? "gelu" : "gelu_new").build().write(folder.resolve(HfConfig.FILE_NAME));
        SafetensorsWriter writer = new SafetensorsWriter();
        for (Slot slot : slots(model, true)) {
            Tensor t = slot.target().to(Precision.FLOAT32);
            writer.add(slot.name(), Arrays.stream(t.shape()).asLongStream().toArray(), ((FloatTensor) t).data());
        }
        writer.write(folder.resolve(SafetensorsModel.SINGLE_FILE));
    }

    private static List<Slot> slots(BertModel model) {
        return slots(model, false);
    }

    /** The model's tensors under their Hugging Face names; {@code forSaving} multiplies out factorised weights. */
    private static List<Slot> slots(BertModel model, boolean forSaving) {
        List<Slot> out = new ArrayList<>();
        out.add(new Slot(WORD, model.embedding().token().value()));
        out.add(new Slot("embeddings.position_embeddings.weight", model.embedding().position().value()));
        if (model.embedding().type() != null) {
            out.add(new Slot("embeddings.token_type_embeddings.weight", model.embedding().type().value()));
        }
        norm(out, "embeddings.LayerNorm", model.embeddingNorm());
        String[] linearNames = {"attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense",
            "intermediate.dense", "output.dense"};
        for (int l = 0; l < model.blocks().size(); l++) {
            String layer = "encoder.layer." + l + ".";
            List<Linear> linears = model.linears(l);
            for (int i = 0; i < linears.size(); i++) {
                Linear linear = linears.get(i);
                Tensor weight;
                if (linear.weight() instanceof DenseWeight dense) {
                    weight = dense.weight().value();
                } else if (forSaving) {
                    weight = linear.weight().toDense();
                } else {
                    throw new IllegalStateException(linear.name() + " is not dense");
                }
                out.add(new Slot(layer + linearNames[i] + ".weight", weight));
                out.add(new Slot(layer + linearNames[i] + ".bias", linear.bias().value()));
            }
            PostNormBlock block = model.blocks().get(l);
            norm(out, layer + "attention.output.LayerNorm", (LayerNorm) block.attentionNorm());
            norm(out, layer + "output.LayerNorm", (LayerNorm) block.mlpNorm());
        }
        return out;
    }

    private static void norm(List<Slot> out, String name, LayerNorm norm) {
        out.add(new Slot(name + ".weight", norm.weight().value()));
        out.add(new Slot(name + ".bias", norm.bias().value()));
    }
}
