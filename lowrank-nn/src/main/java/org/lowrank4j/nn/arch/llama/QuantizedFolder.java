package org.lowrank4j.nn.arch.llama;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.lowrank4j.linalg.quant.QuantizedMatrix;
import org.lowrank4j.nn.generate.QuantizedTensors;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.weight.QuantizedWeight;

/**
 * A LLaMA-family decoder whose block projections lowrank4j quantized (rtn, gptq, eora, lq-lora, svdquant), as a model folder that
 * {@link LlamaModel#load} reads like a dense one:
 * <ul>
 *   <li>{@code config.json}: the original model's config, unchanged;</li>
 *   <li>{@code model.safetensors}: the embedding table and norms in float32; every block projection as its codes,
 *       scales, zero points, (EoRA, LQ-LoRA, SVDQuant) float branch factors and (SVDQuant) the base's input scale under
 *       the names of {@link QuantizedTensors} ({@code <name>.qweight}, {@code .qscales}, {@code .qzeros},
 *       {@code .qbranch_A}, {@code .qbranch_B}, {@code .qinput_scale}), the format of
 *       each in the file's {@code __metadata__}; loading installs a {@link QuantizedWeight} there;</li>
 *   <li>{@code tokenizer.json}: copied from the original;</li>
 *   <li>{@value #MANIFEST}: the {@link Manifest} (format version, method, the bytes asked and stored, and per site the
 *       format, branch rank and bytes).</li>
 * </ul>
 * Written like a {@link LowRankFolder}: under a hidden name beside the target and renamed into place, never over an input.
 */
public final class QuantizedFolder {
    public static final String MANIFEST = "quantized.json";
    public static final String FORMAT = "lowrank4j-quantized-decoder";
    /**
     * The newest format version this code reads and writes. Version 2 adds the per-site {@code input_scale} flag (and the
     * {@code .qinput_scale} tensors of SVDQuant's smoothing); a folder without input scales is still written as version 1,
     * so that older readers load it, and version 1 folders load here unchanged.
     */
    public static final int FORMAT_VERSION = 2;
    /** The version of a folder none of whose sites has an input scale. */
    static final int FORMAT_VERSION_PLAIN = 1;
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /**
     * One quantized projection: its format ({@code asymmetric:4:32}), branch rank (0: none), whether its base reads a
     * per-channel scaled input (SVDQuant; false in version 1 folders) and stored bytes.
     */
    public record Site(String format, int bits, int group, int rank, boolean inputScale, long bytes) {

        /** A site without an input scale (format version 1). */
        public Site(String format, int bits, int group, int rank, long bytes) {
            this(format, bits, group, rank, false, bytes);
        }
    }

    /**
     * What {@value #MANIFEST} records.
     *
     * @param targetBytes          {@code --target-size} in bytes, or -1 when none was given
     * @param bytesTargetedBefore  the block projections in float32 (4 per weight)
     * @param bytesTargetedAfter   the block projections as stored (codes, scales, zero points, branch factors)
     * @param bitsPerWeight        8·bytesTargetedAfter / weights of the block projections
     */
    public record Manifest(int formatVersion, String source, String method, String allocation, long targetBytes, long bytesTargetedBefore,
                           long bytesTargetedAfter, double bitsPerWeight, Map<String, Site> sites) {

        public Manifest {
            sites = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(sites));
        }

        public ObjectNode toJson() {
            ObjectNode root = JSON.createObjectNode();
            root.put("format", FORMAT).put("format_version", formatVersion);
            root.put("source", source).put("method", method).put("allocation", allocation);
            if (targetBytes >= 0) {
                root.put("target_bytes", targetBytes);
            } else {
                root.putNull("target_bytes");
            }
            root.put("bytes_targeted_before", bytesTargetedBefore).put("bytes_targeted_after", bytesTargetedAfter);
            root.put("bits_per_weight_targeted", bitsPerWeight);
            ObjectNode s = root.putObject("sites");
            sites.forEach((name, site) -> {
                ObjectNode o = s.putObject(name).put("format", site.format()).put("bits", site.bits()).put("group", site.group()).put("rank", site.rank());
                if (formatVersion >= 2) {
                    o.put("input_scale", site.inputScale());
                }
                o.put("bytes", site.bytes());
            });
            return root;
        }

