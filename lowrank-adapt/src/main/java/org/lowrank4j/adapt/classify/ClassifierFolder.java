package org.lowrank4j.adapt.classify;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.lowrank4j.adapt.lora.LoraModel;
import org.lowrank4j.adapt.lora.ModulePaths;
import org.lowrank4j.adapt.peft.PeftAdapter;
import org.lowrank4j.adapt.peft.PeftFolder;
import org.lowrank4j.formats.io.AtomicFiles;
import org.lowrank4j.nn.arch.bert.BertModel;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;

/**
 * A sequence classifier's adapter folder: a PEFT folder (task_type {@code SEQ_CLS}) whose safetensors file holds the
 * LoRA factors under BERT's paths ({@code base_model.model.encoder.layer.0.attention.self.query.lora_A.weight}) and the
 * head as PEFT stores a module of {@code modules_to_save}: {@code base_model.model.classifier.weight} (K, C) and
 * {@code base_model.model.classifier.bias} (K), config {@code "modules_to_save": ["classifier"]}. Beside it,
 * {@code classifier.json} names the classes (index order) and the pooling, which PEFT has no field for.
 *
 * <p>Unlike Hugging Face's {@code BertForSequenceClassification} (whose head reads the pooler's tanh(dense([CLS]))),
 * this head reads the pooled encoder output directly — the mean of the token states for MiniLM — so Python tools load
 * the adapters and the head's tensors, but must pool the same way to reproduce the predictions.
 */
public final class ClassifierFolder {
    public static final String RECORD = "classifier.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What the folder holds besides the adapters. */
    public record Stored(PeftAdapter adapter, PeftFolder.SavedTensor weight, PeftFolder.SavedTensor bias, List<String> classNames,
            EncoderPooling pooling) {
    }

    private ClassifierFolder() {
    }

    /** Writes the adapters (config listing the head in modules_to_save), the head and classifier.json. */
    public static void write(Path folder, PeftAdapter adapter, Linear head, List<String> classNames, EncoderPooling pooling) throws IOException {
        Map<String, PeftFolder.SavedTensor> saved = new LinkedHashMap<>();
        Tensor w = head.weight().toDense();
        saved.put(SequenceClassifier.HEAD + ".weight", new PeftFolder.SavedTensor(new long[] {w.dim(0), w.dim(1)}, floats(w)));
        saved.put(SequenceClassifier.HEAD + ".bias", new PeftFolder.SavedTensor(new long[] {head.outFeatures()}, floats(head.bias().value())));
        PeftAdapter withHead = new PeftAdapter(adapter.config().withModulesToSave(List.of(SequenceClassifier.HEAD)), adapter.modules());
        PeftFolder.write(folder, withHead, saved);
        ObjectNode record = JSON.createObjectNode();
        record.putPOJO("labels", classNames);
        record.put("pooling", pooling.label());
        record.put("head", SequenceClassifier.HEAD);
        AtomicFiles.writeString(folder.resolve(RECORD), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(record) + "\n");
    }

    /**
     * Reads a classifier folder.
     *
     * @throws IllegalArgumentException when it lacks classifier.json or the head's tensors, or they disagree
     */
    public static Stored read(Path folder) throws IOException {
        PeftAdapter adapter = PeftFolder.read(folder);
        Path record = folder.resolve(RECORD);
        if (!Files.isRegularFile(record)) {
            throw new IllegalArgumentException("adapter folder " + folder + " has no " + RECORD + ": it is not a sequence classifier written by "
                    + "lowrank finetune --task classify");
        }
        JsonNode root;
        try {
            root = JSON.readTree(record.toFile());
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException(record + " is not valid JSON: " + e.getOriginalMessage());
        }
        List<String> names = new ArrayList<>();
        root.path("labels").forEach(n -> names.add(n.asText()));
        Map<String, PeftFolder.SavedTensor> saved = PeftFolder.readSaved(folder);
        PeftFolder.SavedTensor weight = saved.get(SequenceClassifier.HEAD + ".weight");
        PeftFolder.SavedTensor bias = saved.get(SequenceClassifier.HEAD + ".bias");
        if (weight == null || bias == null || weight.shape().length != 2 || weight.shape()[0] != names.size() || bias.values().length != names.size()) {
            throw new IllegalArgumentException(folder.resolve(PeftFolder.WEIGHTS) + " has no head " + PeftFolder.PREFIX + SequenceClassifier.HEAD
                    + ".weight (" + names.size() + ", C) and .bias for the " + names.size() + " labels of " + RECORD);
        }
        return new Stored(adapter, weight, bias, names, EncoderPooling.parse(root.path("pooling").asText("mean")));
    }

    /** The encoder with the folder's adapters attached (unmerged) and its head: the classifier as trained. */
    public static SequenceClassifier load(Path model, Path folder, Precision precision) throws IOException {
        Stored stored = read(folder);
        BertModel encoder = EncoderModels.load(model, precision);
        LoraModel lora = LoraModel.over(ModulePaths.bert(encoder), 0);
        PeftFolder.apply(stored.adapter(), lora, "default", precision);
        Linear head = SequenceClassifier.zeroHead(encoder, stored.classNames().size());
        if (stored.weight().shape()[1] != head.inFeatures()) {
            throw new IllegalArgumentException("the head in " + folder + " takes " + stored.weight().shape()[1] + " inputs but " + model + " is "
                    + head.inFeatures() + " wide: the adapter was made for another base model");
        }
        Tensor w = head.weight().parameters().get(0).value();
        for (int i = 0; i < w.size(); i++) {
            w.set(i, stored.weight().values()[i]);
        }
        for (int i = 0; i < head.outFeatures(); i++) {
            head.bias().value().set(i, stored.bias().values()[i]);
        }
        return new SequenceClassifier(encoder, stored.pooling(), head);
    }

    private static float[] floats(Tensor t) {
        float[] out = new float[t.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) t.get(i);
        }
        return out;
    }
}
