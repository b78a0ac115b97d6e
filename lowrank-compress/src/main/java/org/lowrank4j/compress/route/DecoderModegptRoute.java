package org.lowrank4j.compress.route;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.lowrank4j.compress.CompressionOutcome;
import org.lowrank4j.compress.CompressionResult;
import org.lowrank4j.compress.Dense;
import org.lowrank4j.compress.LinearWeight;
import org.lowrank4j.compress.Listener;
import org.lowrank4j.compress.SiteResult;
import org.lowrank4j.compress.methods.modegpt.ModegptDecoder;
import org.lowrank4j.compress.methods.modegpt.ModegptOptions;
import org.lowrank4j.compress.methods.modegpt.ModuleStatistics;
import org.lowrank4j.compress.model.DecoderFolder;
import org.lowrank4j.compress.runtime.DecoderRuntime;
import org.lowrank4j.formats.hf.HfArchitecture;
import org.lowrank4j.formats.hf.HfConfig;
import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.nn.arch.llama.LlamaModel;
import org.lowrank4j.nn.arch.llama.LowRankFolder;
import org.lowrank4j.nn.arch.llama.QuantizedFolder;
import org.lowrank4j.nn.arch.llama.StructuredFolder;
import org.lowrank4j.nn.generate.Tokenizer;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.train.TextFolder;

/**
 * {@code --method modegpt[:…]} on a LLaMA-family decoder folder (../shared/methods/c10-modegpt.md): one calibration
 * pass of the original model over {@code --calib-windows} windows collects {@link ModuleStatistics}, the
 * Block-Influence allocation spreads {@code --ratio} over blocks, and {@link ModegptDecoder} narrows each block's MLP,
 * query/key and value/output heads. The result is a {@link StructuredFolder}: smaller dense tensors that
 * {@code perplexity} and {@code generate} run as they are.
 *
 * <p>Ratio: the fraction of the block projections' parameters removed (DESIGN.md's ratio over the targeted linears);
 * since no factor pair is added, removing a fraction φ of a module's inner dimensions removes exactly φ of its
 * parameters, and the ratio asked is the mean of the blocks' sparsities. Rounding to whole channels and whole RoPE pairs
 * (int(D·κ), floored to even for query/key) removes slightly more; the record gives the achieved ratio.
 */
final class DecoderModegptRoute implements CompressionRoute {
    @Override
    public boolean handles(CompressionRequest r) {
        return ModegptOptions.names(r.method());
    }

