package org.lowrank4j.compress.onnx;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.lowrank4j.compress.LayerStats;
import org.lowrank4j.compress.Progress;
import org.lowrank4j.compress.eval.EmbeddingRunner;
import org.lowrank4j.compress.tokenize.EncodedBatch;
import org.lowrank4j.compress.tokenize.HfTokenizer;
import org.lowrank4j.formats.onnx.LinearSite;
import org.lowrank4j.formats.onnx.OnnxModel;

/**
 * Calibration through ONNX Runtime: every distinct input of a linear site becomes an extra graph output, the
 * calibration text runs through the model in batches, and each site input's rows for real (non-padding)
 * tokens are added to a {@link LayerStats}. Sites that read the same tensor (query, key and value) share one
 * statistics object. Memory is bounded by the sites (n² doubles each), not by the text.
 */
public final class OnnxCalibrator {
    private final int batchSize;
    private final int threads;

    public OnnxCalibrator(int batchSize, int threads) {
        if (batchSize < 1 || threads < 1) {
            throw new IllegalArgumentException("calibration batch size and threads must be >= 1, got " + batchSize + ", " + threads);
        }
        this.batchSize = batchSize;
        this.threads = threads;
    }

    /**
     * @return statistics per site name (shared objects for sites with the same input)
     */
    public Map<String, LayerStats> calibrate(Path modelPath, OnnxModel model, List<LinearSite> sites, HfTokenizer tokenizer,
                                             List<String> texts, Progress progress) {
        if (texts.isEmpty()) {
            throw new IllegalArgumentException("calibration text is empty; give a file or folder with text");
        }
        Map<String, LayerStats> byInput = new LinkedHashMap<>();
        for (LinearSite site : sites) {
            LayerStats existing = byInput.get(site.input());
            if (existing != null && existing.features() != site.inFeatures()) {
                throw new IllegalStateException("tensor " + site.input() + " feeds sites of different widths");
            }
            byInput.putIfAbsent(site.input(), new LayerStats(site.inFeatures()));
        }
        OnnxModel augmented = OnnxModel.of(model.toProto());
        List<String> inputs = new ArrayList<>(byInput.keySet());
        for (String value : inputs) {
            if (!augmented.graphOutputNames().contains(value)) {
                augmented.addGraphOutput(value);
            }
        }
        byte[] bytes = augmented.toProto().toByteArray();
        try (EmbeddingRunner runner = EmbeddingRunner.open(bytes, modelPath, new EmbeddingRunner.Options(threads, batchSize))) {
            runner.requireMatches(tokenizer);
            for (int start = 0; start < texts.size(); start += batchSize) {
                progress.update("calibrate", start, texts.size(), "");
                EncodedBatch batch = tokenizer.encode(texts.subList(start, Math.min(texts.size(), start + batchSize)));
                Map<String, float[]> outputs = runner.runOutputs(batch, new java.util.HashSet<>(inputs));
                for (String value : inputs) {
                    accumulate(byInput.get(value), outputs.get(value), batch);
                }
            }
            progress.update("calibrate", texts.size(), texts.size(), "");
        }
        Map<String, LayerStats> bySite = new LinkedHashMap<>();
        for (LinearSite site : sites) {
            bySite.put(site.name(), byInput.get(site.input()));
        }
        return bySite;
    }

    /** Adds the rows of real tokens (attention mask 1) of a (batch, tokens, features) activation. */
    private static void accumulate(LayerStats stats, float[] activation, EncodedBatch batch) {
        int rows = batch.size(), length = batch.length(), features = stats.features();
        if (activation.length != (long) rows * length * features) {
            throw new IllegalStateException("activation of " + activation.length + " values is not " + rows + "x" + length + "x" + features);
        }
        float[] kept = new float[rows * length * features];
        int count = 0;
        for (int b = 0; b < rows; b++) {
            for (int t = 0; t < length; t++) {
                if (batch.attentionMask()[b][t] != 0) {
                    System.arraycopy(activation, (b * length + t) * features, kept, count * features, features);
                    count++;
                }
            }
        }
        stats.accumulate(kept, 0, count);
    }
}
