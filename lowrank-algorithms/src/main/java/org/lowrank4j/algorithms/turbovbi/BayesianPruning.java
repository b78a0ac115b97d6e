package org.lowrank4j.algorithms.turbovbi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;
import org.lowrank4j.formats.io.AtomicFiles;
import org.lowrank4j.formats.io.OutputPlan;
import org.lowrank4j.nn.arch.llama.LlamaModel;
import org.lowrank4j.nn.generate.ByteTokenizer;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.train.AdamW;
import org.lowrank4j.nn.train.DecoderTraining;
import org.lowrank4j.nn.train.Parameterization;
import org.lowrank4j.nn.train.TextFolder;
import org.lowrank4j.nn.train.TrainingListener;
import org.lowrank4j.nn.train.TrainingMethod;
import org.lowrank4j.nn.train.TrainingRequest;

/**
 * The one entry point of {@code lowrank bayes-prune}: prune the SwiGLU MLPs of a LLaMA-style decoder folder and write
 * the result as an ordinary decoder folder (pruned weights are zeros in model.safetensors) plus {@value #RECORD}.
 * <ul>
 *   <li>{@code turbo-vbi}: a Bayesian fine-tune ({@link TurboVbiTraining}) then the pruning rule q(s) &lt; 0.5 or a neuron
 *       indicator below 0.5;</li>
 *   <li>{@code magnitude} / {@code magnitude-neuron}: the baselines at the zeros per projection of another run's record
 *       (or a uniform sparsity), with a masked fine-tune of the same length when steps &gt; 0;</li>
 *   <li>{@code keep-zeros}: a masked fine-tune of an already pruned folder (its zeros stay).</li>
 * </ul>
 */
public final class BayesianPruning {
    public static final String RECORD = "pruning.json";
    public static final List<String> METHODS = List.of(TurboVbiOptions.METHOD, "magnitude", "magnitude-neuron", "keep-zeros");

    private BayesianPruning() {
    }

    /** What a run did: the pattern of the written model and the fine-tune's summary (null without one). */
    public record Outcome(SparsityPattern pattern, DecoderTraining.Summary training, Path out) {
    }

    /**
     * @throws IllegalArgumentException for a user mistake (unknown method, missing data, a model without MLPs), before work starts
     */
    public static Outcome run(PruningRequest r, TrainingListener progress, Consumer<String> notes) throws IOException {
        if (!METHODS.contains(r.method())) {
            throw new IllegalArgumentException("--method " + r.method() + " is unknown; choose one of " + String.join(", ", METHODS));
        }
        DecoderTraining.requireModelFolder(r.model());
        boolean turbo = r.method().equals(TurboVbiOptions.METHOD);
        if (r.steps() < 0 || (turbo && r.steps() < 1)) {
            throw new IllegalArgumentException("--steps must be >= 1 for turbo-vbi (its fine-tune is the method) and >= 0 otherwise, got " + r.steps());
        }
        boolean magnitude = r.method().equals("magnitude") || r.method().equals("magnitude-neuron");
        if (!magnitude && (r.match() != null || r.sparsity() != null)) { // they would be ignored without a word
            throw new IllegalArgumentException((r.match() != null ? "--match" : "--sparsity") + " is for --method magnitude or "
                    + "magnitude-neuron; --method " + r.method() + " does not use it");
        }
        if (r.steps() > 0 && r.data() == null) {
            throw new IllegalArgumentException("--data is needed for a fine-tune (--steps " + r.steps() + "); give training text or --steps 0");
        }
        LlamaModel original = LlamaModel.load(r.model(), Precision.FLOAT32);
        List<MlpSites> mlps = MlpSites.of(original); // fails early for a model without MLPs
        Function<List<MlpSites>, Map<String, boolean[]>> masks = baselineMasks(r, mlps);
        OutputPlan.of("--out", r.out(), r.force()).input("--model", r.model()).input("--data", r.data()).input("--match", r.match()).check();
        if (Files.exists(r.out()) && !Files.isDirectory(r.out())) {
            throw new IllegalArgumentException("--out " + r.out() + " is a file; give a folder for the model");
        }
        // the folder is built under a hidden name beside --out and takes its name only once pruning.json is in it, so a
        // failed or interrupted run leaves no model that looks finished (and an earlier --out stays as it was)
        try {
            return AtomicFiles.replacing(r.out(), staging -> prune(r, staging, original, mlps, masks, progress, notes));
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException(e);
        }
    }

