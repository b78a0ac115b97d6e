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
import org.lowrank4j.adapt.variant.StoredTensor;
import org.lowrank4j.adapt.variant.VariantAdapter;
import org.lowrank4j.adapt.variant.VariantFolder;
import org.lowrank4j.formats.io.AtomicFiles;
import org.lowrank4j.formats.safetensors.SafetensorsFile;
import org.lowrank4j.formats.safetensors.SafetensorsWriter;
import org.lowrank4j.nn.arch.bert.BertSafetensors;
import org.lowrank4j.nn.arch.bert.BertModel;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;

/**
 * A sequence classifier's adapter folder: a PEFT folder (task_type {@code SEQ_CLS}) whose safetensors file holds the
 * LoRA factors under BERT's paths ({@code base_model.model.encoder.layer.0.attention.self.query.lora_A.weight}) and the
 * head as PEFT stores a module of {@code modules_to_save}: {@code base_model.model.classifier.weight} (K, C) and
 * {@code base_model.model.classifier.bias} (K), config {@code "modules_to_save": ["classifier"]}. Beside it,
 * {@code classifier.json} names the classes (index order), the pooling and the input ({@code "text"}, or {@code "pair"}
 * for a cross-encoder trained with {@code --pairs}), which PEFT has no fields for.
 *
 * <p>Unlike Hugging Face's {@code BertForSequenceClassification} (whose head reads the pooler's tanh(dense([CLS]))),
 * this head reads the pooled encoder output directly — the mean of the token states for MiniLM — so Python tools load
 * the adapters and the head's tensors, but must pool the same way to reproduce the predictions.
 */
public final class ClassifierFolder {
    public static final String RECORD = "classifier.json";
    /** The head of a fully fine-tuned classifier, beside the encoder's config.json and model.safetensors. */
    public static final String HEAD_FILE = "classifier.safetensors";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What the folder holds besides the adapters. */
    public record Stored(PeftAdapter adapter, PeftFolder.SavedTensor weight, PeftFolder.SavedTensor bias, List<String> classNames,
            EncoderPooling pooling, Input input) {
    }

    /** What the classifier reads: single texts, text pairs, or not recorded (folders written before the field existed). */
    public enum Input {
        TEXT, PAIR, UNRECORDED;

        static Input parse(JsonNode record) {
            String value = record.path("input").asText("");
            return value.equals("pair") ? PAIR : value.equals("text") ? TEXT : UNRECORDED;
        }
    }

    private ClassifierFolder() {
    }

    /** Writes the adapters (config listing the head in modules_to_save), the head and classifier.json. */
    public static void write(Path folder, PeftAdapter adapter, Linear head, List<String> classNames, EncoderPooling pooling, boolean pairs)
            throws IOException {
        Map<String, PeftFolder.SavedTensor> saved = new LinkedHashMap<>();
        Tensor w = head.weight().toDense();
        saved.put(SequenceClassifier.HEAD + ".weight", new PeftFolder.SavedTensor(new long[] {w.dim(0), w.dim(1)}, floats(w)));
        saved.put(SequenceClassifier.HEAD + ".bias", new PeftFolder.SavedTensor(new long[] {head.outFeatures()}, floats(head.bias().value())));
        PeftAdapter withHead = new PeftAdapter(adapter.config().withModulesToSave(List.of(SequenceClassifier.HEAD)), adapter.modules());
        PeftFolder.write(folder, withHead, saved);
        writeRecord(folder, classNames, pooling, pairs);
    }

    /** Writes a variant adapter's folder (task_type SEQ_CLS) with the head stored whole, and classifier.json. */
    public static void writeVariant(Path folder, VariantAdapter adapter, List<String> targets, String baseModel, Linear head,
            List<String> classNames, EncoderPooling pooling, boolean pairs) throws IOException {
        Tensor w = head.weight().toDense();
        Map<String, StoredTensor> tensors = new LinkedHashMap<>();
        tensors.put("weight", new StoredTensor(new int[] {w.dim(0), w.dim(1)}, floats(w)));
        tensors.put("bias", new StoredTensor(new int[] {head.outFeatures()}, floats(head.bias().value())));
        VariantFolder.write(folder, adapter, targets, baseModel, "SEQ_CLS", Map.of(SequenceClassifier.HEAD, tensors));
        writeRecord(folder, classNames, pooling, pairs);
    }

    /** Writes a fully fine-tuned encoder (config.json, model.safetensors), its head ({@link #HEAD_FILE}) and classifier.json. */
    public static void writeFull(Path folder, BertModel encoder, Linear head, List<String> classNames, EncoderPooling pooling, boolean pairs)
            throws IOException {
        BertSafetensors.save(encoder, folder);
        Tensor w = head.weight().toDense();
        new SafetensorsWriter().metadata("format", "pt")
                .add(SequenceClassifier.HEAD + ".weight", new long[] {w.dim(0), w.dim(1)}, floats(w))
                .add(SequenceClassifier.HEAD + ".bias", new long[] {head.outFeatures()}, floats(head.bias().value()))
                .write(folder.resolve(HEAD_FILE));
        writeRecord(folder, classNames, pooling, pairs);
    }

