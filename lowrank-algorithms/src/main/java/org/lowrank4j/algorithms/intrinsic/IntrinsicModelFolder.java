package org.lowrank4j.algorithms.intrinsic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.lowrank4j.formats.io.AtomicFiles;
import org.lowrank4j.formats.safetensors.SafetensorsFile;
import org.lowrank4j.formats.safetensors.SafetensorsWriter;
import org.lowrank4j.nn.arch.unet.ParameterTensors;
import org.lowrank4j.nn.tensor.Precision;

/**
 * An intrinsic model on disk: a folder with {@value #CONFIG} (kind, sizes, widths, the Retinex thresholds when the merge
 * network refines Retinex, and what training recorded) and
 * {@value #WEIGHTS} (both networks in float32, names prefixed {@code ordinal.} and {@code merge.}). The folder is filled
 * beside its target under a hidden name and renamed into place, so readers never see half a model.
 */
public final class IntrinsicModelFolder {
    public static final String CONFIG = "intrinsic.json", WEIGHTS = "model.safetensors", KIND = "lowrank4j-intrinsic-ordinal-shading";
    private static final ObjectMapper JSON = new ObjectMapper();

    private IntrinsicModelFolder() {
    }

    /**
     * Writes the model to {@code out}, replacing an earlier intrinsic model folder there.
     *
     * @param training what to record about training (may be null)
     * @throws IllegalArgumentException when {@code out} is a file or a non-empty folder of another kind
     */
    public static void write(Path out, IntrinsicModel model, ObjectNode training) throws IOException {
        requireOutput(out);
        Path target = out.toAbsolutePath().normalize();
        AtomicFiles.removeStale(target);
        // filled as a hidden sibling and renamed into place: a run stopped meanwhile leaves no hidden folder (or one the next run removes)
        AtomicFiles.replaceFolder(target, temp -> {
            SafetensorsWriter writer = new SafetensorsWriter();
            ParameterTensors.addTo(writer, IntrinsicModel.ORDINAL, model.ordinal().parameters());
            ParameterTensors.addTo(writer, IntrinsicModel.MERGE, model.merge().parameters());
            writer.metadata("kind", KIND);
            writer.write(temp.resolve(WEIGHTS));
            ObjectNode config = JSON.createObjectNode();
            config.put("kind", KIND);
            config.put("base_size", model.config().baseSize());
            config.put("high_size", model.config().highSize());
            ArrayNode widths = config.putArray("widths");
            for (int w : model.config().widths()) {
                widths.add(w);
            }
            Retinex retinex = model.config().retinexInput();
            if (retinex != null) {
                ObjectNode input = config.putObject("retinex_input");
                input.put("grey_threshold", retinex.greyThreshold());
                input.put("colour_threshold", retinex.colourThreshold());
            }
            if (training != null) {
                config.set("training", training);
            }
            Files.writeString(temp.resolve(CONFIG), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(config) + "\n", StandardCharsets.UTF_8);
        });
    }

    /** Checks that {@code out} can receive a model: its parent exists, and it is absent, empty, or an earlier intrinsic model. */
    public static void requireOutput(Path out) throws IOException {
        Path target = out.toAbsolutePath().normalize();
        if (target.getParent() == null || !Files.isDirectory(target.getParent())) {
            throw new IllegalArgumentException("cannot write the model to " + out + ": its folder " + target.getParent() + " does not exist");
        }
        if (Files.isRegularFile(target)) {
            throw new IllegalArgumentException(out + " is a file; the model is written as a folder, choose another path");
        }
        if (Files.isDirectory(target) && !Files.isRegularFile(target.resolve(CONFIG))) {
            try (var list = Files.list(target)) {
                if (list.findAny().isPresent()) {
                    throw new IllegalArgumentException(out + " is a folder that holds no intrinsic model (no " + CONFIG + "); choose an empty or new folder");
                }
            }
        }
    }

    /** Reads a model written by {@link #write}, in float32. */
    public static IntrinsicModel read(Path folder) throws IOException {
        Path configFile = folder.resolve(CONFIG);
        if (!Files.isDirectory(folder)) {
            throw new IllegalArgumentException("model folder " + folder + " does not exist or is not a folder");
        }
        if (!Files.isRegularFile(configFile)) {
            throw new IllegalArgumentException(folder + " is not an intrinsic model folder (no " + CONFIG + "); train one with 'lowrank intrinsic train'");
        }
        JsonNode config;
        try {
            config = JSON.readTree(Files.readString(configFile, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalArgumentException(configFile + " is not valid JSON: " + e.getMessage());
        }
        if (config == null || !KIND.equals(config.path("kind").asText())) {
            throw new IllegalArgumentException(folder + " holds a model of another kind (" + CONFIG + " kind is '" + (config == null ? "" : config.path("kind").asText())
                    + "', expected '" + KIND + "')");
        }
        JsonNode widthNode = config.path("widths");
        int[] widths = new int[widthNode.size()];
        for (int i = 0; i < widths.length; i++) {
            widths[i] = widthNode.get(i).asInt();
        }
        JsonNode retinexNode = config.path("retinex_input");
        Retinex retinex = retinexNode.isObject()
                ? new Retinex(retinexNode.path("grey_threshold").asDouble(), retinexNode.path("colour_threshold").asDouble()) : null;
        IntrinsicConfig shape = new IntrinsicConfig(config.path("base_size").asInt(), config.path("high_size").asInt(), widths, retinex);
        IntrinsicModel model = new IntrinsicModel(shape, Precision.FLOAT32, 0);
        Path weights = folder.resolve(WEIGHTS);
        if (!Files.isRegularFile(weights)) {
            throw new IllegalArgumentException(folder + " has no " + WEIGHTS);
        }
        try (SafetensorsFile file = SafetensorsFile.open(weights)) {
            ParameterTensors.loadFrom(file, weights.toString(), IntrinsicModel.ORDINAL, model.ordinal().parameters());
            ParameterTensors.loadFrom(file, weights.toString(), IntrinsicModel.MERGE, model.merge().parameters());
        }
        return model;
    }
}