    /** The pruning itself, writing the whole model folder into {@code staging} (which does not exist yet). */
    private static Outcome prune(PruningRequest r, Path staging, LlamaModel original, List<MlpSites> mlps,
            Function<List<MlpSites>, Map<String, boolean[]>> masks, TrainingListener progress, Consumer<String> notes) throws IOException {
        boolean turbo = r.method().equals(TurboVbiOptions.METHOD);
        DecoderTraining.Summary summary = null;
        TurboVbiTraining vbi = null;
        if (r.steps() == 0) {
            for (MlpSites mlp : mlps) {
                applyMasks(mlp, masks.apply(List.of(mlp)));
            }
            Files.createDirectories(staging);
            original.save(staging);
            ByteTokenizer.writeJson(staging);
        } else {
            Parameterization parameterization;
            String describe;
            if (turbo) {
                long tokens = TextFolder.readText(r.data(), r.from(), r.to(), "--data").getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
                vbi = new TurboVbiTraining(r.options(), r.options().priorWeight() / Math.max(1, tokens));
                parameterization = vbi;
                describe = r.options().describe();
            } else {
                parameterization = new MaskedTraining(masks);
                describe = "masked-" + r.method();
            }
            TrainingMethod method = new TrainingMethod(r.method(), describe,
                    (params, s) -> new AdamW(params, s, AdamW.NORMS_AND_BIASES), parameterization);
            TrainingRequest training = TrainingRequest.builder().data(r.data()).from(r.from()).to(r.to()).out(staging).init(r.model())
                    .steps(r.steps()).batch(r.batch()).learningRate(r.learningRate()).warmup(r.warmup()).weightDecay(0).seed(r.seed())
                    .force(r.force()).method(method).build();
            summary = DecoderTraining.run(training, progress, notes);
            Files.deleteIfExists(staging.resolve(DecoderTraining.CHECKPOINT));
            LlamaModel trained = LlamaModel.load(staging, Precision.FLOAT32);
            List<MlpSites> trainedMlps = MlpSites.of(trained);
            for (int b = 0; b < trainedMlps.size(); b++) {
                Map<String, boolean[]> kept = turbo ? turboMasks(vbi, b) : masks.apply(List.of(mlps.get(b)));
                applyMasks(trainedMlps.get(b), kept);
            }
            trained.save(staging);
            original = trained;
        }
        SparsityPattern pattern = SparsityPattern.of(original);
        writeRecord(r, staging, pattern, summary, vbi);
        notes.accept(String.format(Locale.ROOT, "%s: %.2f%% of the MLP weights are zero, %d of %d neurons removed, mean run of zeros %.1f",
                r.method(), 100 * pattern.sparsity(), pattern.neuronsRemoved(), pattern.neurons(), pattern.meanZeroRun()));
        return new Outcome(pattern, summary, r.out());
    }

    /** The masks of the magnitude baselines (or the zeros already there), computed from the weights they are given. */
    private static Function<List<MlpSites>, Map<String, boolean[]>> baselineMasks(PruningRequest r, List<MlpSites> all) throws IOException {
        switch (r.method()) {
            case "keep-zeros":
                return MaskedTraining::nonZeros;
            case "magnitude":
            case "magnitude-neuron":
                Map<String, Long> zeros = targetZeros(r, all);
                boolean neurons = r.method().equals("magnitude-neuron");
                return mlps -> MagnitudePruning.masks(mlps, zeros, neurons);
            default:
                return mlps -> Map.of();
        }
    }

