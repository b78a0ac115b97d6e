package org.lowrank4j.nn.arch.mamba;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.lowrank4j.formats.io.AtomicFiles;

/**
 * The sizes of a Mamba language model, read from and written to {@code config.json} with Hugging Face's
 * {@code MambaConfig} field names ({@code model_type = "mamba"}); {@code max_position_embeddings} is ours: the context
 * the model was trained on, which perplexity windows and generation use.
 *
 * @param hidden      d, the residual width ({@code hidden_size})
 * @param layers      blocks ({@code num_hidden_layers})
 * @param stateSize   N ({@code state_size})
 * @param expand      d_inner = expand · d ({@code expand})
 * @param convKernel  K, the causal convolution's width ({@code conv_kernel})
 * @param dtRank      R, the rank of the step-size projection ({@code time_step_rank})
 * @param vocab       vocabulary size ({@code vocab_size})
 * @param context     longest sequence ({@code max_position_embeddings})
 * @param eps         RMSNorm epsilon ({@code layer_norm_epsilon})
 */
public record MambaConfig(int hidden, int layers, int stateSize, int expand, int convKernel, int dtRank, int vocab, int context, double eps) {
    public static final String MODEL_TYPE = "mamba";
    public static final String FILE = "config.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    public MambaConfig {
        if (hidden < 1 || layers < 1 || stateSize < 1 || expand < 1 || convKernel < 1 || dtRank < 1 || vocab < 1 || context < 1 || !(eps > 0)) {
            throw new IllegalArgumentException("a Mamba config needs positive sizes, got hidden_size " + hidden + ", num_hidden_layers " + layers
                    + ", state_size " + stateSize + ", expand " + expand + ", conv_kernel " + convKernel + ", time_step_rank " + dtRank
                    + ", vocab_size " + vocab + ", max_position_embeddings " + context + ", layer_norm_epsilon " + eps);
        }
    }

    /** The spec's defaults around a width, depth, state size and context: expand 2, K = 4, R = ceil(d / 16), byte vocabulary. */
    public static MambaConfig of(int hidden, int layers, int stateSize, int context) {
        return new MambaConfig(hidden, layers, stateSize, 2, 4, (hidden + 15) / 16, 256, context, 1e-5);
    }

    /** d_inner = expand · d. */
    public int inner() {
        return expand * hidden;
    }

    /** Whether {@code folder}'s config.json says {@code model_type = "mamba"} (false when there is no readable config). */
    public static boolean isMambaFolder(Path folder) {
        Path file = folder == null ? null : folder.resolve(FILE);
        if (file == null || !Files.isRegularFile(file)) {
            return false;
        }
        try {
            return MODEL_TYPE.equalsIgnoreCase(JSON.readTree(file.toFile()).path("model_type").asText(""));
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Reads {@code folder/config.json}.
     *
     * @throws IllegalArgumentException naming the file and the missing or invalid field
     */
    public static MambaConfig read(Path folder) throws IOException {
        Path file = folder.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("model folder " + folder + " has no " + FILE);
        }
        JsonNode root;
        try {
            root = JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new IllegalArgumentException(file + " is not valid JSON: " + e.getMessage());
        }
        if (!MODEL_TYPE.equalsIgnoreCase(root.path("model_type").asText(""))) {
            throw new IllegalArgumentException(file + " has model_type \"" + root.path("model_type").asText("") + "\", not \"" + MODEL_TYPE + "\"");
        }
        int hidden = required(root, "hidden_size", file);
        MambaConfig config = new MambaConfig(hidden, required(root, "num_hidden_layers", file), required(root, "state_size", file),
                optional(root, "expand", 2, file), optional(root, "conv_kernel", 4, file), optional(root, "time_step_rank", (hidden + 15) / 16, file),
                required(root, "vocab_size", file), required(root, "max_position_embeddings", file), root.path("layer_norm_epsilon").asDouble(1e-5));
        if (root.has("intermediate_size") && root.get("intermediate_size").asInt() != config.inner()) {
            throw new IllegalArgumentException(file + ": intermediate_size " + root.get("intermediate_size").asInt() + " is not expand · hidden_size = "
                    + config.inner());
        }
        if (!root.path("tie_word_embeddings").asBoolean(true)) {
            throw new IllegalArgumentException(file + ": tie_word_embeddings = false is not supported (the output projection is the embedding table)");
        }
        return config;
    }

    private static int required(JsonNode root, String field, Path file) {
        JsonNode v = root.get(field);
        if (v == null || !v.canConvertToInt()) {
            throw new IllegalArgumentException(file + " lacks the Mamba field " + field + " (an integer); is it a Mamba model folder?");
        }
        return v.asInt();
    }

    private static int optional(JsonNode root, String field, int fallback, Path file) {
        JsonNode v = root.get(field);
        if (v != null && !v.canConvertToInt()) {
            throw new IllegalArgumentException(file + ": field " + field + " must be an integer, got " + v);
        }
        return v == null ? fallback : v.asInt();
    }

    /** Writes {@code folder/config.json} atomically. */
    public void write(Path folder) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.put("model_type", MODEL_TYPE);
        root.putArray("architectures").add("MambaForCausalLM");
        root.put("hidden_size", hidden);
        root.put("num_hidden_layers", layers);
        root.put("state_size", stateSize);
        root.put("expand", expand);
        root.put("intermediate_size", inner());
        root.put("conv_kernel", convKernel);
        root.put("time_step_rank", dtRank);
        root.put("vocab_size", vocab);
        root.put("max_position_embeddings", context);
        root.put("layer_norm_epsilon", eps);
        root.put("use_bias", false);
        root.put("use_conv_bias", true);
        root.put("tie_word_embeddings", true);
        Files.createDirectories(folder);
        AtomicFiles.writeString(folder.resolve(FILE), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n");
    }
}
