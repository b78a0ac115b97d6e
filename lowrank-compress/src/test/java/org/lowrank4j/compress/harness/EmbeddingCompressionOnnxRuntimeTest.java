package org.lowrank4j.compress.harness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.langchain4j.model.embedding.onnx.OnnxEmbeddingModel;
import dev.langchain4j.model.embedding.onnx.PoolingMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank4j.compress.CompressionOutcome;
import org.lowrank4j.compress.Listener;
import org.lowrank4j.compress.check.ModelPairs;
import org.lowrank4j.compress.embeddings.EmbeddingChange;
import org.lowrank4j.compress.eval.EmbeddingMetrics;
import org.lowrank4j.compress.eval.EmbeddingRunner;
import org.lowrank4j.compress.eval.Pooling;
import org.lowrank4j.compress.eval.RealModels;
import org.lowrank4j.compress.route.Compression;
import org.lowrank4j.compress.route.CompressionRequest;
import org.lowrank4j.compress.route.CompressionRun;
import org.lowrank4j.compress.text.TextCorpus;
import org.lowrank4j.compress.tokenize.HfTokenizer;
import org.lowrank4j.formats.onnx.OnnxModel;
import org.lowrank4j.formats.onnx.proto.Onnx.GraphProto;
import org.lowrank4j.formats.onnx.proto.Onnx.ModelProto;
import org.lowrank4j.formats.onnx.proto.Onnx.TensorProto.DataType;
import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.linalg.FloatMatrix;
import org.lowrank4j.linalg.Linalg;

/**
 * {@code compress --embeddings} on a tiny BERT encoder (MiniLM's vocabulary, 32 wide): the written graph runs in ONNX
 * Runtime as the same encoder holding the dense table {@code rows · expansion + offset} (gather-then-matmul), loads in
 * langchain4j, is counted in the whole model's parameters and bytes, combines with a linear method, and bad input is
 * one line.
 */
class EmbeddingCompressionOnnxRuntimeTest {
    private static final List<String> SENTENCES = List.of("The table is narrower now.", "Congress shall assemble at least once in every year.",
            "Low rank rows expand through one product.");
    private static final String WORD = "embeddings.word_embeddings.weight";
    @TempDir
    static Path dir;
    static Path model, calib;
    static HfTokenizer tokenizer;

    @BeforeAll
    static void setUp() throws Exception {
        model = TinyBertOnnx.write(TinyBertOnnx.random(11), dir.resolve("tiny-bert.onnx"));
        calib = Files.writeString(dir.resolve("calib.txt"), String.join("\n", TextCorpus.calibration().first(40)));
        tokenizer = HfTokenizer.load(RealModels.miniLmTokenizer());
    }

    @AfterAll
    static void tearDown() {
        tokenizer.close();
    }

    private static CompressionRequest.Builder request(String embeddings, String out) {
        return CompressionRequest.builder().model(model).tokenizer(RealModels.miniLmTokenizer()).calibration(calib).calibrationSequences(40)
                .embeddings(embeddings).threads(2).out(dir.resolve(out)).force(true);
    }

