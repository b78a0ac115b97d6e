package org.lowrank4j.adapt.peft;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.lowrank4j.adapt.lora.LoraAdapter;
import org.lowrank4j.adapt.lora.LoraModel;
import org.lowrank4j.adapt.lora.TargetModules;
import org.lowrank4j.formats.io.FiniteValues;
import org.lowrank4j.formats.safetensors.SafetensorsDtype;
import org.lowrank4j.formats.safetensors.SafetensorsFile;
import org.lowrank4j.formats.safetensors.SafetensorsWriter;
import org.lowrank4j.formats.safetensors.TensorInfo;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;

/**
 * Reads and writes PEFT adapter folders: {@code adapter_config.json} and {@code adapter_model.safetensors} whose keys
 * are {@code base_model.model.<module path>.lora_A.weight} (r, in) and {@code ….lora_B.weight} (out, r); the adapter
 * name is not in the keys (PEFT removes it on save). Both files are written atomically.
 */
public final class PeftFolder {
    public static final String CONFIG = "adapter_config.json";
    public static final String WEIGHTS = "adapter_model.safetensors";
    public static final String PREFIX = "base_model.model.";
    private static final String A_SUFFIX = ".lora_A.weight";
    private static final String B_SUFFIX = ".lora_B.weight";

    private PeftFolder() {
    }

    /** The file key of a module's factor ({@code "lora_A"} or {@code "lora_B"}). */
    public static String key(String module, String factor) {
        return PREFIX + module + "." + factor + ".weight";
    }

    /**
     * Reads a folder.
     *
     * @throws IllegalArgumentException one line naming the file and what is wrong: a missing file, a corrupt
     *                                  safetensors file, a key that is not a LoRA factor of a linear layer, a factor
     *                                  without its partner, shapes that do not fit together
     */
    public static PeftAdapter read(Path folder) throws IOException {
        return read(folder, null).adapter();
    }

    /**
     * A folder read with one opening of its weights file.
     *
     * @param adapter   the LoRA adapter, as {@link #read(Path)} gives it
     * @param savedKeys the keys of the modules_to_save tensors as {@link #readSaved} names them, from the file's header (their
     *                  values are not read)
     */
    public record Read(PeftAdapter adapter, List<String> savedKeys) {
    }

