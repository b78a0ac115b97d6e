package org.lowrank4j.compress.harness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
import org.lowrank4j.compress.QuantizedLowRank;
import org.lowrank4j.compress.SiteResult;
import org.lowrank4j.compress.eval.EmbeddingMetrics;
import org.lowrank4j.compress.eval.EmbeddingRunner;
import org.lowrank4j.compress.eval.Pooling;
import org.lowrank4j.compress.eval.RealModels;
import org.lowrank4j.compress.methods.Methods;
import org.lowrank4j.compress.onnx.EmbeddingTables;
import org.lowrank4j.compress.route.Compression;
import org.lowrank4j.compress.route.CompressionRequest;
import org.lowrank4j.compress.Listener;
import org.lowrank4j.compress.text.TextCorpus;
import org.lowrank4j.compress.tokenize.HfTokenizer;
import org.lowrank4j.formats.onnx.LinearSite;
import org.lowrank4j.formats.onnx.LinearSites;
import org.lowrank4j.formats.onnx.OnnxModel;
import org.lowrank4j.formats.onnx.proto.Onnx.TensorProto.DataType;
import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.linalg.FloatMatrix;
import org.lowrank4j.linalg.quant.QuantizationFormat;
import org.lowrank4j.linalg.quant.RoundToNearest;

/**
 * Every quantized variant that {@code compress} writes, loaded in ONNX Runtime on a tiny BERT encoder and compared with
 * the same graph in float holding the JVM-side dequantized weights (base + branch) and tables: they must agree to float
 * rounding; langchain4j's OnnxEmbeddingModel loads each and agrees with ONNX Runtime. Also the byte budget and the refusals, each one line.
 */
class QuantizedOnnxRuntimeTest {
    private static final List<String> SENTENCES = List.of("The quantized model still answers.", "Congress shall assemble at least once in every year.",
            "Low rank absorbs what rounding loses.");
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
    void everyVariantRunsInOnnxRuntimeAsItsDequantizedWeights() throws Exception {
        String[] variants = {"rtn:bits=4:group=16:embeddings=int8:egroup=16", "rtn:bits=8:group=32:scheme=symmetric", "rtn:bits=2:group=16",
                "gptq:bits=4:group=32:embeddings=int4:egroup=16", "eora:bits=4:group=16:rank=4", "eora:base=rtn:bits=2:group=16:rank=8:embeddings=int8:egroup=32",
                "lq-lora:group=16:rank=4:embeddings=int4:egroup=32", "eora:bits=4:group=16:rank=16:branch=int8",
                "eora:base=rtn:bits=2:group=16:rank=16:branch=int4:embeddings=int8:egroup=32", "lq-lora:group=16:rank=16:branch=int8"};
        for (int i = 0; i < variants.length; i++) {
            CompressionOutcome o = Compression.run(request(variants[i], "q" + i + ".onnx").build(), Listener.NONE).outcome();
            Path fake = dequantizedTwin(o, Methods.quantizedByName(variants[i]).storage().embeddingFormat(), dir.resolve("fake" + i + ".onnx"));
            double diff = maxDifference(o.output(), fake);
            System.out.printf("%s: %d -> %d bytes, ORT against the dequantized float twin: max |diff| %.2e%n", variants[i], o.bytesIn(), o.bytesOut(), diff);
            assertThat(diff).as(variants[i]).isLessThan(2e-4);
            assertThat(o.bytesOut()).isLessThan(o.bytesIn());
            // eval's pair check takes every variant as a compression of its input (codes replacing sites and tables)
            org.lowrank4j.compress.check.ModelPairs.requireDerived(model, "--reference", o.output(), "--candidate");
            // langchain4j's OnnxEmbeddingModel runs the same file (the tiny encoder uses MiniLM's vocabulary)
            float[] viaLangchain = new OnnxEmbeddingModel(o.output(), RealModels.miniLmTokenizer(), PoolingMode.MEAN).embed(SENTENCES.get(0)).content().vector();
            try (EmbeddingRunner runner = EmbeddingRunner.open(o.output())) {
                assertThat(EmbeddingMetrics.cosine(runner.embed(tokenizer, SENTENCES, Pooling.MEAN, true)[0], viaLangchain)).as(variants[i]).isGreaterThan(0.9999);
            }
        }
    }

