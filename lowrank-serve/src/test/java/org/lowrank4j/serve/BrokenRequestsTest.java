package org.lowrank4j.serve;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Requests broken below the JSON, sent over a raw socket: a body that stops arriving or trickles in, one that ends early,
 * one announced too large, a URI or headers too long. Each gets its 4xx in the OpenAI error shape, and no request holds a
 * thread longer than the timeout (here 1 s) allows.
 */
class BrokenRequestsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static ModelServer server;

    @BeforeAll
    static void start() throws Exception {
        server = ModelServer.start(TestModels.miniLmFolder(), ServeOptions.defaults().withPort(0).withThreads(2).withLimits(4, 16, 64, 4096)
                .withTimeout(Duration.ofSeconds(1)));
    }

    @AfterAll
    static void stop() {
        server.stop();
    }

    /** A status line, headers (lower-cased names) and body read off the socket. */
    private record Answer(int status, String headers, String body) {
        JsonNode error() throws IOException {
            assertThat(headers).as(body).contains("content-type: application/json");
            JsonNode error = JSON.readTree(body).get("error");
            assertThat(error.get("type").asText()).isEqualTo("invalid_request_error");
            assertThat(error.get("message").asText()).isNotBlank();
            return error;
        }
    }

    private static Socket connect() throws IOException {
        Socket socket = new Socket("127.0.0.1", server.port());
        socket.setSoTimeout(20_000); // a bound on a broken server, not a measurement
        return socket;
    }

    private static String head(String extraHeaders) {
        return "POST /v1/embeddings HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n" + extraHeaders + "\r\n";
    }

    /** Reads one answer: the status line and headers, then Content-Length bytes (or up to the end of the stream). */
    private static Answer read(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("the connection ended inside the answer's head: " + head);
            }
            head.write(b);
        }
        String text = head.toString(StandardCharsets.ISO_8859_1);
        int status = Integer.parseInt(text.substring(9, 12));
        String headers = text.toLowerCase(Locale.ROOT);
        int at = headers.indexOf("content-length: ");
        byte[] body = at < 0 ? in.readAllBytes()
                : in.readNBytes(Integer.parseInt(headers.substring(at + 16, headers.indexOf("\r\n", at)).trim()));
        return new Answer(status, headers, new String(body, StandardCharsets.UTF_8));
    }

    private static Answer exchange(String request, boolean closeSending) throws IOException {
        try (Socket socket = connect()) {
            socket.getOutputStream().write(request.getBytes(StandardCharsets.UTF_8));
            socket.getOutputStream().flush();
            if (closeSending) {
                socket.shutdownOutput();
            }
            return read(socket.getInputStream());
        }
    }

    @Test
    void aBodyThatStopsArrivingIsAnswered408() throws Exception {
        // it used to wait for Jetty's 30 s idle timeout and then answer a bare "499" with an empty text/plain body
        Answer answer = exchange(head("Content-Length: 100\r\n") + "{\"input\": \"hal", false);
        assertThat(answer.status()).as(answer.body()).isEqualTo(408);
        assertThat(answer.error().get("code").asText()).isEqualTo("request_timeout");
        assertThat(answer.error().get("message").asText()).contains("14 of 100 bytes came");
    }

    @Test
    void aBodyTrickledInSlowerThanTheTimeoutIsAnswered408() throws Exception {
        // a byte now and then, each sooner than the idle timeout: it used to hold its thread as long as the client liked
        byte[] body = ("{\"input\": \"" + "x".repeat(200) + "\"}").getBytes(StandardCharsets.UTF_8);
        try (Socket socket = connect()) {
            OutputStream out = socket.getOutputStream();
            out.write(head("Content-Length: " + body.length + "\r\n").getBytes(StandardCharsets.UTF_8));
            socket.setSoTimeout(100); // the gap between bytes: a read that times out means no answer yet
            int sent = 0;
            Answer answer = null;
            while (answer == null && sent < body.length) {
                out.write(body[sent++]);
                out.flush();
                try {
                    int first = socket.getInputStream().read();
                    socket.setSoTimeout(20_000);
                    answer = read(new java.io.SequenceInputStream(new java.io.ByteArrayInputStream(new byte[] {(byte) first}),
                            socket.getInputStream()));
                } catch (SocketTimeoutException notYet) {
                    // keep trickling
                }
            }
            assertThat(answer).as("answered before the body was complete").isNotNull();
            assertThat(answer.status()).as(answer.body()).isEqualTo(408);
            assertThat(answer.error().get("code").asText()).isEqualTo("request_timeout");
            assertThat(answer.error().get("message").asText()).contains("did not arrive within 1 s (--timeout)");
        }
    }

    @Test
    void aBodyThatEndsEarlyIsAnswered400() throws Exception {
        // the client closes its sending side (or sends a broken chunk) but still reads: it used to get a bare "499"
        Answer truncated = exchange(head("Content-Length: 100\r\n") + "{\"input\": \"abc", true);
        assertThat(truncated.status()).as(truncated.body()).isEqualTo(400);
        assertThat(truncated.error().get("code").asText()).isEqualTo("invalid_body");
        assertThat(truncated.error().get("message").asText()).contains("before the 100 bytes of its Content-Length");
        Answer brokenChunk = exchange(head("Transfer-Encoding: chunked\r\n") + "5\r\n{\"inp\r\nZZZ\r\nbroken\r\n", false);
        assertThat(brokenChunk.status()).as(brokenChunk.body()).isEqualTo(400);
        assertThat(brokenChunk.error().get("code").asText()).isEqualTo("invalid_body");
    }

    @Test
    void aBodyAnnouncedTooLargeWithExpectContinueIsRefusedBeforeItIsSent() throws Exception {
        // the server used to send "100 Continue" and then read (and drop) whatever came, up to 16 MB
        Answer answer = exchange(head("Content-Length: 10000000\r\nExpect: 100-continue\r\n"), false);
        assertThat(answer.status()).as(answer.headers()).isEqualTo(413);
        assertThat(answer.error().get("code").asText()).isEqualTo("body_too_large");
        assertThat(answer.error().get("message").asText()).contains("10000000 bytes; this server takes at most 4096");
    }

    @Test
    void requestsJettyRefusesAreAnsweredInTheSameShape() throws Exception {
        // Jetty's HTML error page used to answer these
        Answer longUri = exchange("GET /v1/" + "a".repeat(20_000) + " HTTP/1.1\r\nHost: localhost\r\n\r\n", false);
        assertThat(longUri.status()).isEqualTo(414);
        assertThat(longUri.error().get("code").asText()).isEqualTo("uri_too_long");
        Answer bigHeader = exchange("GET /health HTTP/1.1\r\nHost: localhost\r\nX-Big: " + "a".repeat(20_000) + "\r\n\r\n", false);
        assertThat(bigHeader.status()).isEqualTo(431);
        assertThat(bigHeader.error().get("code").asText()).isEqualTo("headers_too_large");
        Answer badLength = exchange(head("Content-Length: abc\r\n") + "{}", false);
        assertThat(badLength.status()).isEqualTo(400);
        assertThat(badLength.error().get("message").asText()).contains("Content-Length");
        Answer badPath = exchange("GET /v1/%ZZ HTTP/1.1\r\nHost: localhost\r\n\r\n", false);
        assertThat(badPath.status()).isEqualTo(400);
        assertThat(badPath.error().get("code").asText()).isEqualTo("bad_request");
        assertThat(Http.get(server.port(), "/health").statusCode()).isEqualTo(200);
    }
}
