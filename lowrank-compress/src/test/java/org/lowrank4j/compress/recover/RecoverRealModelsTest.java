package org.lowrank4j.compress.recover;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.langchain4j.model.embedding.onnx.OnnxEmbeddingModel;
import dev.langchain4j.model.embedding.onnx.PoolingMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank4j.compress.Progress;
import org.lowrank4j.compress.eval.EmbeddingMetrics;
import org.lowrank4j.compress.eval.EmbeddingRunner;
import org.lowrank4j.compress.eval.Pooling;
import org.lowrank4j.compress.eval.RealModels;
import org.lowrank4j.compress.onnx.OnnxCompression;
import org.lowrank4j.compress.text.TextCorpus;
import org.lowrank4j.compress.tokenize.HfTokenizer;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.arch.bert.BertModel;
import org.lowrank4j.nn.arch.bert.BertOnnx;
import org.lowrank4j.nn.layers.LayerNorm;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.tensor.FloatTensor;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.weight.LowRankWeight;

/**
 * Recovery on the real encoders compressed hard with plain SVD: on all-MiniLM-L6-v2 a few steps help and the written model
 * holds the trained values and loads in ONNX Runtime and langchain4j; bge-small-en-v1.5 (CLS pooling, 12 blocks) goes
 * through the same path unchanged.
 */
class RecoverRealModelsTest {
    @TempDir
    static Path dir;
    private static Path compressed;
    private static HfTokenizer tokenizer;
    private static OnnxRecovery.Models models;

    @BeforeAll
    static void compressAndLoad() throws Exception {
        tokenizer = HfTokenizer.load(RealModels.miniLmTokenizer(), 32);
        compressed = dir.resolve("minilm-svd50.onnx");
        OnnxCompression.open(RealModels.miniLmModel()).compress("svd", "uniform", 0.5, compressed, Progress.NONE);
        models = OnnxRecovery.load(RealModels.miniLmModel(), compressed, Precision.FLOAT32);
    }

    @AfterAll
    static void close() {
        tokenizer.close();
    }

    @Test
    void aFewStepsLowerTheHeldOutLossAndTheWrittenModelHoldsTheTrainedValues() throws Exception {
        DistillOptions options = DistillOptions.builder().steps(5).batchSize(4).learningRate(3e-4).warmupFraction(0).trainNorms(true).build();
        Distiller distiller = Distiller.encoder(models.teacher(), models.student(), options);
        assertThat(distiller.factorPairs()).hasSize(36);
        TokenBatch heldOut = TokenBatch.of(tokenizer.encode(TextCorpus.heldOut().first(4)));
        double before = distiller.loss(heldOut).total();
        SentenceBatches batches = new SentenceBatches(TextCorpus.calibration().first(20), tokenizer, 4, 7);
        RecoveryResult result = distiller.run(batches, Progress.NONE);
        double after = distiller.loss(heldOut).total();
        System.out.printf("MiniLM svd 0.5, 5 steps of 4 sentences in %.1f s: held-out loss %.4f -> %.4f (train %.4f -> %.4f)%n",
                result.seconds(), before, after, result.initialLoss(), result.finalLoss());
        assertThat(after).isLessThan(before);

        Path out = dir.resolve("recovered.onnx");
        OnnxRecovery.write(models, distiller.trainableParameters(), out);
        BertModel reloaded = BertOnnx.load(out, Precision.FLOAT32);
        for (int l = 0; l < 6; l++) {
            List<Linear> expected = models.student().linears(l), actual = reloaded.linears(l);
            for (int i = 0; i < expected.size(); i++) {
                LowRankWeight e = (LowRankWeight) expected.get(i).weight(), a = (LowRankWeight) actual.get(i).weight();
                assertThat(values(a.left())).as(expected.get(i).name()).isEqualTo(values(e.left()));
                assertThat(values(a.right())).as(expected.get(i).name()).isEqualTo(values(e.right()));
            }
            LayerNorm en = (LayerNorm) models.student().blocks().get(l).mlpNorm(), an = (LayerNorm) reloaded.blocks().get(l).mlpNorm();
            assertThat(values(an.weight())).isEqualTo(values(en.weight()));
            assertThat(values(an.bias())).isEqualTo(values(en.bias()));
        }
        // ONNX Runtime runs the written graph and agrees with the trained student
        List<String> sentences = TextCorpus.heldOut().first(3);
        TokenBatch b = TokenBatch.of(tokenizer.encode(sentences));
        float[] hidden = ((FloatTensor) models.student().forward(b.ids(), b.types(), b.mask(), b.batch(), b.time())).data();
        float[][] jvm = Pooling.MEAN.pool(hidden, b.batch(), b.time(), 384, tokenizer.encode(sentences).attentionMask());
        try (EmbeddingRunner runner = EmbeddingRunner.open(out)) {
            float[][] ort = runner.embed(tokenizer, sentences, Pooling.MEAN, false);
            for (int i = 0; i < sentences.size(); i++) {
                assertThat(EmbeddingMetrics.cosine(jvm[i], ort[i])).isGreaterThan(0.99999);
            }
        }
        float[] viaLangchain = new OnnxEmbeddingModel(out, RealModels.miniLmTokenizer(), PoolingMode.MEAN).embed(sentences.get(0))
                .content().vector();
        assertThat(EmbeddingMetrics.cosine(jvm[0], viaLangchain)).isGreaterThan(0.9999);
    }

    @Test
    void bgeRecoversThroughTheSamePath() throws Exception {
        Path bgeCompressed = dir.resolve("bge-svd50.onnx");
        OnnxCompression.open(RealModels.bgeModel()).compress("svd", "uniform", 0.5, bgeCompressed, Progress.NONE);
        OnnxRecovery.Models bge = OnnxRecovery.load(RealModels.bgeModel(), bgeCompressed, Precision.FLOAT32);
        try (HfTokenizer bgeTokenizer = HfTokenizer.load(RealModels.bgeTokenizer(), 24)) {
            Distiller d = Distiller.encoder(bge.teacher(), bge.student(),
                    DistillOptions.builder().steps(2).batchSize(2).pooling(Pooling.CLS).warmupFraction(0).build());
            assertThat(d.factorPairs()).hasSize(72);
            RecoveryResult r = d.run(new SentenceBatches(TextCorpus.calibration().first(4), bgeTokenizer, 2, 1), Progress.NONE);
            assertThat(r.finished()).isTrue();
            Path out = dir.resolve("bge-recovered.onnx");
            OnnxRecovery.write(bge, d.trainableParameters(), out);
            try (EmbeddingRunner runner = EmbeddingRunner.open(out)) {
                float[][] e = runner.embed(bgeTokenizer, TextCorpus.heldOut().first(2), Pooling.CLS, true);
                assertThat(e[0]).hasSize(384);
            }
        }
    }

    @Test
    void refusesAModelThatWasNotCompressedAndWritingOverAnInput() throws Exception {
        Path copy = dir.resolve("plain.onnx");
        Files.copy(RealModels.miniLmModel(), copy, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        assertThatThrownBy(() -> OnnxRecovery.load(RealModels.miniLmModel(), copy, Precision.FLOAT32))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(copy + " was not compressed by lowrank4j: it has no .lowrank_first/.lowrank_second factors and no low-rank branch");
        assertThatThrownBy(() -> OnnxRecovery.load(compressed, compressed, Precision.FLOAT32))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("are the same file");
        assertThatThrownBy(() -> OnnxRecovery.write(models, List.of(), compressed))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("is an input model");
    }

    private static float[] values(Parameter p) {
        return DistillRunTest.values(p);
    }
}
