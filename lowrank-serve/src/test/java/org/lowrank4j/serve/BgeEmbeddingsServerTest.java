package org.lowrank4j.serve;

import static org.assertj.core.api.Assertions.assertThat;

import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.OnnxEmbeddingModel;
import dev.langchain4j.model.embedding.onnx.PoolingMode;
import dev.langchain4j.model.embedding.onnx.bgesmallenv15.BgeSmallEnV15EmbeddingModel;
import dev.langchain4j.model.openai.OpenAiEmbeddingModel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The server on a second encoder, bge-small-en-v1.5 (CLS pooling, 33M parameters, written for by no other server test):
 * langchain4j's OpenAI client gets the vectors of langchain4j's own bge model, and 32 clients at once all get theirs.
 */
class BgeEmbeddingsServerTest {
    private static final List<String> TEXTS = List.of("Represent this sentence for searching relevant passages: whales",
            "The Congress shall have power to lay and collect taxes.", "It was the best of times, it was the worst of times.", "ok",
            "Une phrase en français, pour voir.");

    private static ModelServer server;
    private static Path folder;

    @BeforeAll
    static void start() throws Exception {
        folder = TestModels.bgeFolder();
        server = ModelServer.start(folder, ServeOptions.defaults().withPort(0).withThreads(2).withPooling("cls"));
    }

    @AfterAll
    static void stop() {
        server.stop();
    }

    private static EmbeddingModel client() {
        return OpenAiEmbeddingModel.builder().baseUrl("http://127.0.0.1:" + server.port() + "/v1").apiKey("not-checked")
                .modelName(TestModels.BGE).build();
    }

    @Test
    void servedVectorsAreLangchainsOwnAndThirtyTwoClientsGetTheirs() throws Exception {
        List<TextSegment> segments = TEXTS.stream().map(TextSegment::from).toList();
        List<Embedding> served = client().embedAll(segments).content();
        List<Embedding> bundled = new BgeSmallEnV15EmbeddingModel().embedAll(segments).content();
        List<Embedding> sameFile = new OnnxEmbeddingModel(folder.resolve("model.onnx"), folder.resolve("tokenizer.json"), PoolingMode.CLS)
                .embedAll(segments).content();
        double worst = 0;
        for (int i = 0; i < TEXTS.size(); i++) {
            float[] v = served.get(i).vector();
            assertThat(v).hasSize(384);
            worst = Math.max(worst, Math.max(maxDiff(v, bundled.get(i).vector()), maxDiff(v, sameFile.get(i).vector())));
        }
        System.out.printf("bge served vs langchain4j in-process, max |difference| over %d texts: %.2e%n", TEXTS.size(), worst);
        assertThat(worst).isLessThan(1e-5);

        ExecutorService pool = Executors.newFixedThreadPool(32);
        try {
            List<Future<Double>> results = new ArrayList<>();
            for (int c = 0; c < 32; c++) {
                int i = c % TEXTS.size();
                results.add(pool.submit(() -> maxDiff(client().embed(TEXTS.get(i)).content().vector(), bundled.get(i).vector())));
            }
            for (Future<Double> result : results) {
                assertThat(result.get(120, TimeUnit.SECONDS)).isLessThan(1e-5);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static double maxDiff(float[] a, float[] b) {
        double worst = 0;
        for (int i = 0; i < a.length; i++) {
            worst = Math.max(worst, Math.abs(a[i] - b[i]));
        }
        return worst;
    }
}
