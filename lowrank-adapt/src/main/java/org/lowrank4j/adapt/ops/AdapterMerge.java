package org.lowrank4j.adapt.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.lowrank4j.adapt.lora.LoraModel;
import org.lowrank4j.adapt.lora.ModulePaths;
import org.lowrank4j.adapt.peft.PeftAdapter;
import org.lowrank4j.adapt.peft.PeftFolder;
import org.lowrank4j.adapt.variant.VariantFolder;
import org.lowrank4j.formats.io.AtomicFiles;
import org.lowrank4j.formats.io.Sha256;
import org.lowrank4j.nn.arch.DenseDecoders;
import org.lowrank4j.nn.generate.CausalLanguageModel;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.tensor.Precision;

/**
 * Merges a PEFT adapter into a decoder folder: loads the base, attaches the adapter (checked against the base), adds
 * s·B·A into each adapted weight (refusing non-finite results) and writes a new model folder; files of the base
 * folder that are not the weights or the config (tokenizer.json, the card) are copied.
 */
public final class AdapterMerge {
    private static final ObjectMapper JSON = new ObjectMapper();

    private AdapterMerge() {
    }

    /**
     * Refuses a {@code --model} that is an adapter folder (adapter_config.json and no config.json), before any model is
     * read: with an {@code --adapter} that is a model (a folder with config.json, or an ONNX file) the two options were
     * given the wrong way round, which otherwise surfaced as "--model … has no config.json".
     */
    public static void requireModelNotAdapter(Path model, Path adapter) {
        if (!Files.isDirectory(model) || !Files.isRegularFile(model.resolve(PeftFolder.CONFIG)) || Files.isRegularFile(model.resolve("config.json"))) {
            return;
        }
        boolean adapterIsModel = Files.isRegularFile(adapter)
                || Files.isRegularFile(adapter.resolve("config.json")) && !Files.isRegularFile(adapter.resolve(PeftFolder.CONFIG));
        if (adapterIsModel) {
            throw new IllegalArgumentException("--model " + model + " is an adapter folder (it holds " + PeftFolder.CONFIG + ") and --adapter "
                    + adapter + " is a model: the two options look swapped; give --model " + adapter + " --adapter " + model);
        }
        throw new IllegalArgumentException("--model " + model + " is an adapter folder (it holds " + PeftFolder.CONFIG + "), not a model; give"
                + " the base model with --model and the adapter with --adapter");
    }

    /** The merged model, in memory (a LoRA or an adapter-variant folder). */
    public static CausalLanguageModel merged(Path baseFolder, Path adapterFolder) throws IOException {
        return merged(baseFolder, Read.of(adapterFolder));
    }

    private static CausalLanguageModel merged(Path baseFolder, Read read) throws IOException {
        if (read.variant() != null) { // NOLA, SoRA, …: W0 + ΔW of the variant
            CausalLanguageModel model = DenseDecoders.load(baseFolder, Precision.FLOAT32);
            Map<String, Linear> modules = ModulePaths.decoder(model);
            VariantFolder.apply(read.variant(), modules, Precision.FLOAT32).mergeAndUnload(modules);
            return model;
        }
        PeftAdapter adapter = read.lora();
        if ("SEQ_CLS".equals(adapter.config().taskType())) {
            throw new IllegalArgumentException("--adapter " + read.folder() + " was trained for sequence classification (task_type SEQ_CLS, targets "
                    + adapter.config().targets().describe() + ")" + classifierAdvice(adapter.config().baseModel()));
        }
        if (!read.saved().isEmpty()) { // a head or embedding trained whole: merging only the LoRA factors would drop it
            throw new IllegalArgumentException("--adapter " + read.folder() + " also holds modules trained whole (modules_to_save: "
                    + String.join(", ", read.saved()) + "), which a decoder merge does not apply; merge it with PEFT, or remove them"
                    + " from the adapter if they are not needed");
        }
        return merged(baseFolder, adapter);
    }

    /**
     * An adapter folder read with one opening of its weights file: its LoRA adapter with the keys of its modules_to_save
     * (their names suffice: a decoder merge would drop their values), or a variant's folder, and the SHA-256 state after
     * the weights file's bytes, from which {@link #fingerprint} and {@link #weightsFingerprint} are finished. The
     * fingerprint recorded is thus of the very bytes merged.
     */
    private record Read(Path folder, PeftAdapter lora, List<String> saved, VariantFolder.Stored variant, MessageDigest weights) {
        static Read of(Path folder) throws IOException {
            MessageDigest weights = Sha256.digest();
            if (VariantFolder.variantOf(folder) != null) {
                return new Read(folder, null, List.of(), VariantFolder.read(folder, weights), weights);
            }
            PeftFolder.Read read = PeftFolder.read(folder, weights);
            return new Read(folder, read.adapter(), read.savedKeys(), null, weights);
        }

