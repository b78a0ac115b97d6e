package org.lowrank4j.nn.cskv;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.lowrank4j.formats.safetensors.SafetensorsFile;
import org.lowrank4j.formats.safetensors.SafetensorsWriter;
import org.lowrank4j.formats.safetensors.TensorInfo;
import org.lowrank4j.nn.arch.llama.LlamaModel;
import org.lowrank4j.nn.arch.llama.LowRankFolder;
import org.lowrank4j.nn.arch.llama.QuantizedFolder;
import org.lowrank4j.nn.tensor.Precision;

/**
 * A LLaMA-family decoder with CSKV's shrunk key/value caches, as a model folder:
 * <ul>
 *   <li>{@code config.json}, {@code model.safetensors}, {@code tokenizer.json}: the original dense model's, copied unchanged
 *       (so any tool loads it as the original);</li>
 *   <li>{@value #FACTORS}: per layer {@code model.layers.N.self_attn.k_proj.cskv_a} (r_k × d), {@code .cskv_b} (dKv × r_k)
 *       and the same under {@code v_proj}, float32;</li>
 *   <li>{@value #MANIFEST}: the {@link Manifest}; {@link #load} runs the model through {@link CskvModel}.</li>
 * </ul>
 * Written atomically through {@link LowRankFolder#writeFolder}, never over an input.
 */
public final class CskvFolder {
    public static final String MANIFEST = "cskv.json";
    public static final String FACTORS = "cskv.safetensors";
    public static final String FORMAT = "lowrank4j-cskv-decoder";
    public static final int FORMAT_VERSION = 1;
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /**
     * What {@value #MANIFEST} records: the densities and ranks (whole-projection ranks r = r_h · kv heads), the window, the
     * initialisation ({@code svd} or {@code asvd}), the calibration it read, and the steps of layer-wise training of A and B
     * after it (0: none; written only when above 0).
     */
    public record Manifest(String source, String init, double keyDensity, double valueDensity, int keyRank, int valueRank, int window,
                           String calibration, long calibrationTokens, int trainSteps) {

        /** Without layer-wise training. */
        public Manifest(String source, String init, double keyDensity, double valueDensity, int keyRank, int valueRank, int window,
                        String calibration, long calibrationTokens) {
            this(source, init, keyDensity, valueDensity, keyRank, valueRank, window, calibration, calibrationTokens, 0);
        }

        ObjectNode toJson() {
            ObjectNode root = JSON.createObjectNode();
            root.put("format", FORMAT).put("format_version", FORMAT_VERSION).put("source", source).put("init", init);
            if ("asvd".equals(init)) {
                root.put("asvd_alpha", CskvProjection.ASVD_ALPHA);
            }
            root.put("k_density", keyDensity).put("v_density", valueDensity).put("k_rank", keyRank).put("v_rank", valueRank)
                    .put("window", window).put("calibration", calibration).put("calibration_tokens", calibrationTokens);
            if (trainSteps > 0) {
                root.put("train_steps", trainSteps);
            }
            return root;
        }

        static Manifest fromJson(JsonNode root, Path file) {
            int version = root.path("format_version").asInt(-1);
            if (!FORMAT.equals(root.path("format").asText()) || version < 1) {
                throw new IllegalArgumentException(file + " is not a lowrank4j CSKV manifest (format \"" + FORMAT + "\")");
            }
            if (version > FORMAT_VERSION) {
                throw new IllegalArgumentException(file + " has format_version " + version + "; this lowrank4j reads version " + FORMAT_VERSION
                        + " (update lowrank4j)");
            }
            int window = root.path("window").asInt(-1);
            if (window < 1) {
                throw new IllegalArgumentException(file + ": field window must be a positive number of positions, got " + root.path("window"));
            }
            return new Manifest(root.path("source").asText(), root.path("init").asText(), root.path("k_density").asDouble(),
                    root.path("v_density").asDouble(), root.path("k_rank").asInt(), root.path("v_rank").asInt(), window,
                    root.path("calibration").asText(), root.path("calibration_tokens").asLong(), root.path("train_steps").asInt(0));
        }
    }

    private CskvFolder() {
    }