    @Test
    void targetSizeSpendsTheBytesLeftOnBranches() throws Exception {
        CompressionOutcome base = Compression.run(request("eora:bits=4:group=16:rank=0", "base.onnx").build(), Listener.NONE).outcome();
        long target = base.bytesOut() + 60_000;
        CompressionOutcome o = Compression.run(request("eora:bits=4:group=16", "budget.onnx").targetBytes(target).build(), Listener.NONE).outcome();
        long branchParameters = o.result().sites().stream().filter(s -> s.factorization() instanceof QuantizedLowRank)
                .mapToLong(s -> ((QuantizedLowRank) s.factorization()).branch().parameterCount()).sum();
        // most of the 60 kB goes into factors; the rest is names and node headers (about 1 kB per branch)
        assertThat(o.bytesOut()).isLessThanOrEqualTo(target).isGreaterThan(base.bytesOut() + 50_000);
        assertThat(branchParameters * 4).isGreaterThan(40_000).isLessThanOrEqualTo(60_000);
        assertThat(Files.size(o.output())).isEqualTo(o.bytesOut());
        long quantizedBytes = o.result().sites().stream().mapToLong(s -> s.factorization().bytes()).sum();
        assertThat(quantizedBytes).isLessThan(4 * o.result().targetedParametersBefore());

        assertThatThrownBy(() -> Compression.run(request("rtn:bits=8:group=32", "small.onnx").targetBytes(base.bytesOut() / 2).build(), Listener.NONE))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("above --target-size");
        assertThat(dir.resolve("small.onnx")).doesNotExist();
    }

    @Test
    void aBranchInCodesIsPricedInItsBytesAndWrittenAsMatMulNBits() throws Exception {
        CompressionOutcome base = Compression.run(request("eora:bits=4:group=16:rank=0", "base8.onnx").build(), Listener.NONE).outcome();
        long target = base.bytesOut() + 30_000;
        CompressionOutcome o = Compression.run(request("eora:bits=4:group=16:branch=int8", "budget8.onnx").targetBytes(target).build(), Listener.NONE)
                .outcome();
        assertThat(o.bytesOut()).isLessThanOrEqualTo(target);
        long codeBytes = 0, branchParameters = 0;
        for (SiteResult s : o.result().sites()) {
            if (s.factorization() instanceof QuantizedLowRank q) {
                assertThat(q.branchCodes()).as(s.weight().name()).isNotNull();
                assertThat(q.rank() % 16).as(s.weight().name() + " rank").isZero();
                assertThat(q.branchCodes().bytes()).isEqualTo(org.lowrank4j.compress.QuantizedBranch.bytes(s.weight().outFeatures(),
                        s.weight().inFeatures(), q.rank(), 8, 16));
                codeBytes += q.branchCodes().bytes();
                branchParameters += q.branch().parameterCount();
            }
        }
        // a byte in codes per factor value plus a scale per group of 16: more values than float32 factors could hold in all 30 kB
        assertThat(codeBytes).isGreaterThan(8_000).isLessThanOrEqualTo(30_000);
        assertThat(branchParameters).isGreaterThan(30_000 / 4).isGreaterThan(codeBytes * 3 / 4);
        OnnxModel written = OnnxModel.read(o.output());
        long branchProducts = written.nodes().stream().filter(n -> n.getOpType().equals("MatMulNBits") && n.getInput(1).contains(".branch_")).count();
        long branched = o.result().sites().stream().filter(s -> s.factorization() instanceof QuantizedLowRank).count();
        assertThat(branchProducts).isEqualTo(2 * branched);
        assertThat(written.nodes().stream().filter(n -> n.getOpType().equals("MatMul") && n.getInput(1).contains(".branch_"))).isEmpty();

        assertThatThrownBy(() -> Compression.run(request("eora:bits=4:group=16:rank=20:branch=int8", "b20.onnx").build(), Listener.NONE))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("eora:bits=4:group=16:rank=20:branch=int8: rank=20 with branch=int8 must be a multiple of 16 (MatMulNBits' "
                        + "blocks along the rank); use 16 or 32");
        assertThatThrownBy(() -> Compression.run(request("rtn:bits=4:group=16:branch=int8", "brtn.onnx").build(), Listener.NONE))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("this method has none (use eora, svdquant or lq-lora)");
        assertThat(dir.resolve("b20.onnx")).doesNotExist();
        assertThat(dir.resolve("brtn.onnx")).doesNotExist();
    }

