package org.lowrank4j.adapt.variant;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.lowrank4j.adapt.peft.PeftFolder;
import org.lowrank4j.formats.io.AtomicFiles;
import org.lowrank4j.formats.safetensors.SafetensorsDtype;
import org.lowrank4j.formats.safetensors.SafetensorsFile;
import org.lowrank4j.formats.safetensors.SafetensorsWriter;
import org.lowrank4j.formats.safetensors.TensorInfo;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.tensor.Precision;

/**
 * A variant adapter as a PEFT-style folder: {@code adapter_config.json} with the variant's own {@code peft_type}
 * ({@code LOWRANK4J_NOLA}, …), PEFT's {@code target_modules}, {@code base_model_name_or_path}, {@code task_type} and the
 * variant's fields under {@code "lowrank4j"}; {@code adapter_model.safetensors} with float32 tensors named
 * {@code base_model.model.<module path>.<tensor>} (tensor names without dots). PEFT itself does not read these.
 */
public final class VariantFolder {
    public static final String FIELDS = "lowrank4j";
    private static final ObjectMapper JSON = new ObjectMapper();

    private VariantFolder() {
    }

    /**
     * What a folder holds, before it meets a model.
     *
     * @param tensors the variant's tensors: module path → tensor name → values
     * @param saved   the modules stored whole beside the adapter (PEFT's {@code modules_to_save}: a classifier's head), same keys
     */
    public record Stored(Path folder, AdapterVariant variant, ObjectNode root, Map<String, Map<String, StoredTensor>> tensors,
            Map<String, Map<String, StoredTensor>> saved) {

        /** The variant's fields of the config. */
        public ObjectNode fields() {
            return (ObjectNode) root.get(FIELDS);
        }

        /** Stored values (what the file counts), over all modules. */
        public long storedValues() {
            long n = 0;
            for (Map<String, StoredTensor> m : tensors.values()) {
                for (StoredTensor t : m.values()) {
                    n += t.values().length;
                }
            }
            return n;
        }
    }

    /** Writes config and tensors (atomically each), creating the folder: a causal-LM adapter. */
    public static void write(Path folder, VariantAdapter adapter, List<String> targets, String baseModel) throws IOException {
        write(folder, adapter, targets, baseModel, "CAUSAL_LM", Map.of());
    }

