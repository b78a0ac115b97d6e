package org.lowrank4j.compress.prune;

import static org.assertj.core.api.Assertions.assertThat;

import dev.langchain4j.model.embedding.onnx.OnnxEmbeddingModel;
import dev.langchain4j.model.embedding.onnx.PoolingMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank4j.compress.check.ModelPairs;
import org.lowrank4j.compress.eval.EmbeddingMetrics;
import org.lowrank4j.compress.eval.EmbeddingRunner;
import org.lowrank4j.compress.eval.Pooling;
import org.lowrank4j.compress.eval.RealModels;
import org.lowrank4j.compress.onnx.OnnxCompression;
import org.lowrank4j.compress.route.Compression;
import org.lowrank4j.compress.route.CompressionRequest;
import org.lowrank4j.compress.route.CompressionRun;
import org.lowrank4j.compress.Listener;
import org.lowrank4j.compress.text.TextCorpus;
import org.lowrank4j.compress.tokenize.EncodedBatch;
import org.lowrank4j.compress.tokenize.HfTokenizer;
import org.lowrank4j.formats.onnx.EncoderBlocks;
import org.lowrank4j.formats.onnx.OnnxModel;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.arch.bert.BertConfig;
import org.lowrank4j.nn.arch.bert.BertModel;
import org.lowrank4j.nn.arch.bert.BertOnnx;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;

/**
 * Block pruning of the real encoders: the pruned graph computes what the original computes without those blocks (ONNX
 * Runtime on the original read at the kept block's output; the JVM runtime's BERT built from the kept blocks), loads in
 * langchain4j, and pairs with its original in {@code eval}.
 */
class EncoderBlockPruningTest {
    private static final List<String> SENTENCES = List.of("The low-rank model still answers.",
            "Congress shall assemble at least once in every year, and such meeting shall be on the first Monday in December.", "Whales.");
    private static HfTokenizer tokenizer;
    private static EncodedBatch batch;

    @BeforeAll
    static void open() {
        tokenizer = HfTokenizer.load(RealModels.miniLmTokenizer());
        batch = tokenizer.encode(SENTENCES);
    }

    @AfterAll
    static void close() {
        tokenizer.close();
    }

    @Test
    void miniLmHasSixBlocksWhoseBoundariesChain() throws Exception {
        List<EncoderBlocks.Block> blocks = EncoderBlocks.find(OnnxModel.read(RealModels.miniLmModel()), "minilm");
        assertThat(blocks).hasSize(6);
        for (int j = 0; j + 1 < blocks.size(); j++) {
            assertThat(blocks.get(j).output()).isEqualTo(blocks.get(j + 1).input());
        }
        assertThat(blocks.get(5).output()).isEqualTo("last_hidden_state");
        assertThat(blocks.get(0).linearParameters()).isEqualTo(4L * 384 * 384 + 2L * 384 * 1536);
    }

    @Test
    void removingTheLastBlocksEqualsTheOriginalGraphReadAtTheLastKeptBlock() throws Exception {
        OnnxModel original = OnnxModel.read(RealModels.miniLmModel());
        List<EncoderBlocks.Block> blocks = EncoderBlocks.find(original, "minilm");
        OnnxModel pruned = EncoderBlocks.withoutBlocks(original, blocks, List.of(4, 5));
        OnnxModel truncated = OnnxModel.of(original.toProto());
        String h4 = blocks.get(4).input();
        truncated.addGraphOutput(h4);
        float[] expected = run(truncated, h4), actual = run(pruned, "last_hidden_state");
        double max = maxDifference(expected, actual);
        System.out.printf("MiniLM without blocks 4-5 vs the original read at block 3's output: max abs diff %.2e%n", max);
        assertThat(max).isLessThan(1e-4);
        assertThat(OnnxCompression.countParameters(pruned)).isLessThanOrEqualTo(OnnxCompression.countParameters(original) - 2 * blocks.get(4).linearParameters());
    }

    @Test
    void removingMiddleBlocksEqualsTheRuntimeEncoderBuiltFromTheKeptBlocks() throws Exception {
        OnnxModel original = OnnxModel.read(RealModels.miniLmModel());
        List<EncoderBlocks.Block> blocks = EncoderBlocks.find(original, "minilm");
        List<Integer> kept = List.of(0, 1, 4, 5);
        OnnxModel pruned = EncoderBlocks.withoutBlocks(original, blocks, List.of(2, 3));
        BertModel full = BertOnnx.load(original, Precision.FLOAT32);
        BertConfig c = full.config();
        BertModel reference = BertModel.zeros(new BertConfig(c.vocabSize(), c.hiddenSize(), kept.size(), c.heads(), c.intermediateSize(),
                c.maxPositions(), c.typeVocabSize(), c.layerNormEps(), c.gelu()), Precision.FLOAT32);
        copy(full.embedding().parameters(), reference.embedding().parameters());
        copy(full.embeddingNorm().parameters(), reference.embeddingNorm().parameters());
        for (int i = 0; i < kept.size(); i++) {
            copy(full.blocks().get(kept.get(i)).parameters(), reference.blocks().get(i).parameters());
        }
        int b = batch.size(), t = batch.length();
        int[] ids = new int[b * t], mask = new int[b * t], types = new int[b * t];
        for (int i = 0; i < b; i++) {
            for (int j = 0; j < t; j++) {
                ids[i * t + j] = (int) batch.inputIds()[i][j];
                mask[i * t + j] = (int) batch.attentionMask()[i][j];
                types[i * t + j] = (int) batch.tokenTypeIds()[i][j];
            }
        }
        Tensor expected = reference.forward(ids, types, mask, b, t);
        float[] e = new float[expected.size()];
        for (int i = 0; i < e.length; i++) {
            e[i] = (float) expected.get(i);
        }
        float[] actual = run(pruned, "last_hidden_state");
        double max = 0;
        for (int r = 0; r < b * t; r++) {
            for (int k = 0; mask[r] == 1 && k < 384; k++) {
                max = Math.max(max, Math.abs(e[r * 384 + k] - actual[r * 384 + k]));
            }
        }
        System.out.printf("MiniLM without blocks 2-3 (ONNX Runtime) vs the JVM runtime's BERT of blocks 0,1,4,5: max abs diff %.2e%n", max);
        assertThat(max).isLessThan(1e-4);
    }