    @Test
    void badInputIsOneClearLine() throws Exception {
        assertThatThrownBy(() -> Compression.run(request("rtn:bits=3:group=16", "b1.onnx").build(), Listener.NONE))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("rtn:bits=3:group=16: bits=3 cannot be written to ONNX (ONNX Runtime's"
                        + " MatMulNBits takes 2, 4 or 8 bits)");
        assertThatThrownBy(() -> Compression.run(request("rtn:bits=4:group=64", "b2.onnx").build(), Listener.NONE))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("group=64 does not divide the 32 inputs of");
        assertThatThrownBy(() -> Compression.run(request("rtn", "b3.onnx").ratio(0.5).build(), Listener.NONE))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--ratio").hasMessageContaining("--target-size");
        Path quantized = Compression.run(request("rtn:bits=4:group=16", "q.onnx").build(), Listener.NONE).outcome().output();
        assertThatThrownBy(() -> Compression.run(request("rtn:bits=4:group=16", "qq.onnx").model(quantized).build(), Listener.NONE))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("is already quantized (it has a MatMulNBits node)");
        assertThatThrownBy(() -> Compression.run(request("whitened", "qw.onnx").model(quantized).ratio(0.2).build(), Listener.NONE))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("already quantized");
        Path folder = Files.createDirectories(dir.resolve("decoder-folder"));
        // a folder goes to the quantized decoder route, which wants a decoder model folder
        assertThatThrownBy(() -> Compression.run(request("rtn", "decoder-q").model(folder).build(), Listener.NONE))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("has no config.json");
        for (String name : List.of("b1.onnx", "b2.onnx", "b3.onnx", "qq.onnx", "qw.onnx")) {
            assertThat(dir.resolve(name)).doesNotExist();
        }
    }

    /** The input graph in float, each site holding its factorization's dense weight and each table its dequantized rows. */
    private static Path dequantizedTwin(CompressionOutcome o, QuantizationFormat embeddings, Path out) throws Exception {
        OnnxModel twin = OnnxModel.read(model);
        Map<String, LinearSite> sites = new HashMap<>();
        LinearSites.find(twin).forEach(s -> sites.put(s.name(), s));
        for (SiteResult r : o.result().sites()) {
            LinearSite site = sites.get(r.weight().name());
            DoubleMatrix w = r.factorization().toDense(); // out×in
            DoubleMatrix stored = site.transposed() ? w : w.transpose().copy();
            twin.putInitializer(site.initializer(), twin.initializerShape(site.initializer()), stored.toFloat().data(), DataType.FLOAT);
        }
        if (embeddings != null) {
            for (String table : EmbeddingTables.find(twin)) {
                long[] dims = twin.initializerShape(table);
                FloatMatrix rows = FloatMatrix.wrap(twin.initializerFloats(table), (int) dims[0], (int) dims[1]);
                twin.putInitializer(table, dims, RoundToNearest.quantize(rows, embeddings).dequantize().data(), DataType.FLOAT);
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
