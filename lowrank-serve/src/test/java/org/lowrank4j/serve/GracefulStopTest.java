package org.lowrank4j.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Stopping with a request in flight: the request is answered in full, then the port is closed. */
class GracefulStopTest {

    @Test
    void aRequestInFlightFinishesAndNewConnectionsAreRefused() throws Exception {
        // a long batch window keeps the request in flight, waiting for batch mates, while stop() is called
        ModelServer server = ModelServer.start(TestModels.miniLmFolder(), ServeOptions.defaults().withPort(0).withThreads(2)
                .withBatchWindow(Duration.ofMillis(1500)));
        int port = server.port();
        CompletableFuture<HttpResponse<String>> inFlight = CompletableFuture.supplyAsync(() -> {
            try {
                return Http.post(port, "/v1/embeddings", "{\"input\": \"still answered\"}");
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        long waited = 0;
        while (server.metrics().inFlight() == 0 && waited++ < 500) {
            Thread.sleep(10);
        }
        assertThat(server.metrics().inFlight()).isEqualTo(1);
        long start = System.nanoTime();
        server.stop();
        // stop() returns once the server has written the answer; the client may still be reading it, so wait for it (bounded)
        assertThat(server.metrics().inFlight()).as("stop() returned only after the request in flight was answered").isZero();
        HttpResponse<String> answer = inFlight.get(5, TimeUnit.SECONDS);
        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(answer.body()).contains("\"object\":\"embedding\"");
        assertThat((System.nanoTime() - start) / 1e6).as("stop waited for the batch window").isGreaterThan(100);
        assertThatThrownBy(() -> Http.get(port, "/health")).isInstanceOf(IOException.class);
    }
}