    @Override
    public CompressionOutcome compress(CompressionRequest r, Listener listener) throws IOException {
        long start = System.nanoTime();
        Path model = r.model();
        ModegptOptions options = ModegptOptions.from(r.method());
        if (!Files.isDirectory(model)) {
            throw new IllegalArgumentException("--method " + ModegptOptions.NAME + " narrows LLaMA-family decoder folders so far; " + model
                    + " is not a model folder");
        }
        DecoderFolder.requireModelFolder(model);
        HfConfig config = HfConfig.read(model);
        if (config.architecture() != HfArchitecture.LLAMA) {
            throw new IllegalArgumentException("--method " + ModegptOptions.NAME + " narrows LLaMA-family decoder folders; " + model + " is "
                    + config.modelType());
        }
        if (LlamaModel.hasHeadNorms(config) || LlamaModel.hasPostNorms(config)) { // before any calibration
            throw new IllegalArgumentException("--method " + ModegptOptions.NAME + " does not cover " + model + ": " + config.modelType()
                    + (LlamaModel.hasPostNorms(config) ? " normalises its blocks' attention and MLP outputs (post-norms)"
                    : " normalises each query and key head over its full size") + ", which narrowing and its statistics do not keep");
        }
        if (r.tokenizer() != null || r.calibrationSequences() != null || r.calibrationUnit() != null || r.embeddings() != null) {
            throw new IllegalArgumentException("--tokenizer, --calib-sequences, --calib-unit and --embeddings apply to ONNX models; the decoder folder "
                    + model + " brings its own tokenizer.json and keeps its embedding table (use --calib-windows)");
        }
        if (r.ratio() == null) {
            throw new IllegalArgumentException("--method " + ModegptOptions.NAME + " takes --ratio (the fraction of the block projections' parameters"
                    + " to remove), not --target-size");
        }
        if (r.allocation() != null && !r.allocation().equals("global")) {
            throw new IllegalArgumentException("--allocation " + r.allocation() + " does not apply to " + ModegptOptions.NAME
                    + "; it spreads the ratio by Block-Influence (option allocation=block-influence|uniform)");
        }
        if (r.calibration() == null) {
            throw new IllegalArgumentException("--method " + ModegptOptions.NAME + " reads calibration text: give --calib (a .txt file or a folder of them)");
        }
        if ((r.calibrationFrom() != null || r.calibrationTo() != null) && !Files.isDirectory(r.calibration())) {
            throw new IllegalArgumentException("--calib-from and --calib-to select the YEAR_*.txt files of a --calib folder, but --calib "
                    + r.calibration() + " is not a folder");
        }
        int count = r.calibrationWindows() == null ? DecoderRuntime.DEFAULT_WINDOWS : r.calibrationWindows();
        if (count < 1) {
            throw new IllegalArgumentException("--calib-windows must be at least 1, got " + count);
        }
        if (StructuredFolder.readManifest(model).isPresent() || QuantizedFolder.readManifest(model).isPresent()
                || LowRankFolder.readManifest(model).isPresent()) {
            throw new IllegalArgumentException("--model " + model + " is already a compressed model folder; compress the original dense model");
        }
        LowRankFolder.requireOutput(r.out(), model);
        LlamaModel original = DecoderFolder.loadModel(model);
        Tokenizer tok = DecoderFolder.loadTokenizer(model, original.vocabSize());
        int context = original.defaultWindow();
        int[][] windows = DecoderRuntime.calibrationWindows(tok, TextFolder.readText(r.calibration(), r.calibrationFrom(), r.calibrationTo(), "--calib"),
                r.calibration(), context, count, "--calib-windows");
        listener.note(String.format(Locale.ROOT, "%s: %s, ratio %.3f; calibration: %d windows of %d tokens from %s", model.getFileName(),
                options.describe(), r.ratio(), count, context, r.calibration()));
        long calibrationStart = System.nanoTime();
        List<ModuleStatistics> statistics = ModuleStatistics.collect(original, windows, context, DecoderRuntime.windowsPerBatch(context), listener);
        double calibrationSeconds = (System.nanoTime() - calibrationStart) / 1e9;
        ModegptDecoder.Outcome narrowed = ModegptDecoder.compress(original, statistics, r.ratio(), options);
        StringBuilder line = new StringBuilder("block influence / sparsity:");
        for (int l = 0; l < narrowed.sparsity().length; l++) {
            line.append(String.format(Locale.ROOT, " %d:%.4f/%.3f", l, narrowed.influence()[l], narrowed.sparsity()[l]));
        }
        listener.note(line.toString());
        StructuredFolder.Manifest manifest = new StructuredFolder.Manifest(StructuredFolder.FORMAT_VERSION, model.toString(), options.describe(),
                narrowed.model().blockShapes());
        StructuredFolder.write(narrowed.model(), r.out(), model.resolve(DecoderFolder.TOKENIZER), manifest, model);

        List<SiteResult> sites = new ArrayList<>();
        for (Map.Entry<String, Linear> e : narrowed.model().linearSites().entrySet()) {
            Linear l = e.getValue();
            int block = Integer.parseInt(e.getKey().split(" ")[1]);
            LinearWeight w = new LinearWeight(e.getKey(), "linear", block, DoubleMatrix.zeros(l.outFeatures(), l.inFeatures()));
            sites.add(new SiteResult(w, Math.min(l.outFeatures(), l.inFeatures()), new Dense(w.weight()), new double[0], 0));
        }
        CompressionResult result = new CompressionResult(ModegptOptions.NAME, allocationLabel(options), r.ratio(), sites,
                narrowed.targetedBefore(), narrowed.targetedAfter());
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("options", options.describe());
        details.put("achieved_targeted_ratio", narrowed.achievedRatio());
        details.put("block_influence", narrowed.influence());
        details.put("block_sparsity", narrowed.sparsity());
        details.put("block_shapes", narrowed.model().blockShapes().stream().map(s -> Map.of("intermediate_size", s.intermediateSize(),
                "query_key_head_size", s.queryKeySize(), "value_head_size", s.valueSize())).toList());
        details.put("targeted_layer_ratio_definition", "parameters removed from the block projections (q, k, v, o, gate, up, down) / their"
                + " parameters before; no factor pairs, so a module's inner dimensions removed are its parameters removed");
        double compressSeconds = (System.nanoTime() - start) / 1e9 - calibrationSeconds;
        return new CompressionOutcome(result, model, r.out(), DecoderFolderRoute.weightBytes(model), DecoderFolderRoute.weightBytes(r.out()),
                original.parameterCount(), narrowed.model().parameterCount(), (long) windows.length * context, calibrationSeconds, compressSeconds,
                null, details);
    }

    /** How the record names the allocation. */
    private static String allocationLabel(ModegptOptions o) {
        return o.allocation() == ModegptOptions.Allocation.UNIFORM ? "uniform" : "block-influence (temperature " + o.temperature() + ")";
    }
}
