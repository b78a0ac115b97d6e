package org.lowrank4j.compress.route;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.lowrank4j.compress.CompressionOutcome;
import org.lowrank4j.compress.CompressionResult;
import org.lowrank4j.compress.Factorization;
import org.lowrank4j.compress.LayerStats;
import org.lowrank4j.compress.LinearWeight;
import org.lowrank4j.compress.Listener;
import org.lowrank4j.compress.LowRank;
import org.lowrank4j.compress.Quantized;
import org.lowrank4j.compress.QuantizedCompressor;
import org.lowrank4j.compress.QuantizedLowRank;
import org.lowrank4j.compress.SiteResult;
import org.lowrank4j.compress.allocation.RankAllocator;
import org.lowrank4j.compress.allocation.SizeTarget;
import org.lowrank4j.compress.methods.Methods;
import org.lowrank4j.compress.methods.QuantizedBase;
import org.lowrank4j.compress.methods.QuantizedMethod;
import org.lowrank4j.compress.methods.QuantizedSite;
import org.lowrank4j.compress.model.DecoderFolder;
import org.lowrank4j.compress.runtime.DecoderRuntime;
import org.lowrank4j.compress.runtime.RuntimeCompression;
import org.lowrank4j.formats.hf.HfArchitecture;
import org.lowrank4j.formats.hf.HfConfig;
import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.linalg.quant.QuantizedMatrix;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.arch.llama.LlamaModel;
import org.lowrank4j.nn.arch.llama.LowRankFolder;
import org.lowrank4j.nn.arch.llama.QuantizedFolder;
import org.lowrank4j.nn.generate.Tokenizer;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.train.TextFolder;
import org.lowrank4j.nn.weight.DenseWeight;
import org.lowrank4j.nn.weight.LowRankWeight;
import org.lowrank4j.nn.weight.QuantizedWeight;

/**
 * Quantizing methods ({@code rtn}, {@code gptq}, {@code eora}, {@code lq-lora}, {@code svdquant}) on a LLaMA-family decoder folder: the
 * Gram statistics come from the same calibration windows the low-rank decoder route runs (the JVM runtime over
 * {@code --calib-windows} windows of the model's context), every block projection is quantized, branches are added where
 * the method has them, and the result is a {@link QuantizedFolder} that {@code perplexity} and {@code generate} run
 * through {@link QuantizedWeight}. Any bit width the quantizers have (2, 3, 4, 8; NF 2–4) is written: the JVM runtime
 * has no ONNX kernel constraint. The budget is the bytes of the written {@code model.safetensors}: with
 * {@code --target-size}, a method whose branch rank is left open spends what the base leaves on branch ranks (through
 * the allocator, on each site's error spectrum); any other method must fit as it is.
 */
final class DecoderQuantizedRoute implements CompressionRoute {
    /** Header bytes allowed per tensor of the written file before the first measurement. */
    private static final long HEADER_BYTES_PER_TENSOR = 160;

    @Override
    public boolean handles(CompressionRequest r) {
        return r.model() != null && Files.isDirectory(r.model()) && r.method() != null && Methods.isQuantized(r.method());
    }

