package org.lowrank4j.adapt.ops;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.lowrank4j.adapt.lora.LoraModel;
import org.lowrank4j.adapt.lora.LoraWeight;
import org.lowrank4j.adapt.lora.ModulePaths;
import org.lowrank4j.adapt.peft.PeftAdapter;
import org.lowrank4j.adapt.peft.PeftFolder;
import org.lowrank4j.formats.onnx.LinearSite;
import org.lowrank4j.formats.onnx.OnnxModel;
import org.lowrank4j.formats.onnx.proto.Onnx.TensorProto.DataType;
import org.lowrank4j.nn.arch.bert.BertOnnx;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.weight.DenseWeight;

/**
 * Merges a PEFT adapter into an ONNX BERT-family encoder: the graph is read, the encoder built from its initializers
 * ({@link BertOnnx}, which knows which initializer feeds which projection), the adapter attached under BERT's module
 * paths (checked against the model) and merged (W = W0 + s·B·A, refusing non-finite results), and each adapted
 * projection's initializer replaced by its merged weight, in the initializer's own layout (in×out for a MatMul, out×in
 * for a Gemm with transB) and element type. Every node and every other initializer stays as it was, so the output is a
 * plain ONNX encoder that ONNX Runtime and langchain4j's {@code OnnxEmbeddingModel} load like the original. A
 * classifier head stored with the adapter (modules_to_save) is not part of an embedding graph and is left out.
 */
public final class OnnxEncoderMerge {
    private OnnxEncoderMerge() {
    }

    /** What was merged: the initializer written for each module path. */
    public record Merged(Map<String, String> initializers, long adapterParameters) {
    }

    /**
     * Writes {@code out} (atomically; never over the input).
     *
     * @throws IllegalArgumentException when the model is not a BERT-family ONNX encoder, the adapter does not fit it
     *                                  (naming the tensor), a targeted projection is factorised (a compressed model), or
     *                                  a merged weight is not finite
     */
    public static Merged mergeInto(Path onnxFile, Path adapterFolder, Path out) throws IOException {
        if (!Files.isRegularFile(onnxFile)) {
            throw new IllegalArgumentException("--model " + onnxFile + " does not exist or is not a file");
        }
        PeftAdapter adapter = PeftFolder.read(adapterFolder);
        OnnxModel graph = OnnxModel.read(onnxFile);
        BertOnnx.Loaded loaded = BertOnnx.loadWithSources(graph, Precision.FLOAT32);
        LoraModel lora = LoraModel.over(ModulePaths.bert(loaded.model()), 0);
        PeftFolder.apply(adapter, lora, "default", Precision.FLOAT32);

        Map<String, LinearSite> sites = new HashMap<>();
        for (LinearSite site : graph.linearSites()) {
            sites.put(site.initializer(), site);
        }
        Map<String, String> written = new LinkedHashMap<>();
        for (Map.Entry<String, LoraWeight> e : lora.adaptedLayers().entrySet()) {
            if (!(e.getValue().base() instanceof DenseWeight dense)) {
                throw new IllegalArgumentException(e.getKey() + " of " + onnxFile + " is factorised (a model lowrank compress wrote); merge "
                        + "adapters into the dense original encoder");
            }
            String initializer = loaded.initializers().get(dense.weight().name());
            LinearSite site = initializer == null ? null : sites.get(initializer);
            if (site == null) {
                throw new IllegalArgumentException(onnxFile + ": no initializer found for the weight of " + e.getKey());
            }
            written.put(e.getKey(), initializer);
        }
        lora.merge("default"); // refuses non-finite merged weights, naming the module
        for (Map.Entry<String, String> e : written.entrySet()) {
            LoraWeight layer = lora.adaptedLayers().get(e.getKey());
            Tensor merged = layer.mergedBase().toDense(); // (out, in)
            LinearSite site = sites.get(e.getValue());
            int in = layer.inFeatures(), outFeatures = layer.outFeatures();
            float[] stored = new float[in * outFeatures];
            for (int o = 0; o < outFeatures; o++) {
                for (int i = 0; i < in; i++) {
                    float v = (float) merged.get(o * in + i);
                    if (!Float.isFinite(v)) {
                        throw new IllegalArgumentException("merging into " + e.getKey() + " (" + e.getValue() + ") gives a non-finite weight; "
                                + "nothing was written");
                    }
                    stored[site.transposed() ? o * in + i : i * outFeatures + o] = v;
                }
            }
            graph.putInitializer(e.getValue(), graph.initializerShape(e.getValue()), stored, DataType.forNumber(graph.initializerType(e.getValue())));
        }
        graph.write(out);
        return new Merged(written, adapter.parameterCount());
    }
}
