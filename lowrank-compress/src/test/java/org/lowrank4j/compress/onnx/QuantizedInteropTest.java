package org.lowrank4j.compress.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import dev.langchain4j.model.embedding.onnx.OnnxEmbeddingModel;
import dev.langchain4j.model.embedding.onnx.PoolingMode;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank4j.compress.CompressionOutcome;
import org.lowrank4j.compress.eval.EmbeddingMetrics;
import org.lowrank4j.compress.eval.EmbeddingRunner;
import org.lowrank4j.compress.eval.Pooling;
import org.lowrank4j.compress.eval.RealModels;
import org.lowrank4j.compress.route.Compression;
import org.lowrank4j.compress.route.CompressionRequest;
import org.lowrank4j.compress.Listener;
import org.lowrank4j.compress.tokenize.HfTokenizer;

/**
 * The quantized all-MiniLM-L6-v2 files {@code compress} writes (MatMulNBits sites, float branches, GatherBlockQuantized
 * tables) load in langchain4j's OnnxEmbeddingModel, which agrees with our ONNX Runtime runner on them and stays close to
 * the float model.
 */
class QuantizedInteropTest {
    private static final List<String> SENTENCES = List.of("The quantized model still answers.", "Congress shall assemble at least once in every year.");

    @Test
    void quantizedMiniLmLoadsInLangchain4j(@TempDir Path dir) throws Exception {
        // one method without calibration keeps this quick; branches and int4 tables load in langchain4j in QuantizedOnnxRuntimeTest
        for (String method : List.of("rtn:bits=4:group=32:embeddings=int8")) {
            Path out = dir.resolve(method.substring(0, 4) + ".onnx");
            CompressionOutcome o = Compression.run(CompressionRequest.builder().model(RealModels.miniLmModel()).tokenizer(RealModels.miniLmTokenizer())
                    .method(method).threads(2).out(out).build(), Listener.NONE).outcome();
            assertThat((double) o.bytesOut() / o.bytesIn()).as(method).isLessThan(0.22);

            OnnxEmbeddingModel langchain = new OnnxEmbeddingModel(out, RealModels.miniLmTokenizer(), PoolingMode.MEAN);
            float[] viaLangchain = langchain.embed(SENTENCES.get(0)).content().vector();
            try (HfTokenizer tokenizer = HfTokenizer.load(RealModels.miniLmTokenizer());
                 EmbeddingRunner runner = EmbeddingRunner.open(out);
                 EmbeddingRunner original = EmbeddingRunner.open(RealModels.miniLmModel())) {
                float[][] ours = runner.embed(tokenizer, SENTENCES, Pooling.MEAN, true);
                float[][] reference = original.embed(tokenizer, SENTENCES, Pooling.MEAN, true);
                assertThat(EmbeddingMetrics.cosine(ours[0], viaLangchain)).as(method).isGreaterThan(0.999);
                for (int i = 0; i < SENTENCES.size(); i++) {
                    assertThat(EmbeddingMetrics.cosine(ours[i], reference[i])).as(method).isGreaterThan(0.93); // 0.97 mean measured for rtn int4
                }
            }
        }
    }
}
