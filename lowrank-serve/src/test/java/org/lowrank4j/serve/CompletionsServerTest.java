package org.lowrank4j.serve;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.model.openai.OpenAiStreamingChatModel;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A tiny random-weight decoder folder served for completions: langchain4j's OpenAiStreamingChatModel streams what its
 * OpenAiChatModel gets whole; raw /v1/completions streams end in [DONE] and honour max_tokens, seed and stop.
 */
class CompletionsServerTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    static Path dir;
    private static ModelServer server;

    @BeforeAll
    static void start() throws Exception {
        server = ModelServer.start(TestModels.tinyDecoder(dir.resolve("tiny-decoder"), 256), ServeOptions.defaults().withPort(0));
    }

    @AfterAll
    static void stop() {
        server.stop();
    }

    private static String baseUrl() {
        return "http://127.0.0.1:" + server.port() + "/v1";
    }

    @Test
    void langchainStreamsTheTextItGetsWhole() throws Exception {
        String whole = OpenAiChatModel.builder().baseUrl(baseUrl()).apiKey("x").modelName("tiny-decoder").temperature(0.0).maxTokens(40).build()
                .chat("Fellow citizens");
        OpenAiStreamingChatModel streaming = OpenAiStreamingChatModel.builder().baseUrl(baseUrl()).apiKey("x").modelName("tiny-decoder")
                .temperature(0.0).maxTokens(40).build();
        List<String> pieces = new ArrayList<>();
        CompletableFuture<ChatResponse> done = new CompletableFuture<>();
        streaming.chat("Fellow citizens", new StreamingChatResponseHandler() {
            @Override
            public void onPartialResponse(String partial) {
                pieces.add(partial);
            }

            @Override
            public void onCompleteResponse(ChatResponse response) {
                done.complete(response);
            }

            @Override
            public void onError(Throwable error) {
                done.completeExceptionally(error);
            }
        });
        ChatResponse response = done.get(30, TimeUnit.SECONDS);
        assertThat(pieces.size()).isGreaterThan(1);
        assertThat(String.join("", pieces)).isEqualTo(whole).isEqualTo(response.aiMessage().text()).isNotEmpty();
        assertThat(response.tokenUsage().outputTokenCount()).isEqualTo(40);
        assertThat(response.tokenUsage().inputTokenCount()).isEqualTo("user: Fellow citizens\nassistant:".length());
    }

    @Test
    void completionsStreamEqualsWholeAndEndsWithDone() throws Exception {
        String request = "{\"model\":\"tiny-decoder\",\"prompt\":\"We the people\",\"max_tokens\":30,\"temperature\":0.9,\"seed\":7";
        JsonNode whole = JSON.readTree(Http.post(server.port(), "/v1/completions", request + "}").body());
        assertThat(whole.at("/object").asText()).isEqualTo("text_completion");
        assertThat(whole.at("/choices/0/finish_reason").asText()).isEqualTo("length");
        assertThat(whole.at("/usage/completion_tokens").asInt()).isEqualTo(30);

        HttpResponse<String> streamed = Http.post(server.port(), "/v1/completions", request + ",\"stream\":true}");
        assertThat(streamed.statusCode()).isEqualTo(200);
        assertThat(streamed.headers().firstValue("content-type").orElse("")).startsWith("text/event-stream");
        List<String> events = events(streamed.body());
        assertThat(events.get(events.size() - 1)).isEqualTo("[DONE]");
        StringBuilder text = new StringBuilder();
        String finish = null;
        for (String event : events.subList(0, events.size() - 1)) {
            JsonNode chunk = JSON.readTree(event);
            text.append(chunk.at("/choices/0/text").asText());
            if (!chunk.at("/choices/0/finish_reason").isNull()) {
                finish = chunk.at("/choices/0/finish_reason").asText();
            }
        }
        assertThat(text.toString()).isEqualTo(whole.at("/choices/0/text").asText());
        assertThat(finish).isEqualTo("length");
    }

    @Test
    void stopStringEndsTheTextBeforeIt() throws Exception {
        String request = "{\"prompt\":\"Mr. Speaker\",\"max_tokens\":60,\"temperature\":0";
        String free = JSON.readTree(Http.post(server.port(), "/v1/completions", request + "}").body()).at("/choices/0/text").asText();
        assertThat(free).hasSizeGreaterThan(10);
        String stop = free.substring(5, 7); // a string the greedy continuation is known to contain
        JsonNode cut = JSON.readTree(Http.post(server.port(), "/v1/completions", request + ",\"stop\":" + JSON.writeValueAsString(stop) + "}").body());
        assertThat(cut.at("/choices/0/text").asText()).isEqualTo(free.substring(0, free.indexOf(stop)));
        assertThat(cut.at("/choices/0/finish_reason").asText()).isEqualTo("stop");
        List<String> events = events(Http.post(server.port(), "/v1/completions", request + ",\"stream\":true,\"stop\":"
                + JSON.writeValueAsString(stop) + "}").body());
        StringBuilder text = new StringBuilder();
        for (String event : events.subList(0, events.size() - 1)) {
            text.append(JSON.readTree(event).at("/choices/0/text").asText());
        }
        assertThat(text.toString()).isEqualTo(cut.at("/choices/0/text").asText());
    }

    @Test
    void samePromptAndSeedGiveTheSameSample() throws Exception {
        String request = "{\"prompt\":\"In the year\",\"max_tokens\":20,\"temperature\":1.2,\"top_p\":0.95,\"seed\":";
        String a = JSON.readTree(Http.post(server.port(), "/v1/completions", request + "3}").body()).at("/choices/0/text").asText();
        String b = JSON.readTree(Http.post(server.port(), "/v1/completions", request + "3}").body()).at("/choices/0/text").asText();
        assertThat(a).isEqualTo(b);
    }

    @Test
    void decoderErrorsAreJson4xx() throws Exception {
        assertError(Http.post(server.port(), "/v1/completions", "{\"prompt\":\"x\",\"max_tokens\":100000}"), 400, "invalid_value");
        assertError(Http.post(server.port(), "/v1/completions", "{\"max_tokens\":3}"), 400, "missing_prompt");
        assertError(Http.post(server.port(), "/v1/completions", "{\"prompt\":\"\"}"), 400, "empty_prompt");
        assertError(Http.post(server.port(), "/v1/completions", "{\"prompt\":\"" + "a".repeat(300) + "\"}"), 400, "input_too_long");
        assertError(Http.post(server.port(), "/v1/completions", "{\"prompt\":\"x\",\"stream\":true,\"temperature\":-1}"), 400, "invalid_value");
        assertError(Http.post(server.port(), "/v1/chat/completions", "{\"messages\":[]}"), 400, "missing_messages");
        assertError(Http.post(server.port(), "/v1/chat/completions", "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"),
                404, "model_not_found");
        assertError(Http.post(server.port(), "/v1/embeddings", "{\"input\":\"hi\"}"), 404, "unsupported_route");
    }

    @Test
    void outOfRangeValuesAreNamedWithTheRangeAllowed() throws Exception {
        // these said "must be in [4.9E-324, 1.0]", "must be an integer, got number" (for a whole number too large for a
        // long), "must be an integer, got number" (for 5.5) and "must be in [1, 9223372036854775807]" (for n = 0)
        assertThat(errorMessage("{\"prompt\":\"x\",\"top_p\":0}")).isEqualTo("'top_p' must be in (0, 1], got 0");
        assertThat(errorMessage("{\"prompt\":\"x\",\"temperature\":2.5}")).isEqualTo("'temperature' must be in [0, 2], got 2.5");
        assertThat(errorMessage("{\"prompt\":\"x\",\"max_tokens\":99999999999999999999999}"))
                .isEqualTo("'max_tokens' must be in [1, 512], got 99999999999999999999999");
        assertThat(errorMessage("{\"prompt\":\"x\",\"max_tokens\":5.5}")).isEqualTo("'max_tokens' must be an integer, got 5.5");
        assertThat(errorMessage("{\"prompt\":\"x\",\"max_tokens\":\"5\"}")).isEqualTo("'max_tokens' must be an integer, got string");
        assertThat(errorMessage("{\"prompt\":\"x\",\"n\":0}")).startsWith("'n' must be 1 here");
    }

    @Test
    void streamOptionsOfTheWrongTypeAreRefused() throws Exception {
        // they were read as "no usage" and the request went on
        assertThat(errorMessage("{\"prompt\":\"x\",\"stream\":true,\"stream_options\":\"usage\"}"))
                .isEqualTo("'stream_options' must be an object such as {\"include_usage\": true}, got string");
        assertThat(errorMessage("{\"prompt\":\"x\",\"stream\":true,\"stream_options\":{\"include_usage\":\"yes\"}}"))
                .isEqualTo("'stream_options.include_usage' must be true or false, got string");
    }

    private static String errorMessage(String body) throws Exception {
        HttpResponse<String> response = Http.post(server.port(), "/v1/completions", body);
        assertError(response, 400, response.body().contains("invalid_type") ? "invalid_type" : "invalid_value");
        return JSON.readTree(response.body()).at("/error/message").asText();
    }

    static void assertError(HttpResponse<String> response, int status, String code) throws Exception {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(response.headers().firstValue("content-type").orElse("")).startsWith("application/json");
        JsonNode error = JSON.readTree(response.body()).get("error");
        assertThat(error.get("code").asText()).isEqualTo(code);
        assertThat(error.get("type").asText()).isEqualTo(status < 500 ? "invalid_request_error" : "server_error");
        assertThat(error.get("message").asText()).isNotBlank();
    }

    static List<String> events(String body) {
        List<String> events = new ArrayList<>();
        for (String block : body.split("\n\n")) {
            if (!block.isBlank()) {
                assertThat(block).startsWith("data: ");
                events.add(block.substring("data: ".length()));
            }
        }
        return events;
    }
}