    @Test
    void prunedMiniLmAndBgeLoadInLangchain4jAndPairWithTheirOriginals(@TempDir Path dir) throws Exception {
        check(RealModels.miniLmModel(), RealModels.miniLmTokenizer(), PoolingMode.MEAN, Pooling.MEAN, "hierarchical-prune:blocks=1:order=position",
                dir.resolve("minilm-p1.onnx"), List.of(5));
        check(RealModels.bgeModel(), RealModels.bgeTokenizer(), PoolingMode.CLS, Pooling.CLS, "hierarchical-prune:keep=10:order=position",
                dir.resolve("bge-p2.onnx"), List.of(10, 11));
    }

    @Test
    void sensitivityOrderMeasuresEveryBlockAndRemovesTheLeastSensitiveUnprotectedOne(@TempDir Path dir) throws Exception {
        Path calib = Files.writeString(dir.resolve("calib.txt"), String.join("\n", TextCorpus.calibration().first(40)));
        Path out = dir.resolve("minilm-s1.onnx");
        CompressionRun run = Compression.run(CompressionRequest.builder().model(RealModels.miniLmModel()).tokenizer(RealModels.miniLmTokenizer())
                .calibration(calib).method("hierarchical-prune:blocks=1:probe=8").threads(2).out(out).build(), Listener.NONE);
        double[] s = (double[]) run.outcome().details().get("block_sensitivities");
        assertThat(s).hasSize(6);
        for (double v : s) {
            assertThat(v).isFinite().isGreaterThan(0);
        }
        int removed = ((List<?>) run.outcome().details().get("removed_blocks")).stream().mapToInt(o -> (Integer) o).findFirst().orElseThrow();
        assertThat(removed).isGreaterThanOrEqualTo(2); // the first ⌊6/3⌋ are protected
        for (int j = 2; j < 6; j++) {
            assertThat(s[removed]).isLessThanOrEqualTo(s[j]);
        }
        assertThat(Files.readString(run.record())).contains("\"removed_blocks\"").contains("\"block_sensitivities\"");
    }

    private static void check(Path model, Path tok, PoolingMode lc, Pooling pooling, String method, Path out, List<Integer> removed)
            throws Exception {
        CompressionRun run = Compression.run(CompressionRequest.builder().model(model).method(method).out(out).build(), Listener.NONE);
        assertThat(run.outcome().details().get("removed_blocks")).isEqualTo(removed);
        assertThat(run.outcome().modelParametersAfter()).isLessThan(run.outcome().modelParametersBefore());
        assertThat(run.outcome().bytesOut()).isLessThan(run.outcome().bytesIn());
        ModelPairs.requireDerived(model, "--reference", out, "--candidate"); // eval accepts the pair
        float[] viaLangchain = new OnnxEmbeddingModel(out, tok, lc).embed(SENTENCES.get(1)).content().vector();
        try (HfTokenizer t = HfTokenizer.load(tok); EmbeddingRunner runner = EmbeddingRunner.open(out)) {
            float[] ours = runner.embed(t, List.of(SENTENCES.get(1)), pooling, true)[0];
            System.out.printf("%s %s: langchain4j vs ONNX Runtime cosine %.6f%n", model.getFileName(), method,
                    EmbeddingMetrics.cosine(ours, viaLangchain));
            assertThat(EmbeddingMetrics.cosine(ours, viaLangchain)).isGreaterThan(0.9999);
        }
    }

    private static float[] run(OnnxModel model, String output) {
        try (EmbeddingRunner runner = EmbeddingRunner.open(model.toProto().toByteArray(), RealModels.miniLmModel(), new EmbeddingRunner.Options(1, 8))) {
            return runner.runOutputs(batch, Set.of(output)).get(output);
        }
    }

    private static double maxDifference(float[] a, float[] b) {
        assertThat(b).hasSameSizeAs(a);
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        return max;
    }

    private static void copy(List<Parameter> from, List<Parameter> to) {
        assertThat(to).hasSameSizeAs(from);
        for (int i = 0; i < from.size(); i++) {
            Tensor a = from.get(i).value(), b = to.get(i).value();
            assertThat(b.size()).as(from.get(i).name()).isEqualTo(a.size());
            for (int k = 0; k < a.size(); k++) {
                b.set(k, a.get(k));
            }
        }
    }
}
