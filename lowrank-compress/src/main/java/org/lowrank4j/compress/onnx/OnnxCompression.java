package org.lowrank4j.compress.onnx;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.lowrank4j.compress.Compressor;
import org.lowrank4j.compress.LayerStats;
import org.lowrank4j.compress.LinearWeight;
import org.lowrank4j.compress.LowRank;
import org.lowrank4j.compress.Progress;
import org.lowrank4j.compress.allocation.Allocators;
import org.lowrank4j.compress.methods.CompressionMethod;
import org.lowrank4j.compress.methods.Methods;
import org.lowrank4j.compress.methods.PreparedSite;
import org.lowrank4j.compress.tokenize.HfTokenizer;
import org.lowrank4j.formats.onnx.LinearSite;
import org.lowrank4j.formats.onnx.LinearSites;
import org.lowrank4j.formats.onnx.OnnxModel;
import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.linalg.FloatMatrix;

/**
 * {@code compress} for ONNX models. Open a model (its linear sites are found once), calibrate once through
 * ONNX Runtime when a method needs statistics, then compress as many times as wanted (methods × allocators ×
 * ratios; each method decomposes its sites once). Each result rewrites every factorised MatMul as two MatMuls
 * and is written atomically, never over the input.
 */
public final class OnnxCompression {
    private final Path modelPath;
    private final List<LinearSite> sites;
    private final List<LinearWeight> weights = new ArrayList<>();
    private final long modelParameters;
    private final Map<String, List<PreparedSite>> preparedByMethod = new HashMap<>();
    private Map<String, LayerStats> stats = Map.of();
    private double calibrationSeconds;

    /** One compression's outcome, with what a report needs. */
    public record Outcome(Compressor.Result result, Path input, Path output, long bytesIn, long bytesOut, long modelParametersBefore,
                          long modelParametersAfter, long calibrationTokens, double calibrationSeconds, double compressSeconds) {

        /** Fraction of the whole model's parameters removed. */
        public double modelRatio() {
            return 1 - (double) modelParametersAfter / modelParametersBefore;
        }
    }

    private OnnxCompression(Path modelPath, OnnxModel model, List<LinearSite> sites) {
        this.modelPath = modelPath;
        this.sites = sites;
        for (LinearSite site : sites) {
            DoubleMatrix inOut = FloatMatrix.wrap(model.weight(site), site.inFeatures(), site.outFeatures()).toDouble();
            weights.add(new LinearWeight(site.name(), site.role().label(), site.block(), inOut.transpose().copy()));
        }
        this.modelParameters = countParameters(model);
    }

    /**
     * @throws IllegalArgumentException when the file is missing, not ONNX, or has no linear site of at least
     *                                  {@code minFeatures} inputs and outputs
     */
    public static OnnxCompression open(Path modelPath, int minFeatures) throws IOException {
        if (!Files.isRegularFile(modelPath)) {
            throw new IllegalArgumentException("model file " + modelPath + " does not exist");
        }
        OnnxModel model = OnnxModel.read(modelPath);
        List<LinearSite> sites = LinearSites.find(model, minFeatures);
        if (sites.isEmpty()) {
            throw new IllegalArgumentException("model " + modelPath + " has no linear sites (MatMul or Gemm with a constant 2-D weight of at least "
                    + minFeatures + " features); there is nothing to compress");
        }
        return new OnnxCompression(modelPath, model, sites);
    }

    public static OnnxCompression open(Path modelPath) throws IOException {
        return open(modelPath, LinearSites.DEFAULT_MIN_FEATURES);
    }

    public List<LinearSite> sites() {
        return sites;
    }

    public List<LinearWeight> weights() {
        return weights;
    }

    /** Runs the calibration text through the model and keeps per-site statistics for later compressions. */
    public OnnxCompression calibrate(HfTokenizer tokenizer, List<String> texts, int batchSize, int threads, Progress progress) throws IOException {
        return calibrate(tokenizer, texts, batchSize, threads, null, progress);
    }

