package org.lowrank4j.compress.check;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank4j.compress.eval.RealModels;
import org.lowrank4j.formats.onnx.LinearSite;
import org.lowrank4j.formats.onnx.OnnxModel;
import org.lowrank4j.formats.onnx.proto.Onnx.TensorProto.DataType;

/** Pairs of real encoders: which belong together (a compression of the original) and which do not. */
class ModelPairsTest {
    @TempDir
    static Path dir;
    private static ModelFingerprint miniLm, bge, factorised, otherEmbedding, otherBias;

    @BeforeAll
    static void models() throws IOException {
        miniLm = ModelFingerprint.of(RealModels.miniLmModel());
        bge = ModelFingerprint.of(RealModels.bgeModel());
        // one site replaced by a rank-2 pair, as compression writes it
        OnnxModel graph = OnnxModel.read(RealModels.miniLmModel());
        LinearSite site = graph.linearSites().get(0);
        graph.replaceWithLowRank(site, 2, new float[site.inFeatures() * 2], new float[2 * site.outFeatures()]);
        String bias = graph.initializerNames().stream().filter(n -> n.endsWith("query.bias")).findFirst().orElseThrow();
        graph.putInitializer(bias, graph.initializerShape(bias), new float[(int) graph.initializerShape(bias)[0]], DataType.FLOAT);
        Path file = dir.resolve("factorised.onnx");
        graph.write(file);
        factorised = ModelFingerprint.of(file);
        OnnxModel changed = OnnxModel.read(RealModels.miniLmModel());
        String table = "embeddings.position_embeddings.weight";
        float[] values = changed.initializerFloats(table);
        values[0] += 1;
        changed.putInitializer(table, changed.initializerShape(table), values, DataType.FLOAT);
        Path other = dir.resolve("other-embedding.onnx");
        changed.write(other);
        otherEmbedding = ModelFingerprint.of(other);
        otherBias = factorised; // the bias above changed: allowed
    }

    @Test
    void aCompressionOfTheOriginalPasses() {
        assertThatCode(() -> ModelPairs.requireDerived(miniLm, "--reference", factorised, "--candidate")).doesNotThrowAnyException();
        assertThatCode(() -> ModelPairs.requireDerived(miniLm, "--reference", miniLm, "--candidate")).doesNotThrowAnyException();
        assertThatCode(() -> ModelPairs.requireDerived(miniLm, "--original", otherBias, "--compressed")).doesNotThrowAnyException();
    }

    @Test
    void miniLmAndBgeAreRefusedWithTheReason() {
        assertThatThrownBy(() -> ModelPairs.requireDerived(miniLm, "--reference", bge, "--candidate"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("is not a compression of --reference")
                .hasMessageNotContaining("\n");
        assertThatThrownBy(() -> ModelPairs.requireDerived(bge, "--reference", miniLm, "--candidate"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("is not a compression of --reference");
    }

    @Test
    void aChangedEmbeddingTableIsAnotherModel() {
        assertThatThrownBy(() -> ModelPairs.requireDerived(miniLm, "--original", otherEmbedding, "--compressed"))
                .hasMessageContaining("embeddings.position_embeddings.weight").hasMessageContaining("holds other values");
    }

    @Test
    void anotherToolsFileIsCheckedOnlyForItsGraphInterface() {
        // a file another tool rewrote (here: a changed table) fails the derivation check but has the same inputs and outputs
        assertThatThrownBy(() -> ModelPairs.requireDerived(miniLm, "--reference", otherEmbedding, "--candidate"));
        assertThatCode(() -> ModelPairs.requireSameInterface(miniLm, "--reference", otherEmbedding, "--candidate")).doesNotThrowAnyException();
        ModelFingerprint renamed = new ModelFingerprint(miniLm.source(), miniLm.folder(), miniLm.inputs(), List.of("embeddings"),
                miniLm.tensors(), miniLm.siteWeights(), miniLm.embeddingRows(), miniLm.prunedTensors());
        assertThatThrownBy(() -> ModelPairs.requireSameInterface(miniLm, "--reference", renamed, "--candidate"))
                .hasMessageContaining("cannot be measured against --reference").hasMessageContaining("[embeddings]");
    }

    @Test
    void aCompressedTeacherIsRefused() {
        assertThatCode(() -> ModelPairs.requireDense(miniLm, "--original")).doesNotThrowAnyException();
        assertThatThrownBy(() -> ModelPairs.requireDense(factorised, "--original")).hasMessageContaining("already compressed")
                .hasMessageContaining(".lowrank_first");
    }

    @Test
    void theTokenizerMustFitTheEmbedding() {
        Path tokenizer = Path.of("tokenizer.json");
        assertThatCode(() -> ModelPairs.requireTokenizerFits(tokenizer, 30522, miniLm)).doesNotThrowAnyException();
        assertThatThrownBy(() -> ModelPairs.requireTokenizerFits(tokenizer, 256, miniLm)).hasMessageContaining("256 token ids")
                .hasMessageContaining("30522 rows");
        assertThatThrownBy(() -> ModelPairs.requireTokenizerFits(tokenizer, 40000, miniLm)).hasMessageContaining("does not match");
    }

    /** The quantized route's files: site weights and embedding tables replaced by packed codes ({@code NAME.quantized}). */
    @Test
    void aQuantizedCompressionPassesAndAMissingTableWithoutCodesDoesNot() {
        ModelFingerprint.Tensor table = new ModelFingerprint.Tensor("FLOAT", new long[] {30, 8}, "t");
        ModelFingerprint.Tensor weight = new ModelFingerprint.Tensor("FLOAT", new long[] {8, 8}, "w");
        ModelFingerprint.Tensor bytes = new ModelFingerprint.Tensor("UINT8", new long[] {8, 4}, "c");
        ModelFingerprint original = new ModelFingerprint(Path.of("a.onnx"), false, java.util.List.of("input_ids"), java.util.List.of("out"),
                java.util.Map.of("emb.weight", table, "w", weight), java.util.Set.of("w"), 30);
        ModelFingerprint quantized = new ModelFingerprint(Path.of("q.onnx"), false, java.util.List.of("input_ids"), java.util.List.of("out"),
                java.util.Map.of("emb.weight.quantized", bytes, "emb.weight.scales", table, "w.quantized", bytes), java.util.Set.of(), -1);
        assertThatCode(() -> ModelPairs.requireDerived(original, "--reference", quantized, "--candidate")).doesNotThrowAnyException();
        ModelFingerprint tableGone = new ModelFingerprint(Path.of("x.onnx"), false, java.util.List.of("input_ids"), java.util.List.of("out"),
                java.util.Map.of("w.quantized", bytes), java.util.Set.of(), -1);
        assertThatThrownBy(() -> ModelPairs.requireDerived(original, "--reference", tableGone, "--candidate"))
                .hasMessageContaining("it has no tensor emb.weight");
    }
}