    @Override
    public CompressionOutcome compress(CompressionRequest r, Listener listener) throws IOException {
        long start = System.nanoTime();
        Path model = r.model();
        DecoderFolder.requireModelFolder(model);
        if (r.embeddings() != null || r.tokenizer() != null || r.calibrationSequences() != null || r.calibrationUnit() != null) {
            throw new IllegalArgumentException("--embeddings, --tokenizer, --calib-sequences and --calib-unit apply to ONNX models; the decoder folder "
                    + model + " brings its own tokenizer.json and keeps its embedding table (use --calib-windows)");
        }
        HfConfig config = HfConfig.read(model);
        if (config.architecture() == HfArchitecture.GPT2) {
            throw new IllegalArgumentException("--method " + r.method() + " writes quantized LLaMA-family folders; " + model + " is "
                    + DecoderFolder.familyName(config));
        }
        QuantizedMethod m = Methods.quantizedByName(r.method());
        QuantizedBase storage = m.storage();
        if (storage.embeddings() != QuantizedBase.Embeddings.FP32) {
            throw new IllegalArgumentException(m.name() + ": embeddings=" + storage.embeddings().name().toLowerCase(Locale.ROOT)
                    + " applies to ONNX encoders; a quantized decoder folder keeps its embedding table in float32 (leave embeddings out)");
        }
        if (storage.quantizedBranch()) {
            throw new IllegalArgumentException(m.name() + ": branch=" + storage.branch().name().toLowerCase(Locale.ROOT)
                    + " is written to ONNX encoders only; a quantized decoder folder keeps its branches in float32 (leave branch out)");
        }
        if (QuantizedFolder.readManifest(model).isPresent()) {
            throw new IllegalArgumentException("--model " + model + " is already a quantized model folder (it holds " + QuantizedFolder.MANIFEST
                    + "); quantize the original dense model");
        }
        LowRankFolder.requireOutput(r.out(), model);
        RankAllocator allocator = OnnxQuantizedRoute.branchAllocator(m, r);
        boolean budgetRanks = allocator != null;
        String text = calibrationText(r, m);

        LlamaModel decoder = DecoderFolder.loadModel(model);
        Map<String, Linear> linears = decoder.linearSites();
        requireQuantizable(m, model, linears);
        int count = r.calibrationWindows() == null ? DecoderRuntime.DEFAULT_WINDOWS : r.calibrationWindows();
        int context = decoder.defaultWindow();
        int[][] windows = text == null ? new int[][] {{0, 0}} : DecoderRuntime.calibrationWindows(DecoderFolder.loadTokenizer(model, decoder.vocabSize()), text,
                r.calibration(), context, count, "--calib-windows");
        RuntimeCompression job = new RuntimeCompression(new DecoderRuntime(decoder, windows, DecoderRuntime.windowsPerBatch(context)));
        List<LinearWeight> weights = job.weights();
        listener.note(String.format(Locale.ROOT, "%s: %d linear sites, method %s (%d-bit %s, groups of %d)%s%s", model.getFileName(), weights.size(),
                m.name(), storage.bits(), storage.scheme().name().toLowerCase(Locale.ROOT), storage.group(),
                r.targetBytes() == null ? "" : ", target " + SizeTarget.format(r.targetBytes()),
                text == null ? "" : String.format(Locale.ROOT, "; calibration: %d windows of %d tokens from %s", count, context, r.calibration())));
        Map<String, LayerStats> stats = Map.of();
        if (text != null) {
            job.calibrate(listener);
            stats = job.stats();
        }
        List<QuantizedSite> sites = QuantizedCompressor.prepare(m, weights, stats, listener);
        Map<String, LayerStats> siteStats = stats;
        Writer writer = ranks -> {
            CompressionResult result = QuantizedCompressor.build(m.name(), budgetRanks ? "branch ranks by " + r.allocation() : "none", weights, sites,
                    ranks, siteStats, storage);
            install(decoder, linears, result);
            QuantizedFolder.Manifest manifest = QuantizedFolder.describe(decoder, model.toString(), m.name(), result.allocation(),
                    r.targetBytes() == null ? -1 : r.targetBytes());
            QuantizedFolder.write(decoder, r.out(), model.resolve(DecoderFolder.TOKENIZER), manifest, model);
            return result;
        };
        CompressionResult result;
        if (budgetRanks) {
            result = spendOnBranches(r, weights, sites, allocator, storage, writer, listener);
        } else {
            result = writer.write(QuantizedCompressor.uniformRanks(sites, m.rankWithoutBudget(), storage));
        }
        long bytesOut = DecoderFolderRoute.weightBytes(r.out());
        if (r.targetBytes() != null && bytesOut > r.targetBytes()) {
            deleteTree(r.out());
            throw new IllegalArgumentException("the " + m.name() + " decoder is " + SizeTarget.format(bytesOut) + ", above --target-size "
                    + SizeTarget.format(r.targetBytes()) + "; use fewer bits or larger groups");
        }
        double compressSeconds = (System.nanoTime() - start) / 1e9 - job.calibrationSeconds();
        return new CompressionOutcome(result, model, r.out(), DecoderFolderRoute.weightBytes(model), bytesOut, job.modelParameters(),
                job.modelParameters(), text == null ? 0 : (long) windows.length * context, job.calibrationSeconds(), compressSeconds, null,
                Map.of("bits_per_weight_targeted", QuantizedFolder.readManifest(r.out()).orElseThrow().bitsPerWeight()));
    }

    /** Writes the folder at the given branch ranks and returns the result installed. */
    private interface Writer {
        CompressionResult write(int[] ranks) throws IOException;
    }

    /**
     * Prices the base exactly (codes, scales, zero points and the float tensors around them) plus an allowance for the
     * file's header, gives the bytes left under the target to the allocator as branch parameters, and lowers that budget
     * by any overshoot of the written file (at most four writes).
     */
    private static CompressionResult spendOnBranches(CompressionRequest r, List<LinearWeight> weights, List<QuantizedSite> sites,
                                                     RankAllocator allocator, QuantizedBase storage, Writer writer, Listener listener) throws IOException {
        long target = r.targetBytes();
        CompressionResult base = writer.write(new int[sites.size()]);
        long baseBytes = DecoderFolderRoute.weightBytes(r.out());
        if (baseBytes > target) {
            deleteTree(r.out());
            throw new IllegalArgumentException("the quantized base alone is " + SizeTarget.format(baseBytes) + ", above --target-size "
                    + SizeTarget.format(target) + "; use fewer bits or larger groups");
        }
        long budget = target - baseBytes - 2 * HEADER_BYTES_PER_TENSOR * sites.size();
        CompressionResult result = base;
        for (int attempt = 0; attempt < 4 && budget > 0; attempt++) {
            int[] ranks = QuantizedCompressor.budgetRanks(weights, sites, allocator, budget, storage);
            result = writer.write(ranks);
            long bytes = DecoderFolderRoute.weightBytes(r.out());
            listener.note(String.format(Locale.ROOT, "%s: branches of %d parameters in total, file %s", r.out().getFileName(),
                    QuantizedCompressor.branchParameters(weights, ranks), SizeTarget.format(bytes)));
            if (bytes <= target) {
                return result;
            }
            budget -= bytes - target + 4 * HEADER_BYTES_PER_TENSOR;
        }
        return DecoderFolderRoute.weightBytes(r.out()) <= target ? result : writer.write(new int[sites.size()]);
    }