        static Manifest fromJson(JsonNode root, Path file) {
            int version = root.path("format_version").asInt(-1);
            if (!FORMAT.equals(root.path("format").asText()) || version < 1) {
                throw new IllegalArgumentException(file + " is not a lowrank4j quantized model manifest (format \"" + FORMAT + "\")");
            }
            if (version > FORMAT_VERSION) {
                throw new IllegalArgumentException(file + " has format_version " + version + "; this lowrank4j reads version " + FORMAT_VERSION
                        + " (update lowrank4j)");
            }
            Map<String, Site> sites = new LinkedHashMap<>();
            root.path("sites").fields().forEachRemaining(e -> sites.put(e.getKey(), new Site(e.getValue().path("format").asText(),
                    e.getValue().path("bits").asInt(), e.getValue().path("group").asInt(), e.getValue().path("rank").asInt(),
                    e.getValue().path("input_scale").asBoolean(false), e.getValue().path("bytes").asLong())));
            JsonNode target = root.path("target_bytes");
            return new Manifest(version, root.path("source").asText(), root.path("method").asText(), root.path("allocation").asText(),
                    target.isNumber() ? target.asLong() : -1, root.path("bytes_targeted_before").asLong(), root.path("bytes_targeted_after").asLong(),
                    root.path("bits_per_weight_targeted").asDouble(Double.NaN), sites);
        }
    }

    private QuantizedFolder() {
    }

    /**
     * The manifest of {@code model} as it is now (sites and bytes read off its weights).
     *
     * @throws IllegalArgumentException when a block projection is not quantized
     */
    public static Manifest describe(LlamaModel model, String source, String method, String allocation, long targetBytes) {
        Map<String, Site> sites = new LinkedHashMap<>();
        long before = 0, after = 0, weights = 0;
        boolean anyInputScale = false;
        for (Linear linear : model.linearSites().values()) {
            if (!(linear.weight() instanceof QuantizedWeight q)) {
                throw new IllegalArgumentException(linear.name() + " is not quantized; a quantized folder stores every block projection quantized");
            }
            QuantizedMatrix m = q.base();
            long n = (long) m.rows() * m.cols();
            weights += n;
            before += 4 * n;
            after += q.bytes();
            boolean scaled = q.inputScale() != null;
            anyInputScale |= scaled;
            sites.put(linear.name(), new Site(QuantizedTensors.describe(m.format(), m.cols()), m.bits(), m.groupSize(),
                    q.branch() == null ? 0 : q.branch().rank(), scaled, q.bytes()));
        }
        return new Manifest(anyInputScale ? FORMAT_VERSION : FORMAT_VERSION_PLAIN, source, method, allocation, targetBytes, before, after, weights == 0 ? 0 : 8.0 * after / weights, sites);
    }

    /**
     * Writes {@code model} as a quantized folder at {@code out} (see the class comment for the rules).
     *
     * @param tokenizer the {@code tokenizer.json} to copy (null: none)
     * @param inputs    folders and files the output must not replace
     */
    public static void write(LlamaModel model, Path out, Path tokenizer, Manifest manifest, Path... inputs) throws IOException {
        write(model, out, tokenizer, manifest, null, inputs);
    }

    /**
     * As {@link #write(LlamaModel, Path, Path, Manifest, Path...)}, with a {@code recovery} object in the manifest (what
     * {@code recover} trained: text, steps, losses) when not null.
     */
    public static void write(LlamaModel model, Path out, Path tokenizer, Manifest manifest, Map<String, Object> recovery, Path... inputs)
            throws IOException {
        LowRankFolder.writeFolder(out, tokenizer, inputs, temp -> {
            LlamaWeights.writeQuantized(model, temp);
            ObjectNode json = manifest.toJson();
            if (recovery != null) {
                json.set("recovery", JSON.valueToTree(recovery));
            }
            Files.writeString(temp.resolve(MANIFEST), JSON.writeValueAsString(json) + "\n", StandardCharsets.UTF_8);
        });
    }

    /**
     * The manifest of a folder, or empty when it has none.
     *
     * @throws IllegalArgumentException when the manifest is not valid JSON, not lowrank4j's, or of a newer format version
     */
    public static Optional<Manifest> readManifest(Path folder) throws IOException {
        Path file = folder.resolve(MANIFEST);
        return LowRankFolder.readJson(file).map(root -> Manifest.fromJson(root, file));
    }
}
