package org.lowrank4j.serve;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** Requests arriving within the batch window are merged into one ONNX Runtime run, each getting back its own rows. */
class BatchingTest {

    @Test
    void requestsWithinTheWindowShareOneRun() throws Exception {
        ObjectMapper json = new ObjectMapper();
        try (ModelServer server = ModelServer.start(TestModels.miniLmFolder(), ServeOptions.defaults().withPort(0).withThreads(2)
                .withBatchWindow(Duration.ofMillis(1500)).withMaxBatch(6))) {
            String[] texts = {"one", "two words", "three short words", "and a fourth, longer, sentence", "fifth", "six"};
            String[] singles = new String[texts.length];
            for (int i = 0; i < texts.length; i++) { // one request with all six fills the batch: no waiting, one run
                singles[i] = json.readTree(Http.post(server.port(), "/v1/embeddings", "{\"input\":" + json.writeValueAsString(List.of(texts)) + "}")
                        .body()).at("/data/" + i + "/embedding").toString();
            }
            String before = server.metrics().render();
            List<CompletableFuture<HttpResponse<String>>> requests = new ArrayList<>();
            for (String text : new String[] {texts[0], texts[1], texts[2]}) {
                requests.add(CompletableFuture.supplyAsync(() -> post(server.port(), text)));
            }
            requests.add(CompletableFuture.supplyAsync(() -> post(server.port(), List.of(texts[3], texts[4], texts[5]))));
            for (int r = 0; r < 3; r++) {
                assertThat(json.readTree(requests.get(r).get().body()).at("/data/0/embedding").toString()).isEqualTo(singles[r]);
            }
            var last = json.readTree(requests.get(3).get().body());
            for (int k = 0; k < 3; k++) {
                assertThat(last.at("/data/" + k + "/embedding").toString()).isEqualTo(singles[3 + k]);
            }
            assertThat(runs(before, "le=\"4.0\"")).isEqualTo(0); // no run of 4 or fewer texts before
            assertThat(runs(server.metrics().render(), "le=\"4.0\"")).as("no run took 4 or fewer texts: the 4 requests went as one run of 6")
                    .isEqualTo(0);
            assertThat(runs(server.metrics().render(), "le=\"+Inf\"") - runs(before, "le=\"+Inf\"")).isEqualTo(1);
        }
    }

    private static long runs(String metrics, String bucket) {
        String prefix = "lowrank_embedding_batch_size_bucket{" + bucket + "} ";
        return metrics.lines().filter(l -> l.startsWith(prefix)).mapToLong(l -> Long.parseLong(l.substring(prefix.length()))).findFirst().orElseThrow();
    }

    private static HttpResponse<String> post(int port, Object input) {
        try {
            return Http.post(port, "/v1/embeddings", "{\"input\":" + new ObjectMapper().writeValueAsString(input) + "}");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