    /** Zeros per site: from --match's record, or --sparsity of every projection. */
    private static Map<String, Long> targetZeros(PruningRequest r, List<MlpSites> mlps) throws IOException {
        Map<String, Long> zeros = new LinkedHashMap<>();
        if (r.match() != null) {
            if (!Files.isRegularFile(r.match())) {
                throw new IllegalArgumentException("--match " + r.match() + " does not exist or is not a file; give the " + RECORD
                        + " of a turbo-vbi run");
            }
            JsonNode sites;
            try {
                sites = new ObjectMapper().readTree(r.match().toFile()).path("sites");
            } catch (com.fasterxml.jackson.core.JacksonException e) { // its message runs over two lines and names no file
                throw new IllegalArgumentException("--match " + r.match() + " is not valid JSON (" + e.getOriginalMessage().lines().findFirst()
                        .orElse("") + "); give the " + RECORD + " of a turbo-vbi run");
            }
            for (MlpSites mlp : mlps) {
                for (Linear linear : mlp.linears()) {
                    String key = linear.name();
                    JsonNode site = sites.path(key);
                    if (!site.has("zeros")) {
                        throw new IllegalArgumentException("--match " + r.match() + " has no zero count for " + key + "; is it a record of this model?");
                    }
                    zeros.put(key, site.get("zeros").asLong());
                }
            }
            return zeros;
        }
        if (r.sparsity() == null) {
            throw new IllegalArgumentException("--method " + r.method() + " needs how much to prune: give --sparsity FRACTION (in [0, 1)) or"
                    + " --match RECORD (the " + RECORD + " of a turbo-vbi run)");
        }
        if (!(r.sparsity() >= 0 && r.sparsity() < 1)) {
            throw new IllegalArgumentException("--sparsity must be in [0, 1), got " + r.sparsity());
        }
        for (MlpSites mlp : mlps) {
            for (Linear linear : mlp.linears()) {
                zeros.put(linear.name(), Math.round(r.sparsity() * linear.outFeatures() * (double) linear.inFeatures()));
            }
        }
        return zeros;
    }

    private static Map<String, boolean[]> turboMasks(TurboVbiTraining vbi, int block) {
        MlpSites sites = vbi.sites().get(block);
        boolean[][] kept = vbi.mlps().get(block).keptMasks();
        return Map.of(sites.gate().name(), kept[MlpSupport.GATE], sites.up().name(), kept[MlpSupport.UP], sites.down().name(), kept[MlpSupport.DOWN]);
    }

    /** Zeroes the pruned entries of the MLP's dense weights in place. */
    private static void applyMasks(MlpSites mlp, Map<String, boolean[]> kept) {
        for (Linear linear : mlp.linears()) {
            boolean[] mask = kept.get(linear.name());
            if (mask == null) {
                continue;
            }
            Tensor w = linear.weight().toDense();
            for (int i = 0; i < mask.length; i++) {
                if (!mask[i]) {
                    w.set(i, 0);
                }
            }
            linear.setWeight(new org.lowrank4j.nn.weight.DenseWeight(new org.lowrank4j.nn.Parameter(linear.name() + ".weight", w)));
        }
    }

    private static void writeRecord(PruningRequest r, Path folder, SparsityPattern p, DecoderTraining.Summary summary, TurboVbiTraining vbi) throws IOException {
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = json.createObjectNode();
        root.put("method", r.method());
        if (vbi != null) {
            root.put("options", r.options().describe());
            putFinite(root, "last_prior_term", vbi.lastPriorTerm());
        }
        root.put("steps", r.steps());
        root.put("mlp_weights", p.weights());
        root.put("zeros", p.zeros());
        root.put("sparsity", p.sparsity());
        root.put("zero_runs", p.zeroRuns());
        root.put("mean_zero_run", p.meanZeroRun());
        root.put("neurons_removed", p.neuronsRemoved());
        root.put("neurons", p.neurons());
        if (summary != null) {
            root.put("seconds", summary.seconds());
            putFinite(root, "last_training_objective", summary.lastLoss());
        }
        ObjectNode sites = root.putObject("sites");
        for (SparsityPattern.Site s : p.sites()) {
            ObjectNode site = sites.putObject(s.name());
            site.put("zeros", s.zeros());
            site.put("weights", s.weights());
            site.put("zero_runs", s.zeroRuns());
            site.put("zero_lines", s.zeroLines());
        }
        AtomicFiles.writeString(folder.resolve(RECORD), json.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n");
    }

    private static void putFinite(ObjectNode node, String key, double value) {
        if (Double.isFinite(value)) {
            node.put(key, value);
        } else {
            node.putNull(key);
        }
    }
}