        /** {@link AdapterMerge#fingerprint} of the folder. */
        String fingerprint() throws IOException {
            MessageDigest digest = copy(weights);
            if (variant != null) {
                Sha256.addFile(digest, folder.resolve(PeftFolder.CONFIG));
            } else {
                digest.update(updateFields(lora.config()));
            }
            return Sha256.hex(digest);
        }

        /** {@link AdapterMerge#weightsFingerprint} of the folder. */
        String weightsFingerprint() {
            return Sha256.hex(copy(weights));
        }

        private static MessageDigest copy(MessageDigest digest) {
            try {
                return (MessageDigest) digest.clone();
            } catch (CloneNotSupportedException e) {
                throw new IllegalStateException("this JVM's SHA-256 cannot be copied", e);
            }
        }
    }

    /**
     * What {@link #mergeInto} or {@link #unmergeInto} wrote: the model, and the adapter as it was read (a LoRA adapter, or
     * else a variant's folder).
     */
    public record Outcome(CausalLanguageModel model, PeftAdapter lora, VariantFolder.Stored variant) {
    }

    /**
     * Where a sequence classifier's adapter can be merged, by what it was trained on (its base_model_name_or_path): an
     * ONNX encoder takes it ({@link OnnxEncoderMerge}); a safetensors encoder folder cannot, here, so the advice for it is
     * the ONNX export of that encoder, or PEFT on the folder itself.
     */
    static String classifierAdvice(String trainedOn) {
        if (trainedOn == null || trainedOn.isBlank()) {
            return ", not for a decoder; merge it into the ONNX encoder it was trained on (--model model.onnx)";
        }
        if (trainedOn.toLowerCase(java.util.Locale.ROOT).endsWith(".onnx") || isFile(trainedOn)) {
            return ", not for a decoder; merge it into the ONNX encoder it was trained on (--model " + trainedOn + ")";
        }
        return " on the encoder folder " + trainedOn + " (safetensors, not ONNX); adapter merge merges a classifier's adapter into an ONNX"
                + " encoder only: give --model an ONNX export of that encoder, or use the adapter unmerged with the folder (PEFT loads both)";
    }

    private static boolean isFile(String path) {
        try {
            return Files.isRegularFile(Path.of(path));
        } catch (java.nio.file.InvalidPathException e) {
            return false;
        }
    }

    /** The base with {@code adapter}'s update added, in memory. */
    public static CausalLanguageModel merged(Path baseFolder, PeftAdapter adapter) throws IOException {
        CausalLanguageModel model = DenseDecoders.load(baseFolder, Precision.FLOAT32);
        LoraModel lora = LoraModel.overDecoder(model, 0);
        PeftFolder.apply(adapter, lora, "default", Precision.FLOAT32); // GPT-2's c_attn, Phi-3's fused modules: on their parts
        lora.mergeAndUnload("default");
        return model;
    }

    /**
     * Writes the merged model into {@code out} (created; the caller has checked it is no input and may be written). The
     * adapter's weights file is opened and read once, for its tensors and its fingerprint both.
     *
     * @return the merged model and the adapter as read
     */
    public static Outcome mergeInto(Path baseFolder, Path adapterFolder, Path out) throws IOException {
        Read read = Read.of(adapterFolder);
        List<Merged> record = record(baseFolder);
        Merged adapter = new Merged(read.fingerprint(), false);
        if (indexOf(record, adapter.sha256(), read) >= 0) {
            throw new IllegalArgumentException("--adapter " + adapterFolder + " is already merged into " + baseFolder + " (its " + RECORD
                    + " lists it): merging it again would add its update twice; merge into the base it was merged from");
        }
        CausalLanguageModel model = write(merged(baseFolder, read), baseFolder, out);
        record.add(adapter);
        writeRecord(out, record);
        return new Outcome(model, read.lora(), read.variant());
    }

    /**
     * The record a merge leaves beside the weights: a fingerprint of each merged adapter, in the order they were merged (a
     * folder merged from an already merged one lists both). Unmerging checks the adapter against it.
     */
    public static final String RECORD = "merged_adapters.json";

