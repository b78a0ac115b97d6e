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
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A LLaMA-family decoder whose blocks were narrowed in place (MoDeGPT: fewer MLP channels, narrower query/key and
 * value/output heads), as a model folder that {@link LlamaModel#load} reads like a dense one:
 * <ul>
 *   <li>{@code config.json}: the original model's config, unchanged (its {@code intermediate_size} and
 *       {@code head_dim} are the original sizes; the score scale stays 1/√head_dim);</li>
 *   <li>{@code model.safetensors}: every tensor dense in float32 under its Hugging Face name, at the narrowed shapes;</li>
 *   <li>{@code tokenizer.json}: copied from the original;</li>
 *   <li>{@value #MANIFEST}: the {@link Manifest}: per block its {@link BlockShape} (intermediate size, Dqk, Dvo, and the
 *       kept RoPE pairs of each key/value head).</li>
 * </ul>
 * Written like a {@link LowRankFolder}: under a hidden name beside the target and renamed into place, never over an input.
 */
public final class StructuredFolder {
    public static final String MANIFEST = "structured.json";
    public static final String FORMAT = "lowrank4j-structured-decoder";
    public static final int FORMAT_VERSION = 1;
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** What {@value #MANIFEST} records: where the model came from, the method, and the shape of every block in order. */
    public record Manifest(int formatVersion, String source, String method, List<BlockShape> blocks) {

        public Manifest {
            blocks = List.copyOf(blocks);
        }

        public ObjectNode toJson() {
            ObjectNode root = JSON.createObjectNode();
            root.put("format", FORMAT).put("format_version", formatVersion).put("source", source).put("method", method);
            ArrayNode list = root.putArray("blocks");
            for (BlockShape b : blocks) {
                ObjectNode o = list.addObject();
                o.put("intermediate_size", b.intermediateSize()).put("query_key_head_size", b.queryKeySize()).put("value_head_size", b.valueSize());
                ArrayNode heads = o.putArray("rope_pairs");
                for (int[] pairs : b.ropePairs()) {
                    ArrayNode p = heads.addArray();
                    for (int i : pairs) {
                        p.add(i);
                    }
                }
            }
            return root;
        }

        static Manifest fromJson(JsonNode root, Path file) {
            int version = root.path("format_version").asInt(-1);
            if (!FORMAT.equals(root.path("format").asText()) || version < 1) {
                throw new IllegalArgumentException(file + " is not a lowrank4j structured model manifest (format \"" + FORMAT + "\")");
            }
            if (version > FORMAT_VERSION) {
                throw new IllegalArgumentException(file + " has format_version " + version + "; this lowrank4j reads version " + FORMAT_VERSION
                        + " (update lowrank4j)");
            }
            List<BlockShape> blocks = new ArrayList<>();
            for (JsonNode b : root.path("blocks")) {
                JsonNode heads = b.path("rope_pairs");
                int[][] pairs = new int[heads.size()][];
                for (int g = 0; g < pairs.length; g++) {
                    JsonNode p = heads.get(g);
                    pairs[g] = new int[p.size()];
                    for (int j = 0; j < pairs[g].length; j++) {
                        pairs[g][j] = p.get(j).asInt(-1);
                    }
                }
                try {
                    blocks.add(new BlockShape(b.path("intermediate_size").asInt(-1), b.path("query_key_head_size").asInt(-1),
                            b.path("value_head_size").asInt(-1), pairs));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(file + ", block " + blocks.size() + ": " + e.getMessage());
                }
            }
            return new Manifest(version, root.path("source").asText(), root.path("method").asText(), blocks);
        }
    }

    private StructuredFolder() {
    }

    /**
     * Writes {@code model} (whose blocks have the manifest's shapes) as a structured folder at {@code out}.
     *
     * @param tokenizer the {@code tokenizer.json} to copy (null: none)
     * @param inputs    folders and files the output must not replace
     */
    public static void write(LlamaModel model, Path out, Path tokenizer, Manifest manifest, Path... inputs) throws IOException {
        LowRankFolder.writeFolder(out, tokenizer, inputs, temp -> {
            if (!manifest.blocks().equals(model.blockShapes())) {
                throw new IllegalArgumentException("the manifest's block shapes do not match the model's");
            }
            LlamaWeights.write(model, temp, org.lowrank4j.formats.safetensors.SafetensorsDtype.F32);
            writeManifest(temp, manifest);
        });
    }

    /** Writes the manifest file into {@code folder} (the folder's other files are the caller's). */
    static void writeManifest(Path folder, Manifest manifest) throws IOException {
        Files.writeString(folder.resolve(MANIFEST), JSON.writeValueAsString(manifest.toJson()) + "\n", StandardCharsets.UTF_8);
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
