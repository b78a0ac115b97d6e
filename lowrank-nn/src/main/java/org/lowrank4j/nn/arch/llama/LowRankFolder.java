package org.lowrank4j.nn.arch.llama;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.lowrank4j.formats.io.AtomicFiles;
import org.lowrank4j.formats.safetensors.SafetensorsDtype;
import org.lowrank4j.formats.safetensors.SafetensorsModel;
import org.lowrank4j.nn.generate.CausalLanguageModel;
import org.lowrank4j.nn.generate.FactorTensors;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.weight.DictionaryWeight;
import org.lowrank4j.nn.weight.LowRankWeight;

/**
 * A decoder whose block projections lowrank4j factorised, as a model folder that the architecture's loader
 * ({@link LlamaModel#load}, {@link org.lowrank4j.nn.arch.gpt2.Gpt2Model#load}) reads like a dense one:
 * <ul>
 *   <li>{@code config.json}: the original model's config, unchanged;</li>
 *   <li>{@code model.safetensors} (float32): every tensor of the dense checkpoint, except that each factorised projection
 *       {@code <name>.weight} is replaced by {@code <name>.lowrank_A} (out, r) and {@code <name>.lowrank_B} (r, in) with
 *       {@code W ≈ A·B} ({@link FactorTensors}); loading installs a {@link LowRankWeight} there. GPT-2's fused
 *       {@code attn.c_attn} is written fused while q, k and v are all dense, else as its parts {@code attn.c_attn.q|k|v}
 *       (see {@link CausalLanguageModel#saveFactors}); a LLaMA projection compressed by CoSpaDi is stored as its dictionary,
 *       codes and code indices ({@link org.lowrank4j.nn.generate.DictionaryTensors}), its rank entry being the atom count k;</li>
 *   <li>{@code tokenizer.json}: copied from the original;</li>
 *   <li>{@value #MANIFEST}: the {@link Manifest} (format version, method, allocation, ratios, parameter counts, rank per
 *       site, the source model, and what recovery did when it ran).</li>
 * </ul>
 * The folder is written under a temporary name beside its target and renamed into place when complete, never over an
 * input; a target that exists is replaced only when it is itself such a folder. Hugging Face tools do not read the
 * factor tensors; {@link LlamaModel#save} writes the same model multiplied out for them.
 */
public final class LowRankFolder {
    public static final String A_SUFFIX = FactorTensors.A_SUFFIX, B_SUFFIX = FactorTensors.B_SUFFIX;
    public static final String MANIFEST = "lowrank.json";
    public static final String FORMAT = "lowrank4j-lowrank-decoder";
    public static final int FORMAT_VERSION = 1;
    static final String TOKENIZER = "tokenizer.json";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /**
     * What {@value #MANIFEST} records. Parameter counts cover the targeted layers (the block projections) and the whole
     * model; the ratios are fractions removed, as everywhere in lowrank4j.
     *
     * @param source         the dense model the factors came from
     * @param ratioRequested the ratio asked of the allocator (NaN when not known)
     * @param ranks          rank per factorised projection (Hugging Face name without {@code .weight})
     * @param denseSites     block projections kept dense
     * @param recovery       what distillation recovery did (null when it did not run)
     */
    public record Manifest(int formatVersion, String source, String method, String allocation, double ratioRequested,
            double ratioTargetedLayers, double ratioWholeModel, long parametersTargetedBefore, long parametersTargetedAfter,
            long parametersModelBefore, long parametersModelAfter, Map<String, Integer> ranks, List<String> denseSites,
            JsonNode recovery) {

        public Manifest {
            ranks = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(ranks));
            denseSites = List.copyOf(denseSites);
        }

        /** The same manifest with {@code recovery} (any value Jackson turns into JSON, e.g. a map or a record). */
        public Manifest withRecovery(Object details) {
            return new Manifest(formatVersion, source, method, allocation, ratioRequested, ratioTargetedLayers, ratioWholeModel,
                    parametersTargetedBefore, parametersTargetedAfter, parametersModelBefore, parametersModelAfter, ranks, denseSites,
                    details == null ? null : JSON.valueToTree(details));
        }