    /**
     * What an entry's {@code sha256} covers. Records written before this key existed hashed the weights file alone, so an
     * adapter whose adapter_config.json changed its scaling (lora_alpha, r, use_rslora, the patterns) passed as the one
     * merged; their entries are still read ({@link Merged#weightsOnly}) and matched on the weights alone.
     */
    private static final String COVERS = "covers", WEIGHTS_AND_UPDATE = "weights+update-config";

    /**
     * One merged adapter of a record.
     *
     * @param sha256      hex SHA-256 of the weights file and the config fields that shape the update ({@link #fingerprint})
     * @param weightsOnly true for an entry of an older record: the SHA-256 of the weights file alone
     */
    record Merged(String sha256, boolean weightsOnly) {
    }

    /** The adapters a folder's record lists (empty when it has none: not merged here, or by another tool). */
    static List<Merged> record(Path folder) throws IOException {
        Path file = folder.resolve(RECORD);
        List<Merged> out = new ArrayList<>();
        if (!Files.isRegularFile(file)) {
            return out;
        }
        JsonNode root;
        try {
            root = JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new IllegalArgumentException(file + " is not valid JSON (" + e.getMessage().lines().findFirst().orElse("") + "); remove it or"
                    + " restore it from the merge that wrote it");
        }
        root.path("adapters").forEach(a -> out.add(new Merged(a.path("sha256").asText(), !WEIGHTS_AND_UPDATE.equals(a.path(COVERS).asText()))));
        return out;
    }

    /**
     * Where the adapter whose {@link #fingerprint} is {@code fingerprint} is in the record, or -1; an older entry is
     * compared with the weights' hash, which is finished only when the record has such an entry.
     */
    private static int indexOf(List<Merged> record, String fingerprint, Read adapter) {
        String weights = null;
        for (int i = 0; i < record.size(); i++) {
            Merged m = record.get(i);
            if (m.weightsOnly() && weights == null) {
                weights = adapter.weightsFingerprint();
            }
            if (m.sha256().equals(m.weightsOnly() ? weights : fingerprint)) {
                return i;
            }
        }
        return -1;
    }

