package org.lowrank4j.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.lowrank4j.serve.CompletionsServerTest.assertError;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Every user mistake on the encoder server is a 4xx with an OpenAI-style JSON body, never a 500 or a dropped connection. */
class RequestErrorsTest {
    private static ModelServer server;

    @BeforeAll
    static void start() throws Exception {
        server = ModelServer.start(TestModels.miniLmFolder(), ServeOptions.defaults().withPort(0).withThreads(2).withLimits(4, 16, 64, 4096));
    }

    @AfterAll
    static void stop() {
        server.stop();
    }

    private static HttpResponse<String> embed(String body) throws Exception {
        return Http.post(server.port(), "/v1/embeddings", body);
    }

    @Test
    void malformedBodies() throws Exception {
        assertError(embed("{\"input\": \"unterminated"), 400, "invalid_json");
        assertError(embed("{\"input\": \"a\"} trailing"), 400, "invalid_json");
        assertError(embed(""), 400, "invalid_json");
        assertError(embed("[\"a\"]"), 400, "invalid_json");
        assertError(embed("{\"input\": 42}"), 400, "invalid_input");
        assertError(embed("{\"input\": [1, 2, 3]}"), 400, "invalid_input");
        assertError(embed("{\"input\": []}"), 400, "invalid_input");
        assertError(embed("{\"model\": 3, \"input\": \"a\"}"), 400, "invalid_type");
        assertError(embed("{\"input\": \"a\", \"encoding_format\": \"int8\"}"), 400, "invalid_value");
        assertError(embed("{\"input\": \"a\", \"dimensions\": 128}"), 400, "invalid_value");
    }

    @Test
    void missingInputAndUnknownModel() throws Exception {
        assertError(embed("{\"model\": \"all-minilm-l6-v2\"}"), 400, "missing_input");
        assertError(embed("{\"model\": \"text-embedding-3-small\", \"input\": \"a\"}"), 404, "model_not_found");
        assertThat(embed("{\"model\": \"all-minilm-l6-v2\", \"input\": \"a\"}").statusCode()).isEqualTo(200);
        assertThat(embed("{\"input\": \"no model field\"}").statusCode()).isEqualTo(200);
    }

    @Test
    void oversizedInputs() throws Exception {
        assertError(embed("{\"input\": \"" + "word ".repeat(30) + "\"}"), 400, "input_too_long");
        assertError(embed("{\"input\": [\"a\", \"b\", \"c\", \"d\", \"e\"]}"), 400, "too_many_inputs");
        assertError(embed("{\"input\": \"" + "x".repeat(10_000) + "\"}"), 413, "body_too_large");
        // far beyond the limit (50 times it; the server once stopped reading at eight times and then closed with bytes
        // unread, which reset the connection now and then under load): still an answer, not a reset, every time
        for (int i = 0; i < 20; i++) {
            assertError(embed("{\"input\": \"" + "x".repeat(200_000) + "\"}"), 413, "body_too_large");
        }
        assertThat(embed("{\"input\": [\"a\", \"b\", \"c\", \"d\"]}").statusCode()).isEqualTo(200);
    }

    @Test
    void wrongRoutesAndMethods() throws Exception {
        assertError(Http.post(server.port(), "/v1/embedding", "{}"), 404, "not_found");
        assertError(Http.get(server.port(), "/nothing/here"), 404, "not_found");
        assertError(Http.get(server.port(), "/v1/embeddings"), 405, "method_not_allowed");
        assertError(Http.send(HttpRequest.newBuilder(Http.uri(server.port(), "/health")).DELETE().build()), 405, "method_not_allowed");
        assertError(Http.post(server.port(), "/v1/chat/completions", "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"), 404,
                "unsupported_route");
    }

    @Test
    void healthAndMetrics() throws Exception {
        HttpResponse<String> health = Http.get(server.port(), "/health");
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(health.body()).contains("\"status\":\"ok\"").contains("\"kind\":\"encoder\"");
        embed("{\"input\": \"count me\"}");
        embed("{\"input\": 42}");
        HttpResponse<String> metrics = Http.get(server.port(), "/metrics");
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.headers().firstValue("content-type").orElse("")).startsWith("text/plain");
        assertThat(metrics.body()).contains("# TYPE lowrank_requests_total counter")
                .containsPattern("lowrank_requests_total\\{route=\"/v1/embeddings\",status=\"200\"} [1-9]")
                .containsPattern("lowrank_requests_total\\{route=\"/v1/embeddings\",status=\"400\"} [1-9]")
                .contains("lowrank_request_duration_seconds_bucket{route=\"/v1/embeddings\",le=\"+Inf\"}")
                .containsPattern("lowrank_prompt_tokens_total [1-9]")
                .contains("# TYPE lowrank_embedding_batch_size histogram")
                .doesNotContain("status=\"500\"");
    }
}