    /**
     * {@link #read(Path)}, also giving the keys of the modules_to_save tensors and, when {@code weightsDigest} is not
     * null, feeding it the weights file's bytes ({@link SafetensorsFile#digest}) from the same opening: the hash is of
     * the file that was parsed.
     */
    public static Read read(Path folder, java.security.MessageDigest weightsDigest) throws IOException {
        if (!Files.isDirectory(folder)) {
            throw new IllegalArgumentException("adapter folder " + folder + " does not exist or is not a folder");
        }
        PeftConfig config = PeftConfig.read(folder.resolve(CONFIG));
        Path file = folder.resolve(WEIGHTS);
        if (!Files.isRegularFile(file)) {
            String legacy = Files.isRegularFile(folder.resolve("adapter_model.bin"))
                    ? " (it has adapter_model.bin, PEFT's legacy pickle format, which is not read: convert it to safetensors)" : "";
            throw new IllegalArgumentException("adapter folder " + folder + " has no " + WEIGHTS + legacy);
        }
        Map<String, float[]> as = new TreeMap<>(), bs = new TreeMap<>();
        Map<String, TensorInfo> aInfo = new TreeMap<>(), bInfo = new TreeMap<>();
        List<String> saved = config.modulesToSave();
        List<String> savedKeys = new java.util.ArrayList<>();
        try (SafetensorsFile st = open(file)) {
            for (String name : st.names()) {
                TensorInfo info = st.info(name);
                if (isSaved(name, saved)) {
                    savedKeys.add(name.substring(PREFIX.length()));
                    continue; // a module_to_save (a classification head): read by readSaved
                }
                if (!name.startsWith(PREFIX) || !(name.endsWith(A_SUFFIX) || name.endsWith(B_SUFFIX))) {
                    throw new IllegalArgumentException(file + ": tensor " + name + " is not a LoRA factor of a linear layer (expected "
                            + PREFIX + "<module>.lora_A.weight / .lora_B.weight; embedding, convolution and bias adapters are not supported)");
                }
                if (info.rank() != 2) {
                    throw new IllegalArgumentException(file + ": tensor " + name + " has shape " + java.util.Arrays.toString(info.shape())
                            + "; LoRA factors of linear layers are matrices");
                }
                boolean isA = name.endsWith(A_SUFFIX);
                String module = name.substring(PREFIX.length(), name.length() - (isA ? A_SUFFIX : B_SUFFIX).length());
                float[] values = readWeights(st, file, name);
                (isA ? as : bs).put(module, values);
                (isA ? aInfo : bInfo).put(module, info);
            }
            if (weightsDigest != null) {
                st.digest(weightsDigest);
            }
        }
        if (as.isEmpty() && bs.isEmpty()) {
            throw new IllegalArgumentException(file + " holds no LoRA tensors");
        }
        TargetModules targets = config.targets();
        for (String module : as.keySet()) { // PEFT builds LoRA layers only where the config points; a factor elsewhere is not its adapter
            if (!targets.test(module)) {
                throw new IllegalArgumentException(file + ": " + key(module, "lora_A") + " adapts " + module + ", which target_modules "
                        + config.json().get("target_modules") + (config.json().hasNonNull("layers_to_transform")
                        ? " with layers_to_transform " + config.json().get("layers_to_transform") : "")
                        + " in " + CONFIG + " does not select: the config and the weights disagree (fix the config or the file)");
            }
        }
        Map<String, LoraFactors> modules = new LinkedHashMap<>();
        for (String module : as.keySet()) {
            TensorInfo a = aInfo.get(module), b = bInfo.get(module);
            if (b == null) {
                throw new IllegalArgumentException(file + ": " + key(module, "lora_A") + " has no partner " + key(module, "lora_B"));
            }
            if (a.dim(0) != b.dim(1)) {
                throw new IllegalArgumentException(file + ": " + key(module, "lora_A") + " " + java.util.Arrays.toString(a.shape()) + " and "
                        + key(module, "lora_B") + " " + java.util.Arrays.toString(b.shape()) + " differ in rank (lora_A is [r, in], lora_B [out, r])");
            }
            int r = (int) a.dim(0);
            int configured = config.settingsFor(module).rank();
            if (r != configured) {
                throw new IllegalArgumentException(file + ": " + key(module, "lora_A") + " has rank " + r + " but " + CONFIG + " gives "
                        + module + " r = " + configured + " (r or rank_pattern)");
            }
            modules.put(module, new LoraFactors(r, (int) a.dim(1), (int) b.dim(0), as.get(module), bs.get(module),
                    config.settingsFor(module).alpha()));
        }
        for (String module : bs.keySet()) {
            if (!as.containsKey(module)) {
                throw new IllegalArgumentException(file + ": " + key(module, "lora_B") + " has no partner " + key(module, "lora_A"));
            }
        }
        return new Read(new PeftAdapter(config, modules), List.copyOf(savedKeys));
    }

    /** True for a key {@code base_model.model.<m>.<tensor>} of a module {@code m} listed in modules_to_save. */
    private static boolean isSaved(String key, List<String> saved) {
        if (!key.startsWith(PREFIX) || key.endsWith(A_SUFFIX) || key.endsWith(B_SUFFIX)) {
            return false;
        }
        String rest = key.substring(PREFIX.length());
        return saved.stream().anyMatch(m -> rest.startsWith(m + "."));
    }

    /** A tensor of a module trained whole (modules_to_save), as stored: its shape and row-major values. */
    public record SavedTensor(long[] shape, float[] values) {
        public SavedTensor {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            if (n != values.length) {
                throw new IllegalArgumentException("a tensor of shape " + java.util.Arrays.toString(shape) + " needs " + n + " values, got "
                        + values.length);
            }
        }
    }