    @Test
    void lowRankTableRunsAsGatherThenMatMulAndLoadsInLangchain4j() throws Exception {
        for (String spec : List.of("afm:rank=8", "svd:rank=8", "afm:rank=12:weights=uniform")) {
            String name = spec.replace(':', '-').replace('=', '-');
            CompressionOutcome o = Compression.run(request(spec, name + ".onnx").build(), Listener.NONE).outcome();
            EmbeddingChange e = o.embeddings();
            assertThat(e.table()).isEqualTo(WORD);
            int rank = e.rank();
            long expected = 30522L * rank + (long) rank * 32 + (spec.startsWith("afm") ? 32 : 0);
            assertThat(e.parametersAfter()).as(spec).isEqualTo(expected);
            assertThat(o.modelParametersBefore() - o.modelParametersAfter()).as(spec + ": the whole model loses what the table loses")
                    .isEqualTo(e.parametersBefore() - e.parametersAfter());
            assertThat(o.bytesOut()).isEqualTo(Files.size(o.output())).isLessThan(o.bytesIn());

            double diff = maxDifference(o.output(), denseTwin(o.output(), dir.resolve("twin-" + name + ".onnx")));
            System.out.printf("%s: %d -> %d bytes, table error %.4f; ORT against gather-then-matmul as a dense table: max |diff| %.2e%n", spec,
                    o.bytesIn(), o.bytesOut(), e.tableError(), diff);
            assertThat(diff).as(spec).isLessThan(1e-4);
            ModelPairs.requireDerived(model, "--reference", o.output(), "--candidate"); // eval takes it as a compression of its input
            float[] viaLangchain = new OnnxEmbeddingModel(o.output(), RealModels.miniLmTokenizer(), PoolingMode.MEAN).embed(SENTENCES.get(0))
                    .content().vector();
            try (EmbeddingRunner runner = EmbeddingRunner.open(o.output())) {
                assertThat(EmbeddingMetrics.cosine(runner.embed(tokenizer, SENTENCES, Pooling.MEAN, true)[0], viaLangchain)).as(spec)
                        .isGreaterThan(0.9999);
            }
        }
    }

    @Test
    void withoutCalibTheVendoredMixCalibratesAndIsNamed() throws Exception {
        List<String> notes = new java.util.ArrayList<>();
        Listener listener = new Listener() {
            @Override
            public void update(String phase, long done, long total, String detail) {
            }

            @Override
            public void note(String message) {
                notes.add(message);
            }
        };
        CompressionOutcome withMix = Compression.run(request(null, "mix.onnx").calibration(null).calibrationSequences(24).method("whitened")
                .ratio(0.2).build(), listener).outcome();
        assertThat(notes).anyMatch(n -> n.startsWith("calibration text: 24 pieces of the vendored mix"));
        assertThat(withMix.calibrationTokens()).isPositive();
        // the same request on the given file calibrates on other text, so the factors differ
        CompressionOutcome withFile = Compression.run(request(null, "file.onnx").method("whitened").ratio(0.2).build(), Listener.NONE).outcome();
        assertThat(withFile.calibrationTokens()).isNotEqualTo(withMix.calibrationTokens());
    }

    @Test
    void combinesWithLinearMethodsAndCountsBothInTheRecord() throws Exception {
        CompressionRun run = Compression.run(request("afm:rank=8", "both.onnx").method("whitened").ratio(0.2).build(), Listener.NONE);
        CompressionOutcome o = run.outcome();
        EmbeddingChange e = o.embeddings();
        long linear = o.result().targetedParametersBefore() - o.result().targetedParametersAfter();
        long table = e.parametersBefore() - e.parametersAfter();
        assertThat(linear).isPositive();
        assertThat(o.modelParametersBefore() - o.modelParametersAfter()).isEqualTo(linear + table);
        assertThat(e.calibrationTokens()).isPositive();
        assertThat(e.rowsSeen()).isPositive().isLessThanOrEqualTo(30522);
        assertThat(e.calibrationError()).isLessThan(e.tableError()); // AFM fits the rows the text looks up, not the whole table
        JsonNode record = new ObjectMapper().readTree(run.record().toFile());
        assertThat(record.get("embeddings").get("parameters_after").asLong()).isEqualTo(e.parametersAfter());
        assertThat(record.get("parameters_model_after").asLong()).isEqualTo(o.modelParametersAfter());
        assertThat(record.get("ratio_whole_model").asDouble()).isEqualTo(o.modelRatio());
        assertThat(record.get("ratio_targeted_layers").asDouble()).isEqualTo(o.result().achievedRatio()); // the table is not a targeted layer
        assertThat(maxDifference(o.output(), denseTwin(o.output(), dir.resolve("twin-both.onnx")))).isLessThan(1e-4);
    }