    /** Installs every site's quantized factorization in the decoder as a {@link QuantizedWeight}. */
    private static void install(LlamaModel decoder, Map<String, Linear> linears, CompressionResult result) {
        for (SiteResult s : result.sites()) {
            Linear linear = linears.get(s.weight().name());
            Factorization f = s.factorization();
            QuantizedMatrix base;
            LowRankWeight branch = null;
            org.lowrank4j.compress.InputScale scale;
            if (f instanceof Quantized q) {
                base = q.weight();
                scale = q.inputScale();
            } else if (f instanceof QuantizedLowRank qlr) {
                base = qlr.base();
                scale = qlr.inputScale();
                LowRank b = qlr.branch();
                branch = new LowRankWeight(new Parameter(linear.name() + ".qbranch.A", tensor(b.a())),
                        new Parameter(linear.name() + ".qbranch.B", tensor(b.b())));
            } else {
                throw new IllegalStateException(s.weight().name() + ": a quantizing method returned " + f.describe());
            }
            linear.setWeight(QuantizedWeight.of(linear.name(), base, branch, scale == null ? null : scale.toFloats(), Precision.FLOAT32));
        }
    }

    private static Tensor tensor(DoubleMatrix m) {
        Tensor t = Tensor.zeros(Precision.FLOAT32, m.rows(), m.cols());
        for (int i = 0; i < m.rows(); i++) {
            for (int j = 0; j < m.cols(); j++) {
                t.set(i * m.cols() + j, m.get(i, j));
            }
        }
        return t;
    }

    /**
     * Refuses, before any work, a folder that is already compressed, a group that does not divide a projection's inputs
     * and a non-finite weight, naming the tensor.
     */
    private static void requireQuantizable(QuantizedMethod m, Path model, Map<String, Linear> linears) {
        int group = m.storage().group();
        for (Linear linear : linears.values()) {
            if (linear.weight() instanceof LowRankWeight || linear.weight() instanceof QuantizedWeight) {
                throw new IllegalArgumentException("--model " + model + " is already a compressed model folder (" + linear.name() + " is stored "
                        + (linear.weight() instanceof LowRankWeight ? "as low-rank factors" : "quantized") + "); quantize the original dense model");
            }
            if (linear.inFeatures() % group != 0) {
                throw new IllegalArgumentException(m.name() + ": group=" + group + " does not divide the " + linear.inFeatures() + " inputs of "
                        + linear.name() + "; choose a group that divides every projection's inputs");
            }
            Tensor w = ((DenseWeight) linear.weight()).weight().value();
            for (int i = 0; i < w.size(); i++) {
                if (!Double.isFinite(w.get(i))) {
                    throw new IllegalArgumentException("--model " + model + ": tensor '" + linear.name() + ".weight' holds " + w.get(i) + " at ("
                            + i / linear.inFeatures() + ", " + i % linear.inFeatures() + "); weights must be finite to be quantized");
                }
            }
        }
    }

    /** The calibration text when the method reads statistics, else null (after checking the calibration options). */
    private static String calibrationText(CompressionRequest r, QuantizedMethod m) throws IOException {
        if (r.calibrationWindows() != null && r.calibrationWindows() < 1) {
            throw new IllegalArgumentException("--calib-windows must be at least 1, got " + r.calibrationWindows());
        }
        if (m.requirements().isEmpty()) {
            return null;
        }
        if (r.calibration() == null) {
            throw new IllegalArgumentException("--method " + m.name() + " reads calibration text: give --calib (a .txt file or a folder of them),"
                    + " or use --method rtn");
        }
        if ((r.calibrationFrom() != null || r.calibrationTo() != null) && !Files.isDirectory(r.calibration())) {
            throw new IllegalArgumentException("--calib-from and --calib-to select the YEAR_*.txt files of a --calib folder, but --calib "
                    + r.calibration() + " is not a folder");
        }
        return TextFolder.readText(r.calibration(), r.calibrationFrom(), r.calibrationTo(), "--calib");
    }

    private static void deleteTree(Path folder) throws IOException {
        if (!Files.exists(folder)) {
            return;
        }
        List<Path> paths;
        try (Stream<Path> walk = Files.walk(folder)) {
            paths = new ArrayList<>(walk.sorted(Comparator.reverseOrder()).toList());
        }
        for (Path p : paths) {
            Files.deleteIfExists(p);
        }
    }
}
