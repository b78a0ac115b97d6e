package org.lowrank4j.compress.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import dev.langchain4j.model.embedding.onnx.OnnxEmbeddingModel;
import dev.langchain4j.model.embedding.onnx.PoolingMode;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank4j.compress.CompressionOutcome;
import org.lowrank4j.compress.Progress;
import org.lowrank4j.compress.eval.EmbeddingMetrics;
import org.lowrank4j.compress.eval.EmbeddingRunner;
import org.lowrank4j.compress.eval.Pooling;
import org.lowrank4j.compress.eval.RealModels;
import org.lowrank4j.compress.tokenize.HfTokenizer;

/**
 * What users of the compressed files run: ONNX Runtime directly and langchain4j's own OnnxEmbeddingModel, on both
 * real encoders (MiniLM with mean pooling, bge-small with CLS pooling).
 */
class RuntimeInteropTest {
    private static final List<String> SENTENCES = List.of("The low-rank model still answers.", "Congress shall assemble at least once in every year.");

    @Test
    void compressedMiniLmLoadsInLangchain4jAndOnnxRuntime(@TempDir Path dir) throws Exception {
        check(RealModels.miniLmModel(), RealModels.miniLmTokenizer(), PoolingMode.MEAN, Pooling.MEAN, dir.resolve("minilm-lr.onnx"), 36);
    }

    @Test
    void compressedBgeSmallLoadsInLangchain4jAndOnnxRuntime(@TempDir Path dir) throws Exception {
        check(RealModels.bgeModel(), RealModels.bgeTokenizer(), PoolingMode.CLS, Pooling.CLS, dir.resolve("bge-lr.onnx"), 72);
    }

    private static void check(Path model, Path tokenizerPath, PoolingMode lcPooling, Pooling pooling, Path out, int sites) throws Exception {
        OnnxCompression job = OnnxCompression.open(model);
        assertThat(job.sites()).hasSize(sites);
        CompressionOutcome o = job.compress("svd", "uniform", 0.1, out, Progress.NONE);
        assertThat(o.modelParametersAfter()).isLessThan(o.modelParametersBefore());

        OnnxEmbeddingModel langchain = new OnnxEmbeddingModel(out, tokenizerPath, lcPooling);
        float[] viaLangchain = langchain.embed(SENTENCES.get(0)).content().vector();
        assertThat(viaLangchain).hasSize(384);

        try (HfTokenizer tokenizer = HfTokenizer.load(tokenizerPath);
             EmbeddingRunner runner = EmbeddingRunner.open(out);
             EmbeddingRunner original = EmbeddingRunner.open(model)) {
            float[][] ours = runner.embed(tokenizer, SENTENCES, pooling, true);
            float[][] reference = original.embed(tokenizer, SENTENCES, pooling, true);
            // langchain4j and our runner agree on the compressed model, which stays well correlated with the original.
            assertThat(EmbeddingMetrics.cosine(ours[0], viaLangchain)).isGreaterThan(0.999);
            for (int i = 0; i < SENTENCES.size(); i++) {
                assertThat(EmbeddingMetrics.cosine(ours[i], reference[i])).isGreaterThan(0.5); // plain SVD at 10%: 0.65–0.77 measured
            }
        }
    }
}
