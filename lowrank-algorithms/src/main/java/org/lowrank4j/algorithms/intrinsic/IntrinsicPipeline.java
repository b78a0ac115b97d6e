package org.lowrank4j.algorithms.intrinsic;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import javax.imageio.ImageIO;
import org.lowrank4j.formats.io.AtomicFiles;
import org.lowrank4j.formats.io.OutputPlan;
import org.lowrank4j.nn.tensor.Precision;

/** The entry points the CLI calls: train and save a model, decompose an image file into pictures, evaluate on held-out scenes. */
public final class IntrinsicPipeline {
    /** The files {@link #decomposeFile} writes into its folder. */
    public static final List<String> OUTPUTS = List.of("input.png", "albedo.png", "shading.png", "recoloured.png", "relit.png", "decomposition.json");
    private static final ObjectMapper JSON = new ObjectMapper();

    private IntrinsicPipeline() {
    }

    /** Scenes on which {@link #train} tunes the Retinex thresholds of a Retinex input: the first training scenes, as evaluation does. */
    public static final int RETINEX_TUNING_SCENES = 16;

    /** Trains a model from scratch with {@code options} and writes it to {@code out} (checked first, written atomically). */
    public static IntrinsicTraining.Summary train(Path out, boolean force, IntrinsicConfig config, TrainingOptions options, long initSeed,
            TrainingListener listener) throws IOException {
        return train(out, force, config, false, null, options, initSeed, listener);
    }

    /**
     * Trains and writes a model. With {@code retinexInput} the merge network refines a Retinex whose thresholds are tuned on
     * the first {@value #RETINEX_TUNING_SCENES} training scenes; with {@code ordinalFrom} (null: none) the ordinal network
     * starts from that model folder's (same sizes and widths), so a merge phase can be rerun on a saved ordinal phase.
     */
    public static IntrinsicTraining.Summary train(Path out, boolean force, IntrinsicConfig config, boolean retinexInput, Path ordinalFrom,
            TrainingOptions options, long initSeed, TrainingListener listener) throws IOException {
        if (config.highSize() > SceneRenderer.MAX_SIDE) {
            throw new IllegalArgumentException("--high-size can be at most " + SceneRenderer.MAX_SIDE + " (a larger scene does not fit one array), got "
                    + config.highSize());
        }
        OutputPlan plan = OutputPlan.of("--out", out, force);
        if (ordinalFrom != null) {
            plan.input("--ordinal-from", ordinalFrom);
        }
        plan.check();
        IntrinsicModelFolder.requireOutput(out);
        IntrinsicModel start = ordinalFrom == null ? null : IntrinsicModelFolder.read(ordinalFrom);
        if (start != null && (start.config().baseSize() != config.baseSize() || start.config().highSize() != config.highSize()
                || !java.util.Arrays.equals(start.config().widths(), config.widths()))) {
            throw new IllegalArgumentException("--ordinal-from " + ordinalFrom + " has base/high sizes " + start.config().baseSize() + "/" + start.config().highSize()
                    + " and widths " + java.util.Arrays.toString(start.config().widths()) + "; give the same --base-size, --high-size and --widths");
        }
        if (retinexInput) {
            List<Long> seeds = new java.util.ArrayList<>();
            for (int i = 0; i < Math.min(RETINEX_TUNING_SCENES, options.scenes()); i++) {
                seeds.add(options.firstSeed() + i);
            }
            config = config.withRetinexInput(IntrinsicEvaluation.tuneRetinex(new SceneRenderer(config.highSize(), config.highSize()), seeds));
        }
        IntrinsicModel model = new IntrinsicModel(config, Precision.FLOAT32, initSeed);
        if (start != null) {
            for (int i = 0; i < model.ordinal().parameters().size(); i++) {
                model.ordinal().parameters().get(i).value().copyFrom(start.ordinal().parameters().get(i).value());
            }
        }
        IntrinsicTraining.Summary summary = new IntrinsicTraining(model, options).run(listener);
        ObjectNode training = JSON.valueToTree(options);
        training.put("init_seed", initSeed);
        if (ordinalFrom != null) {
            training.put("ordinal_from", ordinalFrom.getFileName().toString());
        }
        training.put("final_ordinal_loss", summary.ordinalLoss());
        training.put("final_merge_loss", summary.mergeLoss());
        training.put("seconds", summary.seconds());
        IntrinsicModelFolder.write(out, model, training);
        return summary;
    }

    /** What {@link #decomposeFile} produced. */
    public record DecomposeResult(int height, int width, double reconstructionError, Path folder) {
    }