    /**
     * The tensors of the folder's modules_to_save, by key without the {@code base_model.model.} prefix (e.g.
     * {@code classifier.weight}); PEFT stores them under the module's own path, the {@code modules_to_save.<adapter>}
     * part of the in-memory name removed.
     */
    public static Map<String, SavedTensor> readSaved(Path folder) throws IOException {
        PeftConfig config = PeftConfig.read(folder.resolve(CONFIG));
        Path file = folder.resolve(WEIGHTS);
        Map<String, SavedTensor> out = new LinkedHashMap<>();
        try (SafetensorsFile st = open(file)) {
            for (String name : st.names()) {
                if (isSaved(name, config.modulesToSave())) {
                    out.put(name.substring(PREFIX.length()), new SavedTensor(st.info(name).shape(), readWeights(st, file, name)));
                }
            }
        }
        return out;
    }

    /**
     * An adapter's weight tensor as floats: a floating-point dtype (an integer tensor would be read as its integer values,
     * not as weights) with finite values, each failure one line naming the file and the tensor.
     */
    public static float[] readWeights(SafetensorsFile st, Path file, String name) {
        SafetensorsDtype dtype = st.info(name).dtype();
        if (!dtype.isFloatingPoint()) {
            throw new IllegalArgumentException(file + ": tensor " + name + " is " + dtype + "; adapter weights are floating point (F32, F16,"
                    + " BF16 or F64): the file is damaged or was not written as an adapter");
        }
        try {
            return st.readFloats(name);
        } catch (FiniteValues.Damaged e) {
            throw new IllegalArgumentException(file + ": tensor " + name + " holds NaN or infinite values; the adapter is damaged"
                    + " (a diverged run or a broken conversion): train it again or take an earlier copy");
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(file + ": tensor " + name + " cannot be read (" + e.getMessage() + ")");
        }
    }

    private static SafetensorsFile open(Path file) throws IOException {
        try {
            return SafetensorsFile.open(file);
        } catch (IllegalArgumentException e) {
            String message = e.getMessage() == null ? "" : e.getMessage().replace(file + ": ", "");
            throw new IllegalArgumentException(file + " is not a valid safetensors file: " + message);
        }
    }

    /** Writes the folder (created if missing): the config, then the tensors as float32 with {@code format: pt}. */
    public static void write(Path folder, PeftAdapter adapter) throws IOException {
        write(folder, adapter, Map.of());
    }

    /**
     * Writes the folder with the tensors of modules trained whole (modules_to_save, keys such as {@code classifier.weight})
     * stored under {@code base_model.model.<key>}, as PEFT stores them; the config must list their modules.
     */
    public static void write(Path folder, PeftAdapter adapter, Map<String, SavedTensor> saved) throws IOException {
        for (String key : saved.keySet()) {
            if (!isSaved(PREFIX + key, adapter.config().modulesToSave())) {
                throw new IllegalArgumentException("tensor " + key + " belongs to no module of modules_to_save " + adapter.config().modulesToSave());
            }
        }
        Files.createDirectories(folder);
        SafetensorsWriter writer = new SafetensorsWriter().metadata("format", "pt");
        saved.forEach((key, t) -> writer.add(PREFIX + key, SafetensorsDtype.F32, t.shape(), t.values()));
        for (Map.Entry<String, LoraFactors> e : adapter.modules().entrySet()) {
            LoraFactors f = e.getValue();
            writer.add(key(e.getKey(), "lora_A"), SafetensorsDtype.F32, new long[] {f.rank(), f.in()}, f.a());
            writer.add(key(e.getKey(), "lora_B"), SafetensorsDtype.F32, new long[] {f.out(), f.rank()}, f.b());
        }
        writer.write(folder.resolve(WEIGHTS));
        adapter.config().write(folder.resolve(CONFIG));
    }

