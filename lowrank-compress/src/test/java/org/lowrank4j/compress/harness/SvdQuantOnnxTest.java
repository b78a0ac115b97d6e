package org.lowrank4j.compress.harness;

import static org.assertj.core.api.Assertions.assertThat;

import dev.langchain4j.model.embedding.onnx.OnnxEmbeddingModel;
import dev.langchain4j.model.embedding.onnx.PoolingMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank4j.compress.CompressionOutcome;
import org.lowrank4j.compress.Listener;
import org.lowrank4j.compress.Quantized;
import org.lowrank4j.compress.QuantizedLowRank;
import org.lowrank4j.compress.SiteResult;
import org.lowrank4j.compress.eval.EmbeddingMetrics;
import org.lowrank4j.compress.eval.EmbeddingRunner;
import org.lowrank4j.compress.eval.Pooling;
import org.lowrank4j.compress.eval.RealModels;
import org.lowrank4j.compress.route.Compression;
import org.lowrank4j.compress.route.CompressionRequest;
import org.lowrank4j.compress.text.TextCorpus;
import org.lowrank4j.compress.tokenize.HfTokenizer;
import org.lowrank4j.formats.onnx.LinearSite;
import org.lowrank4j.formats.onnx.LinearSites;
import org.lowrank4j.formats.onnx.OnnxModel;
import org.lowrank4j.formats.onnx.proto.Onnx.TensorProto.DataType;
import org.lowrank4j.linalg.DoubleMatrix;

/**
 * SVDQuant written to ONNX on a tiny BERT encoder: the smoothing's 1/λ as a Mul in front of each MatMulNBits, the branch
 * reading x; ONNX Runtime agrees with the same graph in float holding the JVM-side weights (dequant(Q)·diag(1/λ) + A·B)
 * to 1e-5, langchain4j's OnnxEmbeddingModel loads the file, and {@code --target-size} spends the bytes left on branches.
 */
class SvdQuantOnnxTest {
    private static final List<String> SENTENCES = List.of("The quantized model still answers.", "Congress shall assemble at least once in every year.",
            "Outliers move into the weights, and the branch takes them.");
    @TempDir
    static Path dir;
    static Path model, calib;
    static HfTokenizer tokenizer;

    @BeforeAll
    static void setUp() throws Exception {
        model = TinyBertOnnx.write(TinyBertOnnx.random(7), dir.resolve("tiny-bert.onnx"));
        calib = Files.writeString(dir.resolve("calib.txt"), String.join("\n", TextCorpus.calibration().first(40)));
        tokenizer = HfTokenizer.load(RealModels.miniLmTokenizer());
    }

    @AfterAll
    static void tearDown() {
        tokenizer.close();
    }

    private static CompressionRequest.Builder request(String method, String out) {
        return CompressionRequest.builder().model(model).tokenizer(RealModels.miniLmTokenizer()).calibration(calib).calibrationSequences(40)
                .method(method).threads(2).out(dir.resolve(out)).force(true);
    }

    @Test
    void onnxRuntimeRunsTheSmoothedFileAsItsJvmWeights() throws Exception {
        String[] variants = {"svdquant:bits=4:group=16:rank=4", "svdquant:bits=4:group=16:rank=0:embeddings=int8:egroup=16",
                "svdquant:bits=2:group=16:rank=4:rounding=gptq:iterations=3"};
        for (int i = 0; i < variants.length; i++) {
            CompressionOutcome o = Compression.run(request(variants[i], "s" + i + ".onnx").build(), Listener.NONE).outcome();
            long scaled = o.result().sites().stream().filter(s -> scaleOf(s) != null).count();
            OnnxModel written = OnnxModel.read(o.output());
            long muls = written.nodes().stream().filter(n -> n.getOpType().equals("Mul") && n.getName().endsWith("/input_scale")).count();
            assertThat(muls).as(variants[i]).isEqualTo(scaled);
            assertThat(scaled).as("the search smooths some sites of " + variants[i]).isPositive();
            Path twin = jvmTwin(o, variants[i].contains("embeddings=int8"), dir.resolve("twin" + i + ".onnx"));
            double diff = maxDifference(o.output(), twin);
            System.out.printf("%s: %d sites smoothed, %d -> %d bytes, ORT against the JVM twin: max |diff| %.2e%n", variants[i], scaled, o.bytesIn(),
                    o.bytesOut(), diff);
            assertThat(diff).as(variants[i]).isLessThan(1e-5);
            org.lowrank4j.compress.check.ModelPairs.requireDerived(model, "--reference", o.output(), "--candidate");
            float[] viaLangchain = new OnnxEmbeddingModel(o.output(), RealModels.miniLmTokenizer(), PoolingMode.MEAN).embed(SENTENCES.get(0)).content().vector();
            try (EmbeddingRunner runner = EmbeddingRunner.open(o.output())) {
                assertThat(EmbeddingMetrics.cosine(runner.embed(tokenizer, SENTENCES, Pooling.MEAN, true)[0], viaLangchain)).isGreaterThan(0.9999);
            }
        }
    }