    /**
     * Decomposes an image file at {@code side} pixels on its longer side and writes input, albedo, shading, a recoloured
     * and a relit picture (PNG, sRGB) and a JSON record into {@code outFolder} (created if absent).
     */
    public static DecomposeResult decomposeFile(Path modelFolder, Path imageFile, Path outFolder, int side, boolean force) throws IOException {
        if (side < 1) {
            throw new IllegalArgumentException("--size must be positive, got " + side);
        }
        if (!Files.isRegularFile(imageFile)) {
            throw new IllegalArgumentException("--image " + imageFile + " does not exist or is not a file");
        }
        if (Files.exists(outFolder) && !Files.isDirectory(outFolder)) {
            throw new IllegalArgumentException("--out " + outFolder + " is a file; give a folder for the pictures");
        }
        if (outFolder.toAbsolutePath().normalize().equals(modelFolder.toAbsolutePath().normalize())) { // the plan below sees only the files
            throw new IllegalArgumentException("--out " + outFolder + " is the --model folder; give another folder for the pictures (inputs are "
                    + "never written into)");
        }
        OutputPlan plan = OutputPlan.of("--out", outFolder.resolve(OUTPUTS.get(0)), force).input("--image", imageFile).input("--model", modelFolder);
        OUTPUTS.subList(1, OUTPUTS.size()).forEach(name -> plan.sidecar(outFolder.resolve(name)));
        IntrinsicModel model = IntrinsicModelFolder.read(modelFolder);
        Raster linear = readLinear(imageFile);
        Files.createDirectories(outFolder);
        plan.check();
        Decomposition d = model.decompose(linear, side);
        ObjectNode record = JSON.createObjectNode();
        record.put("image", imageFile.getFileName().toString());
        record.put("height", d.image().height());
        record.put("width", d.image().width());
        record.put("max_abs_albedo_times_shading_minus_image", d.reconstructionError());
        byte[] recordBytes = (JSON.writerWithDefaultPrettyPrinter().writeValueAsString(record) + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8);
        // all six take their names together once all are written: a run stopped part way (over an earlier --force'd set)
        // leaves the earlier pictures and record, never this image's albedo beside another's shading and record
        java.util.Map<Path, AtomicFiles.Writer> files = new java.util.LinkedHashMap<>();
        files.put(outFolder.resolve("input.png"), png(d.image()));
        files.put(outFolder.resolve("albedo.png"), png(Edits.displayAlbedo(d.albedo())));
        files.put(outFolder.resolve("shading.png"), png(Edits.displayShading(d.shading())));
        files.put(outFolder.resolve("recoloured.png"), png(Edits.recolourReds(d)));
        files.put(outFolder.resolve("relit.png"), png(Edits.flattenLight(d)));
        files.put(outFolder.resolve("decomposition.json"), out -> out.write(recordBytes));
        AtomicFiles.writeTogether(files);
        return new DecomposeResult(d.image().height(), d.image().width(), d.reconstructionError(), outFolder);
    }

    /** Reads an RGB image file as a linear raster, with one clear line when it cannot be read. */
    public static Raster readLinear(Path imageFile) throws IOException {
        BufferedImage image;
        try {
            image = ImageIO.read(imageFile.toFile());
        } catch (IOException e) {
            throw new IllegalArgumentException(imageFile + " cannot be read as an image (" + e.getMessage() + ")");
        }
        if (image == null) {
            throw new IllegalArgumentException(imageFile + " is not an image this JVM can read (JPEG, PNG, GIF, BMP)");
        }
        return Srgb.linear(image, imageFile.toString());
    }

    /** What writes a linear raster as an sRGB PNG. */
    private static AtomicFiles.Writer png(Raster linear) {
        return out -> ImageIO.write(Srgb.image(linear), "png", out);
    }

    /**
     * Scores the model (null: baselines only) and the baselines on held-out scenes and writes the result as JSON to {@code json}.
     */
    public static IntrinsicEvaluation.Result evaluate(Path modelFolder, List<Long> testSeeds, List<Long> tuningSeeds, int side, Path json, boolean force,
            Consumer<String> log) throws IOException {
        if (side < 8 || side > SceneRenderer.MAX_SIDE) {
            throw new IllegalArgumentException("--size must be from 8 to " + SceneRenderer.MAX_SIDE + " (a larger scene does not fit one array), got " + side);
        }
        if (json != null) {
            OutputPlan.of("--json", json, force).file().input("--model", modelFolder).check();
        }
        IntrinsicModel model = modelFolder == null ? null : IntrinsicModelFolder.read(modelFolder);
        if (model != null && side % model.config().sideMultiple() != 0) { // the model's output would be another size than the truth
            throw new IllegalArgumentException("--size must be a multiple of " + model.config().sideMultiple() + " for --model " + modelFolder
                    + " (its U-Net halves the side " + model.config().widths().length + " times), got " + side);
        }
        IntrinsicEvaluation.Result result = IntrinsicEvaluation.run(model, side, testSeeds, tuningSeeds);
        if (json != null) {
            ObjectNode root = JSON.createObjectNode();
            root.put("scene_side", side);
            root.put("lmse_window", IntrinsicEvaluation.WINDOW);
            root.put("retinex_grey_threshold", result.retinexGreyThreshold());
            root.put("retinex_colour_threshold", result.retinexColourThreshold());
            ArrayNode seeds = root.putArray("test_seeds");
            testSeeds.forEach(seeds::add);
            ArrayNode tuning = root.putArray("retinex_tuning_seeds");
            tuningSeeds.forEach(tuning::add);
            root.set("methods", JSON.valueToTree(result.methods()));
            AtomicFiles.writeString(json, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n");
        }
        return result;
    }
}