    /**
     * The named adapter of a model, as a folder would hold it under {@code config}: a fused checkpoint module's parts
     * ({@link LoraModel#fused}) as the one module PEFT names, their shared A and B's row blocks stacked.
     */
    public static PeftAdapter capture(LoraModel model, String name, PeftConfig config) {
        Map<String, LoraFactors> modules = new LinkedHashMap<>();
        for (Map.Entry<String, LoraAdapter> e : model.adapter(name).entrySet()) {
            LoraAdapter a = e.getValue();
            modules.put(e.getKey(), new LoraFactors(a.rank(), a.inFeatures(), a.outFeatures(), floats(a.a().value()), floats(a.b().value()),
                    a.alpha()));
        }
        return new PeftAdapter(config, model.fused().isEmpty() ? modules : model.fused().fuse(modules));
    }

    private static float[] floats(Tensor t) {
        float[] out = new float[t.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) t.get(i);
        }
        return out;
    }

    /**
     * Attaches a read adapter to a model under {@code name}, after checking it against the model: its targets must match
     * some layer, and every module must exist with the factor shapes its layer needs. A fused checkpoint module's factors
     * ({@link LoraModel#fused}: GPT-2's c_attn) go to its parts, which share its A and take B's rows in blocks.
     *
     * @throws IllegalArgumentException naming the tensor whose shape does not fit (an adapter for another base), the
     *                                  module the model lacks, targets that match nothing, or a rank above min(in, out)
     */
    public static void apply(PeftAdapter adapter, LoraModel model, String name, Precision precision) {
        TargetModules targets = adapter.config().targets();
        model.select(targets); // refuses targets that match nothing
        for (Map.Entry<String, LoraFactors> e : adapter.modules().entrySet()) {
            String module = e.getKey();
            LoraFactors f = e.getValue();
            if (!model.has(module)) {
                throw new IllegalArgumentException("adapter tensor " + key(module, "lora_A") + " is for module " + module
                        + ", which this model does not have: the adapter was made for another base model");
            }
            int in = model.inFeatures(module), out = model.outFeatures(module);
            if (f.in() != in) {
                throw new IllegalArgumentException("adapter tensor " + key(module, "lora_A") + " has shape [" + f.rank() + ", " + f.in()
                        + "] but " + module + " takes " + in + " inputs (expected [" + f.rank() + ", " + in
                        + "]): the adapter was made for another base model");
            }
            if (f.out() != out) {
                throw new IllegalArgumentException("adapter tensor " + key(module, "lora_B") + " has shape [" + f.out() + ", " + f.rank()
                        + "] but " + module + " gives " + out + " outputs (expected [" + out + ", " + f.rank()
                        + "]): the adapter was made for another base model");
            }
            int limit = Math.min(f.in(), f.out());
            if (f.rank() > limit) {
                throw new IllegalArgumentException("adapter tensor " + key(module, "lora_A") + " has rank " + f.rank() + ", above min(in, out) = "
                        + limit + " of " + module);
            }
        }
        for (Map.Entry<String, LoraFactors> e : adapter.modules().entrySet()) {
            LoraFactors f = e.getValue();
            String module = e.getKey();
            model.add(module, new LoraAdapter(name, parameter(LoraAdapter.parameterName(module, "lora_A", name), f.a(), precision, f.rank(), f.in()),
                    parameter(LoraAdapter.parameterName(module, "lora_B", name), f.b(), precision, f.out(), f.rank()), f.alpha(),
                    adapter.config().useRslora(), adapter.config().dropout()));
        }
    }

    private static Parameter parameter(String name, float[] values, Precision precision, int rows, int cols) {
        Tensor t = Tensor.zeros(precision, rows, cols);
        for (int i = 0; i < values.length; i++) {
            t.set(i, values[i]);
        }
        return new Parameter(name, t);
    }

    /** The module paths of a folder's tensors, for messages and inspection. */
    public static List<String> modules(PeftAdapter adapter) {
        return List.copyOf(adapter.modules().keySet());
    }
}
