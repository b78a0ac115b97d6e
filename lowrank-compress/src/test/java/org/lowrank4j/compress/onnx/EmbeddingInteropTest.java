package org.lowrank4j.compress.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import dev.langchain4j.model.embedding.onnx.OnnxEmbeddingModel;
import dev.langchain4j.model.embedding.onnx.PoolingMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank4j.compress.CompressionOutcome;
import org.lowrank4j.compress.Listener;
import org.lowrank4j.compress.eval.EmbeddingMetrics;
import org.lowrank4j.compress.eval.EmbeddingRunner;
import org.lowrank4j.compress.eval.Pooling;
import org.lowrank4j.compress.eval.RealModels;
import org.lowrank4j.compress.route.Compression;
import org.lowrank4j.compress.route.CompressionRequest;
import org.lowrank4j.compress.text.TextCorpus;
import org.lowrank4j.compress.tokenize.HfTokenizer;

/**
 * The real encoders of the langchain4j jars on the test classpath with an AFM word-embedding table — MiniLM together
 * with whitened linear layers, bge-small alone — load in langchain4j's OnnxEmbeddingModel, which agrees with our ONNX
 * Runtime runner on them, and stay near the original.
 */
class EmbeddingInteropTest {
    private static final List<String> SENTENCES = List.of("The narrow table still answers.", "Congress shall assemble at least once in every year.",
            "We the people of the United States, in order to form a more perfect union.");

    @Test
    void afmTablesLoadInLangchain4j(@TempDir Path dir) throws Exception {
        Path calib = Files.writeString(dir.resolve("calib.txt"), String.join("\n", TextCorpus.calibration().first(64)));
        record Case(String name, Path model, Path tokenizer, Pooling pooling, PoolingMode mode, String method, Double ratio, double floor) {}
        // floors sit below what this test measured (printed) on these 64 calibration sentences
        List<Case> cases = List.of(
                new Case("minilm", RealModels.miniLmModel(), RealModels.miniLmTokenizer(), Pooling.MEAN, PoolingMode.MEAN, "whitened", 0.2, 0.75),
                new Case("bge", RealModels.bgeModel(), RealModels.bgeTokenizer(), Pooling.CLS, PoolingMode.CLS, "svd", null, 0.8));
        for (Case c : cases) {
            Path out = dir.resolve(c.name() + "-afm.onnx");
            CompressionOutcome o = Compression.run(CompressionRequest.builder().model(c.model()).tokenizer(c.tokenizer()).calibration(calib)
                    .calibrationSequences(64).method(c.method()).ratio(c.ratio()).embeddings("afm:rank=128").pooling(c.pooling()).threads(2).out(out)
                    .build(), Listener.NONE).outcome();
            assertThat(o.embeddings().rank()).isEqualTo(128);
            long tableBytesSaved = 4 * (o.embeddings().parametersBefore() - o.embeddings().parametersAfter());
            assertThat(o.bytesOut()).as("the file shrinks by the table's saving, at least").isLessThan(o.bytesIn() - tableBytesSaved + 10_000);

            float[] viaLangchain = new OnnxEmbeddingModel(out, c.tokenizer(), c.mode()).embed(SENTENCES.get(0)).content().vector();
            try (HfTokenizer tokenizer = HfTokenizer.load(c.tokenizer());
                 EmbeddingRunner runner = EmbeddingRunner.open(out);
                 EmbeddingRunner original = EmbeddingRunner.open(c.model())) {
                float[][] ours = runner.embed(tokenizer, SENTENCES, c.pooling(), true);
                float[][] reference = original.embed(tokenizer, SENTENCES, c.pooling(), true);
                assertThat(EmbeddingMetrics.cosine(ours[0], viaLangchain)).as(c.name()).isGreaterThan(0.999);
                for (int i = 0; i < SENTENCES.size(); i++) {
                    double cos = EmbeddingMetrics.cosine(ours[i], reference[i]);
                    System.out.printf("%s afm:rank=128 (%s): %d -> %d bytes, cosine to the original %.4f%n", c.name(), c.method(), o.bytesIn(),
                            o.bytesOut(), cos);
                    assertThat(cos).as(c.name()).isGreaterThan(c.floor());
                }
            }
        }
    }
}
