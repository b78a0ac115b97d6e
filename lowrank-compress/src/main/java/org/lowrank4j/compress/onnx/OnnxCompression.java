package org.lowrank4j.compress.onnx;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.lowrank4j.compress.CompressionOutcome;
import org.lowrank4j.compress.CompressionResult;
import org.lowrank4j.compress.Compressor;
import org.lowrank4j.compress.LayerStats;
import org.lowrank4j.compress.LinearWeight;
import org.lowrank4j.compress.Dictionary;
import org.lowrank4j.compress.LowRank;
import org.lowrank4j.compress.Quantized;
import org.lowrank4j.compress.QuantizedCompressor;
import org.lowrank4j.compress.methods.QuantizedMethod;
import org.lowrank4j.compress.methods.QuantizedSite;
import org.lowrank4j.compress.QuantizedLowRank;
import org.lowrank4j.compress.embeddings.EmbeddingCompression;
import org.lowrank4j.formats.onnx.LowRankBranch;
import org.lowrank4j.formats.onnx.QuantizedRewrite;
import org.lowrank4j.linalg.quant.QuantizationFormat;
import org.lowrank4j.linalg.quant.QuantizedMatrix;
import org.lowrank4j.compress.Progress;
import org.lowrank4j.compress.SiteResult;
import org.lowrank4j.compress.allocation.Allocators;
import org.lowrank4j.compress.allocation.RankAllocator;
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
    private final Map<String, List<QuantizedSite>> quantizedByMethod = new HashMap<>();
    private Map<String, LayerStats> stats = Map.of();
    private EmbeddingCompression embeddings;
    private double calibrationSeconds;

    private OnnxCompression(Path modelPath, OnnxModel model, List<LinearSite> sites) {
        this.modelPath = modelPath;
        this.sites = sites;
        for (LinearSite site : sites) {
            DoubleMatrix inOut = FloatMatrix.wrap(model.weight(site), site.inFeatures(), site.outFeatures()).toDouble();
            weights.add(new LinearWeight(site.name(), site.role().label(), site.block(), inOut.transpose().copy(), biasOf(model, site) != null));
        }
        this.modelParameters = countParameters(model);
    }

    /**
     * @throws IllegalArgumentException when the file is missing, not ONNX, or has no linear site of at least
     *                                  {@code minFeatures} inputs and outputs
     */
    public static OnnxCompression open(Path modelPath, int minFeatures) throws IOException {
        if (Files.isDirectory(modelPath)) { // e.g. a decoder folder given to a verb that reads ONNX files only
            throw new IllegalArgumentException("model file " + modelPath + " is a folder; give an .onnx file");
        }
        if (!Files.isRegularFile(modelPath)) {
            throw new IllegalArgumentException("model file " + modelPath + " does not exist");
        }
        OnnxModel model = OnnxModel.read(modelPath);
        requireFloatModel(modelPath, model);
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
        List<String> names = sites.stream().map(LinearSite::name).toList();
        Map<String, LayerStats> cached = cache == null ? null : cache.load(key, names);
        if (cached != null) {
            stats = cached;
            progress.update("calibrate (cached)", 1, 1, cache.fileFor(key).getFileName().toString());
        } else {
            stats = new OnnxCalibrator(batchSize, threads).calibrate(modelPath, OnnxModel.read(modelPath), sites, tokenizer, texts, progress);
            if (cache != null) {
                cache.save(key, stats);
            }
        }
        calibrationSeconds = (System.nanoTime() - t) / 1e9;
        preparedByMethod.clear();
        quantizedByMethod.clear();
        return this;
    }

    /**
     * Makes every model written from now on carry the word-embedding table as {@code embeddings} fitted it (null: the
     * table as it is).
     */
    public OnnxCompression withEmbeddings(EmbeddingCompression embeddings) {
        this.embeddings = embeddings;
        return this;
    }

    /** The embedding rewrite every written model carries, or null. */
    public EmbeddingCompression embeddings() {
        return embeddings;
    }

    /**
     * Writes the model with only the word-embedding table changed ({@link #withEmbeddings} must have been called): the
     * linear sites stay dense.
     */
    public CompressionOutcome writeEmbeddingsOnly(Path out, Progress progress) throws IOException {
        if (embeddings == null) {
            throw new IllegalStateException("no embedding rewrite to write");
        }
        long start = System.nanoTime();
        long targeted = targetedParameters();
        return write(new CompressionResult("none", "none", 0, List.of(), targeted, targeted), out, 0, 0, start, progress);
    }

    public Map<String, LayerStats> stats() {
        return stats;
    }

    /** Σ m·n over the compressible sites: the parameters a ratio is a fraction of. */
    public long targetedParameters() {
        return weights.stream().mapToLong(LinearWeight::denseParameters).sum();
    }

    /** Bytes per weight element in the file: 4 for float32 weights, 2 for float16. */
    public int bytesPerParameter() {
        return sites.get(0).dataType() == org.lowrank4j.formats.onnx.proto.Onnx.TensorProto.DataType.FLOAT ? 4 : 2;
    }

    /** Decomposes every site with the method (cached) and returns the prepared sites in site order. */
    public List<PreparedSite> prepare(CompressionMethod method, Progress progress) {
        if (method.requirements().contains(CompressionMethod.Requirement.GRADIENTS)) {
            throw new IllegalArgumentException("method " + method.name() + " needs gradients, which the ONNX path cannot compute; use the JVM runtime");
        }
        if (!method.requirements().isEmpty() && stats.isEmpty()) {
            throw new IllegalArgumentException("method " + method.name() + " needs calibration text and the model's tokenizer.json");
        }
        return preparedByMethod.computeIfAbsent(method.name(), k -> Compressor.prepareForBuild(method, weights, stats, progress));
    }

    /** Quantizes every site with a quantizing method (cached per method), in site order. */
    public List<QuantizedSite> prepareQuantized(QuantizedMethod method, Progress progress) {
        if (!method.requirements().isEmpty() && stats.isEmpty()) {
            throw new IllegalArgumentException("method " + method.name() + " needs calibration text and the model's tokenizer.json");
        }
        return quantizedByMethod.computeIfAbsent(method.name(), k -> QuantizedCompressor.prepare(method, weights, stats, progress));
    }

    /**
     * Writes the quantized sites of a method at the given branch ranks (zeros for methods without a branch), with the
     * method's embedding storage.
     *
     * @param allocation how the ranks were chosen, for the record
     */
    public CompressionOutcome writeQuantized(QuantizedMethod method, int[] ranks, String allocation, Path out, Progress progress) throws IOException {
        long start = System.nanoTime();
        List<QuantizedSite> sites = prepareQuantized(method, progress);
        long tokens = stats.isEmpty() ? 0 : stats.values().iterator().next().tokens();
        return write(QuantizedCompressor.build(method.name(), allocation, weights, sites, ranks, stats, method.storage()), method.storage().embeddingFormat(),
                method.storage().accuracy(), out, tokens,
                calibrationSeconds, start, progress);
    }

    /** Compresses with one method, allocator and ratio, and writes the rewritten model to {@code out}. */
    public CompressionOutcome compress(String methodName, String allocation, double ratio, Path out, Progress progress) throws IOException {
        return compress(methodName, Allocators.byName(allocation), ratio, out, progress);
    }

    /**
     * As {@link #compress(String, String, double, Path, Progress)} with an allocator object (for example a
     * {@link org.lowrank4j.compress.allocation.SensitivityAllocator} whose probe was built by the caller).
     */
    public CompressionOutcome compress(String methodName, RankAllocator allocator, double ratio, Path out, Progress progress) throws IOException {
        long start = System.nanoTime();
        requireDistinct(modelPath, out);
        CompressionMethod method = Methods.byName(methodName);
        Compressor compressor = new Compressor(method, allocator);
        CompressionResult result = compressor.build(weights, prepare(method, progress), ratio);
        long tokens = stats.isEmpty() ? 0 : stats.values().iterator().next().tokens();
        return write(result, out, tokens, calibrationSeconds, start, progress);
    }

    /**
     * Writes a result made elsewhere — for example on the JVM runtime's copy of this encoder (sequential methods,
     * basis sharing) — into a copy of this model, exactly as {@link #compress} writes its own: each factorised site
     * becomes {@code MatMul(x, <w>.lowrank_first)} then {@code MatMul(·, <w>.lowrank_second)}. The result's sites are
     * matched to this model's sites by name ({@code block 3 attention.query}) and shape; sites it does not name stay
     * as they are. Sites whose {@link LowRank} factors hold the <em>same</em> input-side factor object B (cross-layer
     * basis sharing) read one shared {@code .lowrank_first} initializer (the first such site's), so the file and
     * {@link CompressionOutcome#modelParametersAfter()} hold it once; ONNX Runtime runs several MatMuls on one initializer.
     *
     * @param calibrationTokens  tokens behind the statistics the result was fitted on (for the record)
     * @param calibrationSeconds seconds those statistics took
     * @param startNanos         {@link System#nanoTime()} when this row's compression began
     * @throws IllegalArgumentException when a site of the result is not in this model or has another shape
     */
    public CompressionOutcome write(CompressionResult result, Path out, long calibrationTokens, double calibrationSeconds, long startNanos, Progress progress)
            throws IOException {
        return write(result, null, 0, out, calibrationTokens, calibrationSeconds, startNanos, progress);
    }

    /**
     * As {@link #write(CompressionResult, Path, long, double, long, Progress)}, also writing quantized sites and
     * embedding tables: a {@link Quantized} site becomes {@code com.microsoft.MatMulNBits} (MatMulBnb4 for NF4), a
     * {@link QuantizedLowRank} site the same plus a branch (float, or two MatMulNBits in codes) added to its output ({@link LowRankBranch}:
     * {@code y = x·Ŵᵀ + (x·Bᵀ)·Aᵀ}), a site with an input scale s a {@code Mul(x, s)} in front of its quantized node
     * only ({@link org.lowrank4j.formats.onnx.InputScaling}), and with {@code embeddings} every embedding table becomes GatherBlockQuantized rows
     * ({@link EmbeddingTables}).
     *
     * @param embeddings    the tables' format, or null to keep them float
     * @param accuracyLevel MatMulNBits' accuracy_level (0: float activations; 4: int8 activations)
     */
    public CompressionOutcome write(CompressionResult result, QuantizationFormat embeddings, int accuracyLevel, Path out, long calibrationTokens,
                                    double calibrationSeconds,
                                    long startNanos, Progress progress) throws IOException {
        requireDistinct(modelPath, out);
        Map<String, LinearSite> byName = new HashMap<>();
        sites.forEach(s -> byName.put(s.name(), s));
        OnnxModel model = OnnxModel.read(modelPath);
        Map<org.lowrank4j.linalg.DoubleMatrix, String> sharedFirst = new java.util.IdentityHashMap<>();
        for (SiteResult r : result.sites()) {
            LinearSite site = byName.get(r.weight().name());
            if (site == null || site.inFeatures() != r.weight().inFeatures() || site.outFeatures() != r.weight().outFeatures()) {
                throw new IllegalArgumentException("the result's site '" + r.weight().name() + "' (" + r.weight().outFeatures() + "x"
                        + r.weight().inFeatures() + ") is not a site of " + modelPath + (site == null ? "" : " of that shape"));
            }
            if (r.factorization() instanceof Quantized q) {
                writeQuantized(model, site, q.weight(), accuracyLevel);
                scaleInput(model, site, q.inputScale());
                continue;
            }
            if (r.factorization() instanceof QuantizedLowRank q) {
                writeQuantized(model, site, q.base(), accuracyLevel);
                scaleInput(model, site, q.inputScale()); // before the branch, which reads x unscaled
                if (q.branchCodes() != null) {
                    LowRankBranch.addQuantized(model, site, q.branchCodes().first(), q.branchCodes().second());
                } else {
                    LowRankBranch.add(model, site, q.rank(), q.branch().b().transpose().toFloat().data(), q.branch().a().transpose().toFloat().data());
                }
                continue;
            }
            if (r.factorization() instanceof Dictionary d) {
                // x·Wᵀ ≈ (x·D)·C: first = D (in×k), shared by a group; second = the codes C (k×out), stored dense here
                model.replaceWithLowRank(site, d.atoms(), d.dictionary().toFloat().data(), d.codes().toDense().toFloat().data());
                shareFirst(model, site, d.dictionary(), sharedFirst);
                continue;
            }
            if (!(r.factorization() instanceof LowRank f)) {
                continue;
            }
            if (f.biasShift() != null) {
                shiftBias(model, site, f.biasShift());
            }
            // W (out×in) ≈ A·B, so x·Wᵀ ≈ (x·Bᵀ)·Aᵀ: first = Bᵀ (in×r), second = Aᵀ (r×out).
            model.replaceWithLowRank(site, f.rank(), f.b().transpose().toFloat().data(), f.a().transpose().toFloat().data());
            shareFirst(model, site, f.b(), sharedFirst);
        }
        if (this.embeddings != null) {
            this.embeddings.apply(model);
        }
        if (embeddings != null) {
            EmbeddingTables.quantize(model, embeddings);
        }
        progress.update("write", 0, 1, out.getFileName().toString());
        model.write(out);
        progress.update("write", 1, 1, out.getFileName().toString());
        return new CompressionOutcome(result, modelPath, out, Files.size(modelPath), Files.size(out), modelParameters, countParameters(model), calibrationTokens,
                calibrationSeconds, (System.nanoTime() - startNanos) / 1e9, this.embeddings == null ? null : this.embeddings.change());
    }

    /** A Mul by the input scale (SVDQuant's 1/λ) in front of the site's quantized node; nothing without a scale. */
    private static void scaleInput(OnnxModel model, LinearSite site, org.lowrank4j.compress.InputScale scale) {
        if (scale != null) {
            org.lowrank4j.formats.onnx.InputScaling.add(model, site, scale.toFloats());
        }
    }

    /** MatMulNBits for uniform codes, MatMulBnb4 for NF4. */
    private static void writeQuantized(OnnxModel model, LinearSite site, QuantizedMatrix weight, int accuracyLevel) {
        if (weight.format().kind() == QuantizationFormat.Kind.NORMAL_FLOAT) {
            QuantizedRewrite.toMatMulBnb4(model, site, weight);
        } else {
            QuantizedRewrite.toMatMulNBits(model, site, weight, accuracyLevel);
        }
    }

    /** Operators that only a quantized model holds. */
    private static final java.util.Set<String> QUANTIZED_OPERATORS = java.util.Set.of("MatMulNBits", "MatMulBnb4", "GatherBlockQuantized",
            "DequantizeLinear", "MatMulInteger", "DynamicQuantizeLinear", "QLinearMatMul", "DynamicQuantizeMatMul");

    /** Refuses a model that is already quantized: its quantized weights are not sites, and quantizing twice compounds the error. */
    static void requireFloatModel(Path modelPath, OnnxModel model) {
        for (org.lowrank4j.formats.onnx.proto.Onnx.NodeProto node : model.nodes()) {
            if (QUANTIZED_OPERATORS.contains(node.getOpType())) {
                throw new IllegalArgumentException("model " + modelPath + " is already quantized (it has a " + node.getOpType()
                        + " node); give the float model");
            }
        }
    }

    /**
     * The initializer holding a site's bias: a Gemm's C, or the 1-D operand (of the site's output width) of the Add
     * that consumes a MatMul's output; null when the site has none.
     */
    static String biasOf(OnnxModel model, LinearSite site) {
        if (site.hasBias()) {
            int producer = model.producerIndex(site.nodeOutput());
            return producer < 0 ? null : model.node(producer).getInput(2);
        }
        for (org.lowrank4j.formats.onnx.proto.Onnx.NodeProto node : model.nodes()) {
            if (!node.getOpType().equals("Add") || node.getInputCount() != 2) {
                continue;
            }
            String other = node.getInput(0).equals(site.nodeOutput()) ? node.getInput(1)
                    : node.getInput(1).equals(site.nodeOutput()) ? node.getInput(0) : null;
            if (other != null && model.hasInitializer(other)) {
                long[] shape = model.initializerShape(other);
                if (shape.length == 1 && shape[0] == site.outFeatures()) {
                    return other;
                }
            }
        }
        return null;
    }

    /** Adds {@code shift} to the site's bias initializer (a mean correction, see {@link LowRank#biasShift()}). */
    private static void shiftBias(OnnxModel model, LinearSite site, double[] shift) {
        String bias = biasOf(model, site);
        if (bias == null) {
            throw new IllegalArgumentException(site.name() + " has no bias initializer to carry the factors' bias shift");
        }
        long uses = model.nodes().stream().flatMap(n -> n.getInputList().stream()).filter(bias::equals).count();
        if (uses != 1) {
            throw new IllegalArgumentException(site.name() + ": its bias " + bias + " is read by " + uses + " nodes; a shift for one site"
                    + " would change the others");
        }
        float[] values = model.initializerFloats(bias);
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) (values[i] + shift[i]);
        }
        model.putInitializer(bias, model.initializerShape(bias), values,
                org.lowrank4j.formats.onnx.proto.Onnx.TensorProto.DataType.forNumber(model.initializerType(bias)));
    }

    /** The index of the first product (x·first) of a rewritten site. */
    private static int firstProduct(OnnxModel model, LinearSite site) {
        int second = model.producerIndex(site.nodeOutput());
        int first = second < 0 ? -1 : model.producerIndex(model.node(second).getInput(0));
        if (first < 0 || !model.node(first).getOpType().equals("MatMul")) {
            throw new IllegalStateException(site.name() + ": no first low-rank product found after the rewrite");
        }
        return first;
    }

    /** The first site of a shared factor keeps its initializer; later sites point at it. */
    private static void shareFirst(OnnxModel model, LinearSite site, org.lowrank4j.linalg.DoubleMatrix factor,
                                   Map<org.lowrank4j.linalg.DoubleMatrix, String> sharedFirst) {
        String shared = sharedFirst.get(factor);
        if (shared == null) {
            sharedFirst.put(factor, firstFactorOf(model, site));
        } else {
            useSharedFirst(model, site, shared);
        }
    }

    private static String firstFactorOf(OnnxModel model, LinearSite site) {
        return model.node(firstProduct(model, site)).getInput(1);
    }

    /** Points the site's first product at the shared initializer and drops the copy the rewrite made. */
    private static void useSharedFirst(OnnxModel model, LinearSite site, String shared) {
        int index = firstProduct(model, site);
        org.lowrank4j.formats.onnx.proto.Onnx.NodeProto node = model.node(index);
        String own = node.getInput(1);
        if (!Arrays.equals(model.initializerShape(own), model.initializerShape(shared))) {
            throw new IllegalStateException(site.name() + ": shared factor " + shared + " has another shape than " + own);
        }
        model.replaceNode(index, List.of(node.toBuilder().setInput(1, shared).build()));
        if (!model.isValueUsed(own)) {
            model.removeInitializer(own);
        }
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