    /**
     * As {@link #calibrate(HfTokenizer, List, int, int, Progress)}, reusing statistics saved in {@code cache} by an
     * earlier run on the same model, tokenizer, text and batch size, and saving them there otherwise.
     */
    public OnnxCompression calibrate(HfTokenizer tokenizer, List<String> texts, int batchSize, int threads, StatsCache cache, Progress progress)
            throws IOException {
        long t = System.nanoTime();
        String key = cache == null ? null : StatsCache.key(modelPath, tokenizer.path(), texts, batchSize, sites);
        Map<String, LayerStats> cached = cache == null ? null : cache.load(key, sites);
        if (cached != null) {
            stats = cached;
            progress.update("calibrate (cached)", 1, 1, cache.fileFor(key).getFileName().toString());
        } else {
            stats = new OnnxCalibrator(batchSize, threads).calibrate(modelPath, OnnxModel.read(modelPath), sites, tokenizer, texts, progress);
            if (cache != null) {
                cache.save(key, sites, stats);
            }
        }
        calibrationSeconds = (System.nanoTime() - t) / 1e9;
        preparedByMethod.clear();
        return this;
    }

    public Map<String, LayerStats> stats() {
        return stats;
    }

    /** Decomposes every site with the method (cached) and returns the prepared sites in site order. */
    public List<PreparedSite> prepare(CompressionMethod method, Progress progress) {
        if (method.requirements().contains(CompressionMethod.Requirement.GRADIENTS)) {
            throw new IllegalArgumentException("method " + method.name() + " needs gradients, which the ONNX path cannot compute; use the JVM runtime");
        }
        if (!method.requirements().isEmpty() && stats.isEmpty()) {
            throw new IllegalArgumentException("method " + method.name() + " needs calibration text and the model's tokenizer.json");
        }
        return preparedByMethod.computeIfAbsent(method.name(), k -> Compressor.prepare(method, weights, stats, progress));
    }

    /** Compresses with one method, allocator and ratio, and writes the rewritten model to {@code out}. */
    public Outcome compress(String methodName, String allocation, double ratio, Path out, Progress progress) throws IOException {
        long start = System.nanoTime();
        requireDistinct(modelPath, out);
        CompressionMethod method = Methods.byName(methodName);
        Compressor compressor = new Compressor(method, Allocators.byName(allocation));
        Compressor.Result result = compressor.build(weights, prepare(method, progress), ratio);
        OnnxModel model = OnnxModel.read(modelPath);
        for (int i = 0; i < sites.size(); i++) {
            if (result.sites().get(i).factorization() instanceof LowRank f) {
                // W (out×in) ≈ A·B, so x·Wᵀ ≈ (x·Bᵀ)·Aᵀ: first = Bᵀ (in×r), second = Aᵀ (r×out).
                model.replaceWithLowRank(sites.get(i), f.rank(), f.b().transpose().toFloat().data(), f.a().transpose().toFloat().data());
            }
        }
        progress.update("write", 0, 1, out.getFileName().toString());
        model.write(out);
        progress.update("write", 1, 1, out.getFileName().toString());
        long tokens = stats.isEmpty() ? 0 : stats.values().iterator().next().tokens();
        return new Outcome(result, modelPath, out, Files.size(modelPath), Files.size(out), modelParameters, countParameters(model), tokens,
                calibrationSeconds, (System.nanoTime() - start) / 1e9);
    }

    /** Elements of every initializer (the whole model's parameters). */
    public static long countParameters(OnnxModel model) {
        long total = 0;
        for (String name : model.initializerNames()) {
            long size = 1;
            for (long d : model.initializerShape(name)) {
                size *= d;
            }
            total += size;
        }
        return total;
    }

    private static void requireDistinct(Path input, Path output) throws IOException {
        Path in = input.toRealPath();
        Path outAbs = output.toAbsolutePath().normalize();
        if (in.equals(outAbs) || Files.exists(outAbs) && Files.isSameFile(in, outAbs)) {
            throw new IllegalArgumentException("output " + output + " is the input model; choose another --out path (the input is never overwritten)");
        }
    }
}