    private static void writeRecord(Path folder, List<String> classNames, EncoderPooling pooling, boolean pairs) throws IOException {
        ObjectNode record = JSON.createObjectNode();
        record.putPOJO("labels", classNames);
        record.put("pooling", pooling.label());
        record.put("input", pairs ? "pair" : "text");
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
        return new Stored(adapter, weight, bias, names, EncoderPooling.parse(root.path("pooling").asText("mean")), Input.parse(root));
    }

    /**
     * The classifier as trained: for an adapter folder (LoRA or a variant) the encoder {@code model} with the adapter
     * attached unmerged; for a fully fine-tuned one ({@link #writeFull}) the folder's own encoder ({@code model} unused).
     * Single-text classifiers only: a pair classifier is refused in one line.
     */
    public static SequenceClassifier load(Path model, Path folder, Precision precision) throws IOException {
        JsonNode record = readRecord(folder);
        if (Input.parse(record) == Input.PAIR) {
            throw new IllegalArgumentException("classifier folder " + folder + " reads text pairs (classifier.json: \"input\": \"pair\"); "
                    + "it scores pairs through anncur, not single texts");
        }
        if (Files.isRegularFile(folder.resolve(HEAD_FILE))) {
            return loadFull(folder, record, precision);
        }
        if (VariantFolder.variantOf(folder) != null) {
            return loadVariant(model, folder, record, precision);
        }
        Stored stored = read(folder);
        BertModel encoder = EncoderModels.load(model, precision);
        LoraModel lora = LoraModel.over(ModulePaths.bert(encoder), 0);
        PeftFolder.apply(stored.adapter(), lora, "default", precision);
        return withHead(encoder, stored.pooling(), stored.classNames(), stored.weight().shape(), stored.weight().values(), stored.bias().values(),
                folder, model);
    }

    private static SequenceClassifier loadVariant(Path model, Path folder, JsonNode record, Precision precision) throws IOException {
        VariantFolder.Stored stored = VariantFolder.read(folder);
        Map<String, StoredTensor> head = stored.saved().get(SequenceClassifier.HEAD);
        if (head == null || head.get("weight") == null || head.get("bias") == null) {
            throw new IllegalArgumentException(folder.resolve(PeftFolder.WEIGHTS) + " has no head " + PeftFolder.PREFIX + SequenceClassifier.HEAD
                    + ".weight and .bias: it is not a sequence classifier written by lowrank finetune --task classify");
        }
        BertModel encoder = EncoderModels.load(model, precision);
        VariantFolder.apply(stored, ModulePaths.bert(encoder), precision);
        StoredTensor w = head.get("weight");
        return withHead(encoder, pooling(record), labels(record), new long[] {w.shape()[0], w.shape()[1]}, w.values(), head.get("bias").values(),
                folder, model);
    }

    private static SequenceClassifier loadFull(Path folder, JsonNode record, Precision precision) throws IOException {
        BertModel encoder = EncoderModels.load(folder, precision);
        Path file = folder.resolve(HEAD_FILE);
        try (SafetensorsFile st = SafetensorsFile.open(file)) {
            String wName = SequenceClassifier.HEAD + ".weight";
            String bName = SequenceClassifier.HEAD + ".bias";
            if (!st.names().contains(wName) || !st.names().contains(bName)) {
                throw new IllegalArgumentException(file + " has no " + wName + " and " + bName);
            }
            return withHead(encoder, pooling(record), labels(record), st.info(wName).shape(), st.readFloats(wName), st.readFloats(bName), folder,
                    folder);
        }
    }

    private static SequenceClassifier withHead(BertModel encoder, EncoderPooling pooling, List<String> names, long[] shape, float[] weight,
            float[] bias, Path folder, Path model) {
        Linear head = SequenceClassifier.zeroHead(encoder, names.size());
        if (shape.length != 2 || shape[0] != names.size() || shape[1] != head.inFeatures() || bias.length != names.size()) {
            throw new IllegalArgumentException("the head in " + folder + " is " + java.util.Arrays.toString(shape) + " but " + model + " with the "
                    + names.size() + " labels of " + RECORD + " needs [" + names.size() + ", " + head.inFeatures() + "]: the classifier was made "
                    + "for another base model");
        }
        Tensor w = head.weight().parameters().get(0).value();
        for (int i = 0; i < w.size(); i++) {
            w.set(i, weight[i]);
        }
        for (int i = 0; i < head.outFeatures(); i++) {
            head.bias().value().set(i, bias[i]);
        }
        return new SequenceClassifier(encoder, pooling, head);
    }

    private static JsonNode readRecord(Path folder) throws IOException {
        Path record = folder.resolve(RECORD);
        if (!Files.isRegularFile(record)) {
            throw new IllegalArgumentException("folder " + folder + " has no " + RECORD + ": it is not a sequence classifier written by "
                    + "lowrank finetune --task classify");
        }
        try {
            return JSON.readTree(record.toFile());
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException(record + " is not valid JSON: " + e.getOriginalMessage());
        }
    }

    private static List<String> labels(JsonNode record) {
        List<String> names = new ArrayList<>();
        record.path("labels").forEach(n -> names.add(n.asText()));
        return names;
    }

    private static EncoderPooling pooling(JsonNode record) {
        return EncoderPooling.parse(record.path("pooling").asText("mean"));
    }

    private static float[] floats(Tensor t) {
        float[] out = new float[t.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) t.get(i);
        }
        return out;
    }
}