    @Test
    void quantizingMethodsQuantizeTheNarrowTable() throws Exception {
        CompressionOutcome lowRank = Compression.run(request("afm:rank=16", "afm16.onnx").build(), Listener.NONE).outcome();
        CompressionOutcome both = Compression.run(request("afm:rank=16", "afm16-rtn.onnx").method("rtn:bits=8:group=16:embeddings=int8:egroup=16")
                .build(), Listener.NONE).outcome();
        OnnxModel written = OnnxModel.read(both.output());
        assertThat(written.hasInitializer(WORD + ".lowrank_rows.quantized")).as("the V×16 rows are GatherBlockQuantized codes").isTrue();
        assertThat(written.hasInitializer(WORD + ".lowrank_expansion")).isTrue();
        assertThat(both.bytesOut()).isLessThan(lowRank.bytesOut());
        ModelPairs.requireDerived(model, "--reference", both.output(), "--candidate");
        try (EmbeddingRunner a = EmbeddingRunner.open(lowRank.output()); EmbeddingRunner b = EmbeddingRunner.open(both.output())) {
            float[][] x = a.embed(tokenizer, SENTENCES, Pooling.MEAN, true), y = b.embed(tokenizer, SENTENCES, Pooling.MEAN, true);
            for (int i = 0; i < x.length; i++) {
                assertThat(EmbeddingMetrics.cosine(x[i], y[i])).isGreaterThan(0.99); // 8-bit codes on top of the same low-rank table
            }
        }
    }

    @Test
    void badInputIsOneClearLine() throws Exception {
        assertThatThrownBy(() -> Compression.run(request("afm:rank=32", "r1.onnx").build(), Listener.NONE))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("--embeddings afm:rank=32: the word-embedding table '" + WORD
                        + "' is 30522x32, so rank 32 removes nothing; give a rank below 32");
        assertThatThrownBy(() -> Compression.run(request("pca:rank=8", "r2.onnx").build(), Listener.NONE))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("--embeddings pca is not an embedding method; use one of afm, svd (as afm:rank=128)");
        assertThatThrownBy(() -> Compression.run(request("afm", "r3.onnx").build(), Listener.NONE))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("give the table's rank as afm:rank=R");
        assertThatThrownBy(() -> Compression.run(request("svd:rank=8:weights=uniform", "r4.onnx").build(), Listener.NONE))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("svd takes rank=R only");
        assertThatThrownBy(() -> Compression.run(request("afm:rank=8", "r5.onnx").tokenizer(null).build(), Listener.NONE))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("give --tokenizer");
        Path noIds = withoutTokenIds(dir.resolve("no-input-ids.onnx"));
        assertThatThrownBy(() -> Compression.run(request("svd:rank=8", "r6.onnx").model(noIds).build(), Listener.NONE))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("model " + noIds + " has no recognisable word-embedding Gather (a Gather on"
                        + " axis 0 of a 2-D float table, read by nothing else, indexed by the graph input input_ids); --embeddings compresses that table only");
        Path folder = Files.createDirectories(dir.resolve("decoder-folder"));
        assertThatThrownBy(() -> Compression.run(request("svd:rank=8", "decoder-out").model(folder).tokenizer(null).calibration(null).calibrationSequences(null)
                .method("svd").ratio(0.2).build(), Listener.NONE))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--embeddings applies to ONNX encoders");
        for (String name : List.of("r1.onnx", "r2.onnx", "r3.onnx", "r4.onnx", "r5.onnx", "r6.onnx")) {
            assertThat(dir.resolve(name)).doesNotExist();
        }
        for (Throwable t : List.of(catchError("afm:rank=32"), catchError("pca:rank=8"))) {
            assertThat(t.getMessage()).doesNotContain("\n");
        }
    }