        /** The JSON of {@value #MANIFEST}. */
        public ObjectNode toJson() {
            ObjectNode root = JSON.createObjectNode();
            root.put("format", FORMAT).put("format_version", formatVersion);
            root.put("source", source).put("method", method).put("allocation", allocation);
            if (Double.isFinite(ratioRequested)) {
                root.put("ratio_requested", ratioRequested);
            } else {
                root.putNull("ratio_requested");
            }
            root.put("ratio_targeted_layers", ratioTargetedLayers).put("ratio_whole_model", ratioWholeModel);
            root.put("parameters_targeted_before", parametersTargetedBefore).put("parameters_targeted_after", parametersTargetedAfter);
            root.put("parameters_model_before", parametersModelBefore).put("parameters_model_after", parametersModelAfter);
            ObjectNode r = root.putObject("ranks");
            ranks.forEach(r::put);
            ArrayNode dense = root.putArray("dense_sites");
            denseSites.forEach(dense::add);
            if (recovery != null) {
                root.set("recovery", recovery);
            }
            return root;
        }

        static Manifest fromJson(JsonNode root, Path file) {
            int version = root.path("format_version").asInt(-1);
            if (!FORMAT.equals(root.path("format").asText()) || version < 1) {
                throw new IllegalArgumentException(file + " is not a lowrank4j low-rank model manifest (format \"" + FORMAT + "\")");
            }
            if (version > FORMAT_VERSION) {
                throw new IllegalArgumentException(file + " has format_version " + version + "; this lowrank4j reads version "
                        + FORMAT_VERSION + " (update lowrank4j)");
            }
            Map<String, Integer> ranks = new LinkedHashMap<>();
            root.path("ranks").fields().forEachRemaining(e -> ranks.put(e.getKey(), e.getValue().asInt()));
            List<String> dense = new ArrayList<>();
            root.path("dense_sites").forEach(n -> dense.add(n.asText()));
            JsonNode ratio = root.path("ratio_requested");
            JsonNode recovery = root.get("recovery");
            return new Manifest(version, root.path("source").asText(), root.path("method").asText(), root.path("allocation").asText(),
                    ratio.isNumber() ? ratio.asDouble() : Double.NaN, root.path("ratio_targeted_layers").asDouble(Double.NaN),
                    root.path("ratio_whole_model").asDouble(Double.NaN), root.path("parameters_targeted_before").asLong(),
                    root.path("parameters_targeted_after").asLong(), root.path("parameters_model_before").asLong(),
                    root.path("parameters_model_after").asLong(), ranks, dense, recovery == null || recovery.isNull() ? null : recovery);
        }
    }

    private LowRankFolder() {
    }

    /**
     * The manifest of {@code model} as it is now: ranks and parameter counts are read off the model (every block projection
     * counts as targeted, at {@code out·in} parameters before), the rest is provenance.
     *
     * @param source         the dense model compressed
     * @param ratioRequested the ratio asked (NaN when not known)
     * @throws IllegalArgumentException when two projections share a factor (cross-layer sharing is not stored by this format)
     */
    public static Manifest describe(CausalLanguageModel model, String source, String method, String allocation, double ratioRequested) {
        Map<String, Integer> ranks = new LinkedHashMap<>();
        List<String> dense = new ArrayList<>();
        java.util.Set<Object> factors = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        long before = 0, after = 0, indexUnits = 0;
        for (Linear linear : model.linearSites().values()) {
            before += (long) linear.outFeatures() * linear.inFeatures();
            if (linear.weight() instanceof LowRankWeight f) {
                if (!factors.add(f.left()) || !factors.add(f.right())) {
                    throw new IllegalArgumentException(linear.name() + " shares a low-rank factor with another projection; the low-rank"
                            + " folder format stores each projection's factors apart (cross-layer sharing is not supported)");
                }
                ranks.put(linear.name(), f.rank());
                after += (long) f.rank() * (linear.outFeatures() + linear.inFeatures());
            } else if (linear.weight() instanceof DictionaryWeight d) {
                if (!factors.add(d.dictionary())) {
                    throw new IllegalArgumentException(linear.name() + " shares its dictionary with another projection; the low-rank folder"
                            + " format stores each projection's dictionary apart (cross-layer sharing is not supported)");
                }
                ranks.put(linear.name(), d.atoms());
                after += d.storedUnits();
                indexUnits += d.storedUnits() - d.parameterCount();
            } else {
                dense.add(linear.name());
                after += (long) linear.outFeatures() * linear.inFeatures();
            }
        }
        // a dictionary's index storage counts as parameters (in float32 units), as CoSpaDi's budget counts it
        long modelAfter = model.parameterCount() + indexUnits, modelBefore = modelAfter - after + before;
        return new Manifest(FORMAT_VERSION, source, method, allocation, ratioRequested, before == 0 ? 0 : 1 - (double) after / before,
                1 - (double) modelAfter / modelBefore, before, after, modelBefore, modelAfter, ranks, dense, null);
    }

    /**
     * Writes {@code model} as a low-rank folder at {@code out}: into a new hidden folder beside it, then renamed into place
     * (an existing low-rank folder at {@code out} is moved aside first and deleted after).
     *
     * @param tokenizer the {@code tokenizer.json} to copy (null: none)
     * @param inputs    folders and files the output must not replace
     * @throws IllegalArgumentException see {@link #requireOutput}; or the tokenizer is missing
     */
    public static void write(CausalLanguageModel model, Path out, Path tokenizer, Manifest manifest, Path... inputs) throws IOException {
        writeFolder(out, tokenizer, inputs, temp -> {
            model.saveFactors(temp, SafetensorsDtype.F32);
            Files.writeString(temp.resolve(MANIFEST), JSON.writeValueAsString(manifest.toJson()) + "\n", StandardCharsets.UTF_8);
        });
    }

    /** What goes into a model folder being written: its tensors and manifest, into the hidden folder given. */
    public interface FolderContents {
        void writeInto(Path temp) throws IOException;
    }

    /**
     * The one way a model folder (low-rank, quantized, narrowed) reaches disk: checks {@code out} against the inputs,
     * fills a new hidden folder beside it ({@code contents}, then the tokenizer when given), and renames it into place (an
     * existing folder at {@code out} is moved aside first and deleted after); the hidden folder is removed on failure.
     *
     * @throws IllegalArgumentException see {@link #requireOutput}; or the tokenizer is missing
     */
    public static void writeFolder(Path out, Path tokenizer, Path[] inputs, FolderContents contents) throws IOException {
        requireOutput(out, inputs);
        if (tokenizer != null && !Files.isRegularFile(tokenizer)) {
            throw new IllegalArgumentException("tokenizer " + tokenizer + " does not exist or is not a file");
        }
        // AtomicFiles.replacing: a run stopped by SIGTERM or Ctrl-C leaves no hidden folder, and never renames a half-deleted one into place
        AtomicFiles.replaceFolder(out.toAbsolutePath().normalize(), temp -> {
            contents.writeInto(temp);
            if (tokenizer != null) {
                Files.copy(tokenizer, temp.resolve(TOKENIZER), StandardCopyOption.REPLACE_EXISTING);
            }
        });
    }

    /**
     * Checks that {@code out} may receive a low-rank folder: its parent exists and is writable, it is none of
     * {@code inputs} and holds none of them, and it is either absent, an empty folder, or a folder with {@value #MANIFEST},
     * {@value QuantizedFolder#MANIFEST}, {@value StructuredFolder#MANIFEST} or cskv.json (an earlier output, which is replaced).
     *
     * @throws IllegalArgumentException saying which rule fails
     */
    public static void requireOutput(Path out, Path... inputs) throws IOException {
        Path target = out.toAbsolutePath().normalize();
        for (Path input : inputs) {
            if (input == null) {
                continue;
            }
            Path in = input.toAbsolutePath().normalize();
            if (in.equals(target) || Files.exists(target) && Files.exists(in) && Files.isSameFile(target, in) || in.startsWith(target)) {
                throw new IllegalArgumentException("the output " + out + " is (or holds) the input " + input
                        + "; write to another folder (inputs are never overwritten)");
            }
        }
        Path parent = target.getParent();
        if (parent == null || !Files.isDirectory(parent)) {
            throw new IllegalArgumentException("the output folder's parent " + parent + " does not exist; create it first");
        }
        if (!Files.isWritable(parent)) {
            throw new IllegalArgumentException("the output folder's parent " + parent + " is not writable; choose another folder");
        }
        if (Files.exists(target)) {
            if (!Files.isDirectory(target)) {
                throw new IllegalArgumentException("the output " + out + " exists and is not a folder; choose another path");
            }
            boolean empty;
            try (Stream<Path> entries = Files.list(target)) {
                empty = entries.findAny().isEmpty();
            }
            if (!empty && !Files.isRegularFile(target.resolve(MANIFEST)) && !Files.isRegularFile(target.resolve(QuantizedFolder.MANIFEST))
                    && !Files.isRegularFile(target.resolve(StructuredFolder.MANIFEST))
                    && !Files.isRegularFile(target.resolve("cskv.json"))) { // cskv.json: org.lowrank4j.nn.cskv.CskvFolder's manifest
                throw new IllegalArgumentException("the output " + out + " exists and is not a low-rank model folder written by lowrank4j"
                        + " (no " + MANIFEST + "); choose another path or remove it");
            }
        }
    }

    /**
     * The safetensors of a dense or low-rank folder of the config's sizes, opened unmapped (only the part being read is
     * resident), for blockwise reading of either family.
     *
     * @throws IllegalArgumentException for a narrowed, quantized or dictionary folder, or a damaged low-rank manifest
     */
    public static SafetensorsModel openDenseOrLowRank(Path folder) throws IOException {
        LowRankFolder.readManifest(folder);
        if (StructuredFolder.readManifest(folder).isPresent()) {
            throw new IllegalArgumentException(folder + " is a narrowed model folder (" + StructuredFolder.MANIFEST + "); blockwise reading"
                    + " takes folders of the config's sizes");
        }
        if (QuantizedFolder.readManifest(folder).isPresent()) {
            throw new IllegalArgumentException(folder + " is a quantized model folder; blockwise reading takes dense and low-rank folders");
        }
        SafetensorsModel source = SafetensorsModel.open(folder, false);
        for (String name : source.names()) {
            if (name.endsWith(org.lowrank4j.nn.generate.DictionaryTensors.CODES) || name.endsWith(org.lowrank4j.nn.generate.QuantizedTensors.CODES)) {
                source.close();
                throw new IllegalArgumentException("tensor '" + name + "' in " + source.path() + " is not a dense or low-rank weight;"
                        + " blockwise reading takes dense and low-rank folders");
            }
        }
        return source;
    }

    /**
     * The manifest of a folder, or empty when it has none (a dense model folder).
     *
     * @throws IllegalArgumentException when the manifest is not valid JSON, not lowrank4j's, or of a newer format version
     */
    public static Optional<Manifest> readManifest(Path folder) throws IOException {
        Path file = folder.resolve(MANIFEST);
        return readJson(file).map(root -> Manifest.fromJson(root, file));
    }

    /**
     * A manifest file's JSON, or empty when the file does not exist (shared with {@link QuantizedFolder}).
     *
     * @throws IllegalArgumentException naming the file when it is not valid JSON
     */
    static Optional<JsonNode> readJson(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            return Optional.of(JSON.readTree(file.toFile()));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException(file + " is not valid JSON: " + e.getOriginalMessage());
        }
    }

    /** Whether the folder's safetensors hold any {@code .lowrank_A} or {@code .lowrank_B} tensor. */
    public static boolean hasFactors(Path folder) throws IOException {
        try (SafetensorsModel source = SafetensorsModel.open(folder)) {
            return source.names().stream().anyMatch(n -> n.endsWith(A_SUFFIX) || n.endsWith(B_SUFFIX));
        }
    }
}
