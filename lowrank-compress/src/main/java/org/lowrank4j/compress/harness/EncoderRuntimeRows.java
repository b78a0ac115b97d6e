package org.lowrank4j.compress.harness;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.lowrank4j.compress.CompressionOutcome;
import org.lowrank4j.compress.CompressionResult;
import org.lowrank4j.compress.Progress;
import org.lowrank4j.compress.allocation.RankAllocator;
import org.lowrank4j.compress.eval.Pooling;
import org.lowrank4j.compress.methods.CompressionMethod;
import org.lowrank4j.compress.methods.CrossLayerMethod;
import org.lowrank4j.compress.methods.PreparedSite;
import org.lowrank4j.compress.onnx.OnnxCompression;
import org.lowrank4j.compress.runtime.EncoderRuntime;
import org.lowrank4j.compress.runtime.RuntimeCompression;
import org.lowrank4j.compress.runtime.RuntimeSite;
import org.lowrank4j.compress.tokenize.HfTokenizer;
import org.lowrank4j.formats.onnx.LinearSite;
import org.lowrank4j.nn.arch.bert.BertModel;
import org.lowrank4j.nn.arch.bert.BertOnnx;
import org.lowrank4j.nn.tensor.Precision;

/**
 * The part of an ONNX encoder's comparison that runs on the JVM runtime: the ONNX file is loaded into a float32
 * {@link BertModel} ({@link BertOnnx}), calibrated with the same sentences in the same batches as the ONNX path, and
 * compressed with {@link RuntimeCompression} — the sequential pass of SVD-LLM and SAES-SVD ({@link
 * org.lowrank4j.compress.runtime.SequentialCompressor}) and cross-layer Basis Sharing, which ONNX Runtime cannot run.
 * Each result is written back into a copy of the ONNX graph by {@link OnnxCompression#write}, exactly as the ONNX
 * path writes its own, so the file is an ordinary lowrank4j-compressed ONNX; the runtime's model is restored after
 * each row. It also hosts the encoder's sensitivity probes ({@link EncoderSensitivityProbe}).
 */
public final class EncoderRuntimeRows {
    private final Path modelPath;
    private final HfTokenizer tokenizer;
    private final OnnxCompression onnx;
    private final EncoderRuntime runtime;
    private final RuntimeCompression job;
    private final Map<String, CrossLayerMethod.Prepared> basis = new HashMap<>();

    /**
     * @param onnx        the ONNX job of the same file: its sites are where results are written
     * @param calibration the calibration sentences, tokenized {@code perBatch} at a time (the ONNX path uses 32)
     * @throws IllegalArgumentException when the file is not a BERT-family encoder, or a runtime site has no ONNX
     *                                  site of the same name and shape
     */
    public EncoderRuntimeRows(Path modelPath, HfTokenizer tokenizer, List<String> calibration, int perBatch, OnnxCompression onnx)
            throws IOException {
        this.modelPath = modelPath;
        this.tokenizer = tokenizer;
        this.onnx = onnx;
        BertModel model = BertOnnx.load(modelPath, Precision.FLOAT32);
        this.runtime = EncoderRuntime.of(model, tokenizer, calibration, perBatch);
        this.job = new RuntimeCompression(runtime);
        Map<String, LinearSite> byName = new HashMap<>();
        onnx.sites().forEach(s -> byName.put(s.name(), s));
        for (RuntimeSite s : runtime.sites()) {
            LinearSite site = byName.get(s.name());
            if (site == null || site.inFeatures() != s.inFeatures() || site.outFeatures() != s.outFeatures()) {
                throw new IllegalArgumentException(modelPath + ": the runtime's " + s.name() + " (" + s.outFeatures() + "x" + s.inFeatures()
                        + ") has no ONNX site of that name and shape, so its factors could not be written back");
            }
        }
    }

    public EncoderRuntime runtime() {
        return runtime;
    }

    public RuntimeCompression job() {
        return job;
    }

    /** Compresses with a per-site method (sequentially when it needs the compressed prefix); the result stays installed. */
    public CompressionResult compress(CompressionMethod method, RankAllocator allocator, double ratio, Progress progress) {
        return job.compress(method, allocator, ratio, progress);
    }

    /**
     * Basis Sharing: groups decomposed once per configuration ({@link CrossLayerMethod#name()}), built at each ratio; the
     * result stays installed.
     */
    public CompressionResult compressShared(CrossLayerMethod sharing, RankAllocator allocator, double ratio, Progress progress) {
        job.calibrate(progress);
        CrossLayerMethod.Prepared prepared = basis.computeIfAbsent(sharing.name(), k -> sharing.prepare(job.weights(), job.stats(), ratio, progress));
        CompressionResult result = prepared.build(ratio, allocator);
        job.install(result);
        return result;
    }

    /**
     * Which sites share a basis in the groups {@link #compressShared} formed for {@code sharing} (formed once, at the
     * first ratio it ran), as {@code role {blocks} {blocks} …} per role, e.g. {@code attention.query {0,3} {1,2}}; empty
     * before it ran.
     */
    public String describeGroups(CrossLayerMethod sharing) {
        CrossLayerMethod.Prepared prepared = basis.get(sharing.name());
        return prepared == null ? "" : prepared.describeGroups();
    }

    /**
     * Writes {@code result} into a copy of the ONNX file ({@link OnnxCompression#write}); {@code startNanos} is when the
     * row began, and runtime calibration done since then is not counted in the row's compress seconds.
     */
    public CompressionOutcome write(CompressionResult result, Path out, long startNanos, double calibrationSecondsBefore, Progress progress)
            throws IOException {
        double calibration = job.calibrationSeconds();
        long calibrationNanos = (long) ((calibration - calibrationSecondsBefore) * 1e9);
        long tokens = job.stats().isEmpty() ? 0 : job.stats().values().iterator().next().tokens();
        return onnx.write(result, out, tokens, calibration, startNanos + calibrationNanos, progress);
    }

    /** Puts the original weights back into the runtime model. */
    public void restore() {
        job.restore();
    }

    /**
     * A sensitivity probe over the first {@code sentences} of {@code texts}, for the prepared sites of a method
     * (see {@link EncoderSensitivityProbe}).
     */
    public EncoderSensitivityProbe probe(List<String> texts, int sentences, Pooling pooling, List<String> siteNames,
                                         Supplier<List<PreparedSite>> prepared) {
        if (texts.isEmpty() || sentences < 1) {
            throw new IllegalArgumentException("the sensitivity probe needs at least one sentence");
        }
        EncoderRuntime probeSet = EncoderRuntime.of(runtime.model(), tokenizer, texts.subList(0, Math.min(sentences, texts.size())), 32);
        return new EncoderSensitivityProbe(job, probeSet, pooling, siteNames, prepared);
    }

    public Path modelPath() {
        return modelPath;
    }
}