    private static Throwable catchError(String spec) {
        try {
            Compression.run(request(spec, "x.onnx").build(), Listener.NONE);
            return new AssertionError("no error for " + spec);
        } catch (Exception e) {
            return e;
        }
    }

    /** The input encoder holding, as its word table, the dense {@code rows · expansion (+ offset)} read from the written model. */
    private static Path denseTwin(Path written, Path out) throws Exception {
        OnnxModel lowRank = OnnxModel.read(written);
        long[] dims = lowRank.initializerShape(WORD + ".lowrank_rows");
        int v = (int) dims[0], r = (int) dims[1];
        DoubleMatrix rows = FloatMatrix.wrap(lowRank.initializerFloats(WORD + ".lowrank_rows"), v, r).toDouble();
        DoubleMatrix expansion = FloatMatrix.wrap(lowRank.initializerFloats(WORD + ".lowrank_expansion"), r, 32).toDouble();
        DoubleMatrix table = Linalg.multiply(rows, expansion);
        if (lowRank.hasInitializer(WORD + ".lowrank_offset")) {
            float[] offset = lowRank.initializerFloats(WORD + ".lowrank_offset");
            for (int i = 0; i < v; i++) {
                for (int j = 0; j < 32; j++) {
                    table.set(i, j, table.get(i, j) + offset[j]);
                }
            }
        }
        // the written graph (with its factorised sites, if any) with the dense table put back in front of the same nodes
        OnnxModel twin = OnnxModel.read(written);
        twin.putInitializer(WORD, new long[] {v, 32}, table.toFloat().data(), DataType.FLOAT);
        for (int i = 0; i < twin.nodeCount(); i++) {
            var node = twin.node(i);
            if (node.getOpType().equals("Gather") && node.getInput(0).equals(WORD + ".lowrank_rows")) {
                String narrow = node.getOutput(0);
                int expand = -1;
                for (int k = 0; k < twin.nodeCount(); k++) {
                    if (twin.node(k).getInputCount() > 0 && twin.node(k).getInput(0).equals(narrow)) {
                        expand = k;
                    }
                }
                // the dense twin gathers the full row straight into the value the expansion (and offset) produced
                String produced = twin.node(expand).getOutput(0);
                int offsetAdd = -1;
                for (int k = 0; k < twin.nodeCount(); k++) {
                    if (twin.node(k).getOpType().equals("Add") && twin.node(k).getInputCount() == 2 && twin.node(k).getInput(0).equals(produced)
                            && twin.node(k).getInput(1).equals(WORD + ".lowrank_offset")) {
                        offsetAdd = k;
                    }
                }
                String target = offsetAdd >= 0 ? twin.node(offsetAdd).getOutput(0) : produced;
                if (offsetAdd >= 0) {
                    twin.removeNode(offsetAdd);
                }
                twin.removeNode(expand);
                twin.replaceNode(i, List.of(node.toBuilder().setInput(0, WORD).setOutput(0, target).build()));
                break;
            }
        }
        twin.write(out);
        return out;
    }

    /** The tiny encoder with its token-id input renamed, so no Gather is indexed by input_ids. */
    private static Path withoutTokenIds(Path out) throws Exception {
        ModelProto proto = ModelProto.parseFrom(Files.readAllBytes(model));
        GraphProto.Builder graph = proto.getGraph().toBuilder();
        for (int i = 0; i < graph.getInputCount(); i++) {
            if (graph.getInput(i).getName().equals("input_ids")) {
                graph.setInput(i, graph.getInput(i).toBuilder().setName("tokens"));
            }
        }
        for (int n = 0; n < graph.getNodeCount(); n++) {
            var node = graph.getNodeBuilder(n);
            for (int k = 0; k < node.getInputCount(); k++) {
                if (node.getInput(k).equals("input_ids")) {
                    node.setInput(k, "tokens");
                }
            }
        }
        Files.write(out, proto.toBuilder().setGraph(graph).build().toByteArray());
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