    private static void writeRecord(Path out, List<Merged> adapters) throws IOException {
        Path file = out.resolve(RECORD);
        if (adapters.isEmpty()) {
            Files.deleteIfExists(file);
            return;
        }
        ObjectNode root = JSON.createObjectNode().put("format", "lowrank4j-merged-adapters");
        ArrayNode list = root.putArray("adapters");
        for (Merged m : adapters) {
            ObjectNode entry = list.addObject().put("sha256", m.sha256());
            if (!m.weightsOnly()) {
                entry.put(COVERS, WEIGHTS_AND_UPDATE);
            }
        }
        AtomicFiles.writeString(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n");
    }

    /**
     * What makes one adapter's update another's, hex SHA-256: the weights file, then the config fields that scale or
     * shape B·A (r, lora_alpha, use_rslora, fan_in_fan_out, rank_pattern, alpha_pattern) as parsed values, so that
     * rewriting the JSON (16 as 16.0, another key order, a changed comment field such as base_model_name_or_path) keeps
     * the fingerprint. An adapter variant's config (NOLA, SoRA, …) is hashed as it is stored. This computes it from the
     * files on their own (the record's definition, which tests check against); a merge finishes it from the bytes it
     * parsed ({@link Read}).
     */
    static String fingerprint(Path adapterFolder) throws IOException {
        MessageDigest digest = Sha256.digest();
        Sha256.addFile(digest, adapterFolder.resolve(PeftFolder.WEIGHTS));
        Path configFile = adapterFolder.resolve(PeftFolder.CONFIG);
        if (VariantFolder.variantOf(adapterFolder) != null) {
            Sha256.addFile(digest, configFile);
        } else {
            digest.update(updateFields(org.lowrank4j.adapt.peft.PeftConfig.read(configFile)));
        }
        return Sha256.hex(digest);
    }

    /** The config fields of a LoRA adapter that shape its update, as {@link #fingerprint} hashes them. */
    private static byte[] updateFields(org.lowrank4j.adapt.peft.PeftConfig c) {
        String update = "r=" + c.rank() + "\nlora_alpha=" + c.alpha() + "\nuse_rslora=" + c.useRslora() + "\nfan_in_fan_out=" + c.fanInFanOut()
                + "\nrank_pattern=" + new java.util.TreeMap<>(c.rankPattern()) + "\nalpha_pattern=" + new java.util.TreeMap<>(c.alphaPattern());
        return update.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    /** The older fingerprint: SHA-256 of the adapter folder's weights file alone, hex (from the file on its own, as {@link #fingerprint}). */
    static String weightsFingerprint(Path adapterFolder) throws IOException {
        return Sha256.ofFile(adapterFolder.resolve(PeftFolder.WEIGHTS));
    }

    /**
     * Undoes a merge: subtracts {@code adapter}'s update s·B·A from each adapted weight of the merged folder and writes
     * the result into {@code out}. The same adapter must be given again: a folder merged here lists its adapters in
     * {@link #RECORD}, and another adapter is refused. A folder with no record was not merged here (or is a base that
     * was never merged, or one already unmerged) and is refused unless {@code mergedElsewhere}: a folder merged by
     * another tool has no record, nothing can check it, and a wrong adapter yields a model that is neither. The result
     * equals the original base up to float32 rounding of (W + ΔW) − ΔW, not bit for bit.
     */
    public static Outcome unmergeInto(Path mergedFolder, Path adapterFolder, Path out, boolean mergedElsewhere) throws IOException {
        return unmergeInto(mergedFolder, adapterFolder, out, mergedElsewhere, note -> { });
    }

    /** {@link #unmergeInto(Path, Path, Path, boolean)}, telling {@code notes} what could not be checked. */
    public static Outcome unmergeInto(Path mergedFolder, Path adapterFolder, Path out, boolean mergedElsewhere,
            java.util.function.Consumer<String> notes) throws IOException {
        MessageDigest weights = Sha256.digest();
        Read read = new Read(adapterFolder, PeftFolder.read(adapterFolder, weights).adapter(), List.of(), null, weights);
        PeftAdapter adapter = read.lora();
        List<Merged> record = record(mergedFolder);
        if (record.isEmpty() && !mergedElsewhere) {
            throw new IllegalArgumentException("--model " + mergedFolder + " has no " + RECORD + ", so no adapter was merged into it here (or it"
                    + " was unmerged already): unmerging would subtract an update that was never added; if another tool merged it,"
                    + " give --merged-elsewhere");
        }
        int at = record.isEmpty() ? -1 : indexOf(record, read.fingerprint(), read);
        if (!record.isEmpty() && at < 0) {
            throw new IllegalArgumentException("--adapter " + adapterFolder + " is not one of the " + record.size() + " adapter(s) merged into "
                    + mergedFolder + " (its " + RECORD + " lists their SHA-256, of the weights and of the adapter_config.json fields that scale"
                    + " the update): unmerging it would subtract an update that was never added; give the adapter that was merged, with its"
                    + " config as it was");
        }
        if (at >= 0) {
            // an entry of an older record matched on the weights alone: the config's scaling cannot be checked, and the
            // caller is told (unmerging stays possible: refusing would strand every folder merged before the config counted)
            if (record.get(at).weightsOnly()) {
                notes.accept(mergedFolder.resolve(RECORD) + " was written before merges recorded the adapter's config: only its weights"
                        + " are checked, so lora_alpha, r, use_rslora and the patterns must be as they were at the merge");
            }
            record.remove(at);
        }
        CausalLanguageModel model = write(merged(mergedFolder, negated(adapter)), mergedFolder, out);
        writeRecord(out, record);
        return new Outcome(model, adapter, null);
    }

    /** The same adapter with −B, so that merging it subtracts the update (exact: negation does not round). */
    static PeftAdapter negated(PeftAdapter adapter) {
        java.util.Map<String, org.lowrank4j.adapt.peft.LoraFactors> modules = new java.util.LinkedHashMap<>();
        adapter.modules().forEach((name, f) -> {
            float[] b = f.b().clone();
            for (int i = 0; i < b.length; i++) {
                b[i] = -b[i];
            }
            modules.put(name, new org.lowrank4j.adapt.peft.LoraFactors(f.rank(), f.in(), f.out(), f.a(), b, f.alpha()));
        });
        return new PeftAdapter(adapter.config(), modules);
    }

    private static CausalLanguageModel write(CausalLanguageModel model, Path baseFolder, Path out) throws IOException {
        Files.createDirectories(out);
        DenseDecoders.save(model, out);
        try (Stream<Path> files = Files.list(baseFolder)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                String name = file.getFileName().toString();
                if (Files.isRegularFile(file) && (name.equals("tokenizer.json") || name.equals("tokenizer_config.json")
                        || name.equals("generation_config.json"))) {
                    Files.copy(file, out.resolve(name), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
        return model;
    }
}
