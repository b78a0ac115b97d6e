package org.lowrank4j.serve;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.OnnxEmbeddingModel;
import dev.langchain4j.model.embedding.onnx.PoolingMode;
import dev.langchain4j.model.embedding.onnx.allminilml6v2.AllMiniLmL6V2EmbeddingModel;
import dev.langchain4j.model.openai.OpenAiEmbeddingModel;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * langchain4j's OpenAI client, pointed at the server on MiniLM, gets the vectors langchain4j's own in-process models
 * compute on the same file; 32 clients at once all get theirs.
 */
class EmbeddingsServerTest {
    private static final List<String> TEXTS = List.of("The low-rank model still answers.", "Congress shall assemble at least once in every year.",
            "Call me Ishmael.", "naïve café — 1790, 42 %!", "short", "A considerably longer sentence about the state of the Union, the economy,"
                    + " the army and the navy, and the treaties of commerce with the nations of Europe.");

    private static ModelServer server;
    private static Path folder;

    @BeforeAll
    static void start() throws Exception {
        folder = TestModels.miniLmFolder();
        server = ModelServer.start(folder, ServeOptions.defaults().withPort(0).withThreads(2));
    }

    @AfterAll
    static void stop() {
        server.stop();
    }

    private static EmbeddingModel client() {
        return OpenAiEmbeddingModel.builder().baseUrl("http://127.0.0.1:" + server.port() + "/v1").apiKey("not-checked")
                .modelName(TestModels.MINILM).build();
    }

    @Test
    void openAiClientGetsTheVectorsOfLangchainsOwnModels() {
        List<TextSegment> segments = TEXTS.stream().map(TextSegment::from).toList();
        List<Embedding> served = client().embedAll(segments).content();
        List<Embedding> bundled = new AllMiniLmL6V2EmbeddingModel().embedAll(segments).content();
        List<Embedding> sameFile = new OnnxEmbeddingModel(folder.resolve("model.onnx"), folder.resolve("tokenizer.json"), PoolingMode.MEAN)
                .embedAll(segments).content();
        assertThat(served).hasSize(TEXTS.size());
        double worst = 0;
        for (int i = 0; i < TEXTS.size(); i++) {
            float[] v = served.get(i).vector();
            assertThat(v).hasSize(384);
            worst = Math.max(worst, Math.max(maxDiff(v, bundled.get(i).vector()), maxDiff(v, sameFile.get(i).vector())));
        }
        System.out.printf("served vs langchain4j in-process, max |difference| over %d texts: %.2e%n", TEXTS.size(), worst);
        assertThat(worst).isLessThan(1e-5);
    }

    @Test
    void thirtyTwoConcurrentClientsAllGetTheirOwnVectors() throws Exception {
        List<TextSegment> segments = TEXTS.stream().map(TextSegment::from).toList();
        List<Embedding> reference = new AllMiniLmL6V2EmbeddingModel().embedAll(segments).content();
        long before = server.metrics().requests(ModelServer.EMBEDDINGS, 200);
        ExecutorService pool = Executors.newFixedThreadPool(32);
        try {
            List<Future<Double>> results = new ArrayList<>();
            for (int c = 0; c < 32; c++) {
                int client = c;
                results.add(pool.submit(() -> {
                    EmbeddingModel model = client();
                    double worst = 0;
                    for (int r = 0; r < 3; r++) {
                        int i = (client + r) % TEXTS.size();
                        worst = Math.max(worst, maxDiff(model.embed(TEXTS.get(i)).content().vector(), reference.get(i).vector()));
                    }
                    return worst;
                }));
            }
            for (Future<Double> result : results) {
                assertThat(result.get(60, TimeUnit.SECONDS)).isLessThan(1e-5);
            }
        } finally {
            pool.shutdownNow();
        }
        // a request is counted when its exchange completes, which may be just after the client has read the answer
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (server.metrics().requests(ModelServer.EMBEDDINGS, 200) - before < 96 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        // at least: a request of an earlier test may be counted late, after `before` was read
        assertThat(server.metrics().requests(ModelServer.EMBEDDINGS, 200) - before).isGreaterThanOrEqualTo(96);
        assertThat(server.metrics().render()).contains("lowrank_embedding_batch_size_count").contains("lowrank_requests_total{route=\"/v1/embeddings\",status=\"200\"}");
    }

    @Test
    void base64AnswerHoldsTheSameFloats() throws Exception {
        ObjectMapper json = new ObjectMapper();
        JsonNode floats = json.readTree(Http.post(server.port(), "/v1/embeddings", "{\"input\":[\"Call me Ishmael.\"]}").body());
        HttpResponse<String> response = Http.post(server.port(), "/v1/embeddings", "{\"input\":\"Call me Ishmael.\",\"encoding_format\":\"base64\"}");
        assertThat(response.statusCode()).isEqualTo(200);
        byte[] bytes = Base64.getDecoder().decode(json.readTree(response.body()).at("/data/0/embedding").asText());
        float[] decoded = new float[bytes.length / 4];
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(decoded);
        assertThat(decoded).hasSize(384);
        for (int c = 0; c < decoded.length; c++) {
            assertThat(decoded[c]).isEqualTo(floats.at("/data/0/embedding/" + c).floatValue());
        }
        try (var tokenizer = org.lowrank4j.compress.tokenize.HfTokenizer.load(folder.resolve("tokenizer.json"))) {
            assertThat(floats.at("/usage/prompt_tokens").asInt()).isEqualTo(tokenizer.ids("Call me Ishmael.").length);
        }
        assertThat(floats.at("/model").asText()).isEqualTo(TestModels.MINILM);
    }

    @Test
    void anInputOverTheDefaultTokenLimitIsRefusedNotTruncated() throws Exception {
        // the limit is 512 tokens; the tokenizer used to cut every input at 512 (DJL's own cap), so none was ever over it
        HttpResponse<String> over = Http.post(server.port(), "/v1/embeddings", "{\"input\": [\"short\", \"" + "word ".repeat(600) + "\"]}");
        CompletionsServerTest.assertError(over, 400, "input_too_long");
        assertThat(over.body()).contains("input 1 has more than 512 tokens");
        HttpResponse<String> within = Http.post(server.port(), "/v1/embeddings", "{\"input\": \"" + "word ".repeat(500) + "\"}");
        assertThat(within.statusCode()).isEqualTo(200);
        assertThat(new ObjectMapper().readTree(within.body()).at("/usage/prompt_tokens").asInt()).isEqualTo(502);
    }

    @Test
    void aTokenLimitBeyondTheModelsPositionsIsRefusedAtStart() {
        // MiniLM has 512 positions: an input of 600 tokens would fail in ONNX Runtime with a 500, and every text batched with it
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ModelServer.start(folder,
                        ServeOptions.defaults().withPort(0).withThreads(2).withLimits(4, 600, 16, 1 << 20)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("--max-input-tokens 600 is more than " + folder.resolve("model.onnx") + " takes");
    }

    static double maxDiff(float[] a, float[] b) {
        assertThat(a).hasSameSizeAs(b);
        double worst = 0;
        for (int i = 0; i < a.length; i++) {
            worst = Math.max(worst, Math.abs(a[i] - b[i]));
        }
        return worst;
    }
}