    @Test
    void targetSizeSpendsTheBytesLeftOnBranches() throws Exception {
        CompressionOutcome base = Compression.run(request("svdquant:bits=4:group=16:rank=0", "base.onnx").build(), Listener.NONE).outcome();
        long target = base.bytesOut() + 60_000;
        CompressionOutcome o = Compression.run(request("svdquant:bits=4:group=16", "budget.onnx").targetBytes(target).build(), Listener.NONE).outcome();
        long branchParameters = o.result().sites().stream().filter(s -> s.factorization() instanceof QuantizedLowRank)
                .mapToLong(s -> ((QuantizedLowRank) s.factorization()).branch().parameterCount()).sum();
        assertThat(o.bytesOut()).isLessThanOrEqualTo(target).isGreaterThan(base.bytesOut() + 40_000);
        assertThat(branchParameters * 4).isGreaterThan(30_000).isLessThanOrEqualTo(60_000);
        assertThat(Files.size(o.output())).isEqualTo(o.bytesOut());
    }

    private static org.lowrank4j.compress.InputScale scaleOf(SiteResult s) {
        return s.factorization() instanceof Quantized q ? q.inputScale() : s.factorization() instanceof QuantizedLowRank q ? q.inputScale() : null;
    }

    /** The input graph in float, each site holding its factorization's dense weight (and int8 tables when asked). */
    private static Path jvmTwin(CompressionOutcome o, boolean int8Tables, Path out) throws Exception {
        OnnxModel twin = OnnxModel.read(model);
        Map<String, LinearSite> sites = new HashMap<>();
        LinearSites.find(twin).forEach(s -> sites.put(s.name(), s));
        for (SiteResult r : o.result().sites()) {
            LinearSite site = sites.get(r.weight().name());
            DoubleMatrix w = r.factorization().toDense(); // out×in: dequant(Q)·diag(s) + A·B
            DoubleMatrix stored = site.transposed() ? w : w.transpose().copy();
            twin.putInitializer(site.initializer(), twin.initializerShape(site.initializer()), stored.toFloat().data(), DataType.FLOAT);
        }
        if (int8Tables) {
            org.lowrank4j.linalg.quant.QuantizationFormat f = org.lowrank4j.linalg.quant.QuantizationFormat.asymmetric(8, 16);
            for (String table : org.lowrank4j.compress.onnx.EmbeddingTables.find(twin)) {
                long[] dims = twin.initializerShape(table);
                org.lowrank4j.linalg.FloatMatrix rows = org.lowrank4j.linalg.FloatMatrix.wrap(twin.initializerFloats(table), (int) dims[0], (int) dims[1]);
                twin.putInitializer(table, dims, org.lowrank4j.linalg.quant.RoundToNearest.quantize(rows, f).dequantize().data(), DataType.FLOAT);
            }
        }
        twin.write(out);
        return out;
    }

    private static double maxDifference(Path a, Path b) {
        try (EmbeddingRunner ra = EmbeddingRunner.open(a); EmbeddingRunner rb = EmbeddingRunner.open(b)) {
            float[][] x = ra.embed(tokenizer, SENTENCES, Pooling.MEAN, false), y = rb.embed(tokenizer, SENTENCES, Pooling.MEAN, false);
            double max = 0;
            for (int i = 0; i < x.length; i++) {
                for (int j = 0; j < x[i].length; j++) {
                    max = Math.max(max, Math.abs(x[i][j] - y[i][j]));
                }
            }
            return max;
        }
    }
}