    /**
     * Writes config and tensors (atomically each), creating the folder.
     *
     * @param taskType PEFT's task_type ({@code CAUSAL_LM}, {@code SEQ_CLS})
     * @param saved    modules stored whole beside the adapter (module path → tensor name → values), listed in the config's
     *                 {@code modules_to_save}
     */
    public static void write(Path folder, VariantAdapter adapter, List<String> targets, String baseModel, String taskType,
            Map<String, Map<String, StoredTensor>> saved) throws IOException {
        Files.createDirectories(folder);
        SafetensorsWriter writer = new SafetensorsWriter().metadata("format", "pt");
        Map<String, Map<String, StoredTensor>> all = new LinkedHashMap<>(adapter.tensors());
        for (String module : saved.keySet()) {
            if (all.containsKey(module)) {
                throw new IllegalArgumentException("module " + module + " is both adapted and saved whole");
            }
        }
        all.putAll(saved);
        for (Map.Entry<String, Map<String, StoredTensor>> m : all.entrySet()) {
            for (Map.Entry<String, StoredTensor> t : m.getValue().entrySet()) {
                long[] shape = new long[t.getValue().shape().length];
                for (int i = 0; i < shape.length; i++) {
                    shape[i] = t.getValue().shape()[i];
                }
                writer.add(PeftFolder.PREFIX + m.getKey() + "." + t.getKey(), SafetensorsDtype.F32, shape, t.getValue().values());
            }
        }
        writer.write(folder.resolve(PeftFolder.WEIGHTS));
        ObjectNode root = JSON.createObjectNode();
        root.put("peft_type", adapter.variant().peftType());
        root.put("task_type", taskType);
        root.put("base_model_name_or_path", baseModel);
        root.put("inference_mode", true);
        ArrayNode t = root.putArray("target_modules");
        targets.forEach(t::add);
        if (!saved.isEmpty()) {
            ArrayNode keep = root.putArray("modules_to_save");
            saved.keySet().forEach(keep::add);
        }
        root.set(FIELDS, adapter.config());
        AtomicFiles.writeString(folder.resolve(PeftFolder.CONFIG), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n");
    }

    /**
     * The peft_type of a folder's config, or null when the folder has no readable config (PEFT's reader then says why).
     *
     * @throws IllegalArgumentException when the peft_type is neither LORA nor a known variant's (one line, listing them)
     */
    public static AdapterVariant variantOf(Path folder) throws IOException {
        Path file = folder.resolve(PeftFolder.CONFIG);
        if (!Files.isRegularFile(file)) {
            return null;
        }
        JsonNode root;
        try {
            root = JSON.readTree(file.toFile());
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            return null;
        }
        if (root == null || !root.isObject()) {
            return null;
        }
        String type = root.path("peft_type").asText("");
        if (type.equals("LORA")) {
            return null;
        }
        AdapterVariant variant = AdapterVariants.byPeftType(type);
        if (variant == null) {
            throw new IllegalArgumentException(file + ": peft_type \"" + type + "\" names an unknown adapter variant; this code reads "
                    + String.join(", ", AdapterVariants.peftTypes()));
        }
        return variant;
    }

    /** @throws IllegalArgumentException naming the file when the folder is not a variant folder or a tensor is unreadable */
    public static Stored read(Path folder) throws IOException {
        return read(folder, null);
    }

    /**
     * {@link #read(Path)}, feeding {@code weightsDigest} (when not null) the weights file's bytes from the same opening
     * ({@link SafetensorsFile#digest}): the hash is of the file that was parsed.
     */
    public static Stored read(Path folder, java.security.MessageDigest weightsDigest) throws IOException {
        AdapterVariant variant = variantOf(folder);
        Path config = folder.resolve(PeftFolder.CONFIG);
        if (variant == null) {
            throw new IllegalArgumentException(folder + " is not an adapter-variant folder (its " + PeftFolder.CONFIG + " is missing, "
                    + "unreadable or a LORA config)");
        }
        ObjectNode root = (ObjectNode) JSON.readTree(config.toFile());
        if (!root.path(FIELDS).isObject()) {
            throw new IllegalArgumentException(config + ": a " + variant.peftType() + " config needs a \"" + FIELDS + "\" object");
        }
        Path file = folder.resolve(PeftFolder.WEIGHTS);
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("adapter folder " + folder + " has no " + PeftFolder.WEIGHTS);
        }
        Map<String, Map<String, StoredTensor>> tensors = new TreeMap<>();
        SafetensorsFile st;
        try {
            st = SafetensorsFile.open(file);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + " is not a valid safetensors file: " + e.getMessage());
        }
        try (st) {
            for (String name : st.names()) {
                int dot = name.lastIndexOf('.');
                if (!name.startsWith(PeftFolder.PREFIX) || dot <= PeftFolder.PREFIX.length()) {
                    throw new IllegalArgumentException(file + ": tensor " + name + " is not named " + PeftFolder.PREFIX + "<module>.<tensor>");
                }
                TensorInfo info = st.info(name);
                int[] shape = new int[info.rank()];
                for (int i = 0; i < shape.length; i++) {
                    shape[i] = (int) info.shape()[i];
                }
                float[] values = PeftFolder.readWeights(st, file, name);
                tensors.computeIfAbsent(name.substring(PeftFolder.PREFIX.length(), dot), k -> new LinkedHashMap<>())
                        .put(name.substring(dot + 1), new StoredTensor(shape, values));
            }
            if (weightsDigest != null) {
                st.digest(weightsDigest);
            }
        }
        Map<String, Map<String, StoredTensor>> saved = new TreeMap<>();
        for (JsonNode m : root.path("modules_to_save")) {
            Map<String, StoredTensor> whole = tensors.remove(m.asText());
            if (whole != null) {
                saved.put(m.asText(), whole);
            }
        }
        return new Stored(folder, variant, root, tensors, saved);
    }

    /**
     * Rebuilds the adapter of a folder for a model's linears and attaches it.
     *
     * @throws IllegalArgumentException naming the folder, when the variant refuses its config or tensors
     */
    public static VariantAdapter apply(Stored stored, Map<String, Linear> modules, Precision precision) {
        VariantAdapter adapter = inFolder(stored, () -> stored.variant().read(stored.fields(), stored.tensors(), modules, precision));
        adapter.attach(modules);
        return adapter;
    }

    /**
     * The variant's lines describing a folder without a model ({@code adapter inspect}).
     *
     * @throws IllegalArgumentException naming the folder, when the variant refuses its config
     */
    public static List<String> describe(Stored stored) {
        return inFolder(stored, () -> stored.variant().describe(stored.fields(), stored.tensors()));
    }

    /**
     * A variant reads fields and tensors without knowing where they came from, so its refusals name only the file
     * ("adapter_config.json: …"): the folder is added here.
     */
    private static <T> T inFolder(Stored stored, java.util.function.Supplier<T> reading) {
        try {
            return reading.get();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("adapter folder " + stored.folder() + ": " + e.getMessage(), e);
        }
    }

    /** Bytes of adapter_config.json plus adapter_model.safetensors: what the adapter costs on disk. */
    public static long bytesOnDisk(Path folder) throws IOException {
        return Files.size(folder.resolve(PeftFolder.CONFIG)) + Files.size(folder.resolve(PeftFolder.WEIGHTS));
    }
}