    /** The folder's CSKV manifest, or empty for any other model folder. */
    public static Optional<Manifest> readManifest(Path folder) throws IOException {
        Path file = folder.resolve(MANIFEST);
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            return Optional.of(Manifest.fromJson(JSON.readTree(file.toFile()), file));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException(file + " is not valid JSON: " + e.getOriginalMessage());
        }
    }

    /** Whether {@code folder} holds a CSKV manifest. */
    public static boolean isCskv(Path folder) {
        return Files.isRegularFile(folder.resolve(MANIFEST));
    }

    /**
     * Writes {@code out}: the dense source folder's config, weights and tokenizer, the factors and the manifest.
     *
     * @throws IllegalArgumentException when the source is itself a low-rank, quantized or CSKV folder, or {@code out} may
     *                                  not be written (see {@link LowRankFolder#requireOutput})
     */
    public static void write(Path source, List<CskvLayer> layers, Manifest manifest, Path out) throws IOException {
        requireDenseSource(source);
        LowRankFolder.writeFolder(out, source.resolve("tokenizer.json"), new Path[] {source}, temp -> {
            Files.createDirectories(temp);
            Files.copy(source.resolve("config.json"), temp.resolve("config.json"));
            Files.copy(source.resolve("model.safetensors"), temp.resolve("model.safetensors"));
            SafetensorsWriter writer = new SafetensorsWriter();
            for (int i = 0; i < layers.size(); i++) {
                add(writer, "model.layers." + i + ".self_attn.k_proj", layers.get(i).key());
                add(writer, "model.layers." + i + ".self_attn.v_proj", layers.get(i).value());
            }
            writer.metadata("format", FORMAT).write(temp.resolve(FACTORS));
            Files.writeString(temp.resolve(MANIFEST), JSON.writeValueAsString(manifest.toJson()));
        });
    }

    /** The dense source must be a plain model folder with one {@code model.safetensors}. */
    public static void requireDenseSource(Path source) throws IOException {
        if (LowRankFolder.readManifest(source).isPresent() || QuantizedFolder.readManifest(source).isPresent() || isCskv(source)) {
            throw new IllegalArgumentException("--model " + source + " is already a compressed model folder; CSKV starts from a dense decoder folder");
        }
        for (String name : List.of("config.json", "model.safetensors", "tokenizer.json")) {
            if (!Files.isRegularFile(source.resolve(name))) {
                throw new IllegalArgumentException("--model " + source + " has no " + name + "; CSKV needs a dense decoder folder with one model.safetensors");
            }
        }
    }

    private static void add(SafetensorsWriter writer, String prefix, CskvProjection p) {
        writer.add(prefix + ".cskv_a", new long[] {p.rank(), p.in()}, floats(p.a()));
        writer.add(prefix + ".cskv_b", new long[] {p.out(), p.rank()}, floats(p.b()));
    }

    private static float[] floats(double[] v) {
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = (float) v[i];
        }
        return out;
    }

    /**
     * Loads a CSKV folder as a {@link CskvModel}.
     *
     * @throws IllegalArgumentException when the manifest or a factor is missing, or a factor's shape does not fit the model
     */
    public static CskvModel load(Path folder, Precision precision) throws IOException {
        Manifest manifest = readManifest(folder).orElseThrow(() -> new IllegalArgumentException(folder + " has no " + MANIFEST
                + "; it is not a CSKV model folder"));
        Path factors = folder.resolve(FACTORS);
        if (!Files.isRegularFile(factors)) {
            throw new IllegalArgumentException(folder + " has " + MANIFEST + " but no " + FACTORS + "; rewrite it with lowrank cskv");
        }
        LlamaModel model = LlamaModel.load(folder, precision);
        int c = model.config().hiddenSize(), kv = model.config().numKeyValueHeads() * model.config().headDim();
        List<CskvLayer> layers = new ArrayList<>();
        try (SafetensorsFile file = SafetensorsFile.open(factors)) {
            for (int i = 0; i < model.config().numHiddenLayers(); i++) {
                String p = "model.layers." + i + ".self_attn.";
                layers.add(new CskvLayer(read(file, p + "k_proj", manifest.keyRank(), c, kv), read(file, p + "v_proj", manifest.valueRank(), c, kv)));
            }
        }
        return new CskvModel(model, layers, manifest.window());
    }

    private static CskvProjection read(SafetensorsFile file, String prefix, int rank, int in, int out) {
        String a = prefix + ".cskv_a", b = prefix + ".cskv_b";
        for (String[] t : new String[][] {{a, rank + "", in + ""}, {b, out + "", rank + ""}}) {
            if (!file.contains(t[0])) {
                throw new IllegalArgumentException(file.path() + " has no tensor " + t[0]);
            }
            TensorInfo info = file.info(t[0]);
            if (!info.hasShape(Long.parseLong(t[1]), Long.parseLong(t[2]))) {
                throw new IllegalArgumentException(file.path() + ": tensor " + t[0] + " has shape " + java.util.Arrays.toString(info.shape())
                        + ", expected [" + t[1] + ", " + t[2] + "] (the manifest's rank and the model's sizes)");
            }
        }
        return new CskvProjection(rank, in, out, file.readDoubles(a), file.readDoubles(b));
    }
}
