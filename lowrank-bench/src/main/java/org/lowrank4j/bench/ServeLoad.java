package org.lowrank4j.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A load client for {@code lowrank serve}, independent of the server's code (plain JDK HTTP and JSON): for each
 * concurrency level, that many clients send requests back to back until the request budget or the time budget of the
 * level is spent; it reports requests/s, p50/p99/mean latency, errors (any non-200 or I/O failure) and, for
 * completions, generated tokens/s. Loopback only: the URL must name 127.0.0.1 or localhost.
 *
 * <pre>
 * java -cp lowrank-bench/target/lowrank-bench.jar org.lowrank4j.bench.ServeLoad --url http://127.0.0.1:8080 \
 *     --route embeddings|completions|chat [--concurrency 1,8,32] [--requests 400] [--seconds 30] [--warmup 20]
 *     [--max-tokens 32[,64,...]] [--stream] [--models NAME,NAME,...] [--out FILE]
 * </pre>
 * With {@code --models} (a decoder served with LoRA adapters) the requests name those models in turn; with several
 * {@code --max-tokens} request n asks for the (n mod k)-th of the k values.
 */
public final class ServeLoad {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    /** Prompts and texts the clients cycle through: short sentences of the kinds the models saw (public domain). */
    private static final String[] TEXTS = {"Fellow-Citizens of the Senate and House of Representatives:",
            "The state of the Union is strong, and the people are at work.", "Call me Ishmael.",
            "I recommend to your consideration the condition of the public finances.", "Congress shall assemble at least once in every year.",
            "It is a way I have of driving off the spleen, and regulating the circulation.",
            "The treaties of commerce with the nations of Europe have been renewed.", "Our navy is small, but it is efficient.",
            "Whenever I find myself growing grim about the mouth, I account it high time to get to sea as soon as I can.",
            "The revenue of the last year exceeded the estimates.", "We hold these truths to be self-evident.",
            "There is now your insular city of the Manhattoes, belted round by wharves.", "The army has been reduced to a peace footing.",
            "A free people ought not only to be armed, but disciplined.", "Peace, commerce, and honest friendship with all nations.",
            "The public debt has been diminished during the year."};

    private ServeLoad() {
    }

    /** One level's figures. */
    record Level(int concurrency, int requests, int errors, double seconds, double requestsPerSecond, double p50Ms, double p99Ms, double meanMs,
            long completionTokens) {
    }

    public static void main(String[] args) throws Exception {
        String url = null, route = "embeddings";
        int[] levels = {1, 8, 32};
        int requests = 400, warmup = 20;
        int[] maxTokens = {32};
        double seconds = 30;
        boolean stream = false;
        Path out = null;
        List<String> models = List.of();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--url" -> url = args[++i];
                case "--route" -> route = args[++i];
                case "--concurrency" -> levels = Arrays.stream(args[++i].split(",")).mapToInt(Integer::parseInt).toArray();
                case "--requests" -> requests = Integer.parseInt(args[++i]);
                case "--seconds" -> seconds = Double.parseDouble(args[++i]);
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                case "--max-tokens" -> maxTokens = Arrays.stream(args[++i].split(",")).mapToInt(Integer::parseInt).toArray();
                case "--stream" -> stream = true;
                case "--out" -> out = Path.of(args[++i]);
                case "--models" -> models = List.of(args[++i].split(","));
                default -> {
                    System.err.println("serve-load: unknown option " + args[i]);
                    System.exit(2);
                }
            }
        }
        if (url == null || !(url.startsWith("http://127.0.0.1:") || url.startsWith("http://localhost:"))) {
            System.err.println("serve-load: --url must be a loopback address such as http://127.0.0.1:8080, got " + url);
            System.exit(2);
        }
        if (!List.of("embeddings", "completions", "chat").contains(route) || requests < 1 || seconds <= 0) {
            System.err.println("serve-load: --route embeddings|completions|chat, --requests >= 1, --seconds > 0");
            System.exit(2);
        }
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
        String base = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
        JsonNode health = JSON.readTree(client.send(HttpRequest.newBuilder(URI.create(base + "/health")).build(), HttpResponse.BodyHandlers.ofString()).body());
        String path = route.equals("embeddings") ? "/v1/embeddings" : route.equals("chat") ? "/v1/chat/completions" : "/v1/completions";
        Target target = new Target(client, URI.create(base + path), route, maxTokens, stream, models);
        run(target, Math.max(levels[levels.length - 1], 1), warmup, 120); // warm-up, not reported
        ObjectNode root = JSON.createObjectNode();
        root.put("date", Instant.now().toString());
        root.put("model", health.path("model").asText());
        root.put("kind", health.path("kind").asText());
        root.put("route", path);
        if (!models.isEmpty()) {
            root.putPOJO("models_in_turn", models);
        }
        root.put("stream", stream);
        if (!route.equals("embeddings")) {
            if (maxTokens.length == 1) {
                root.put("max_tokens", maxTokens[0]);
            } else {
                root.putPOJO("max_tokens_in_turn", maxTokens);
            }
        }
        root.put("requests_per_level_at_most", requests);
        root.put("seconds_per_level_at_most", seconds);
        root.put("client_cores", Runtime.getRuntime().availableProcessors());
        root.put("cpu", CpuInfo.modelName());
        ArrayNode rows = root.putArray("levels");
        System.out.printf(Locale.ROOT, "%-11s %8s %7s %9s %9s %9s %9s %10s%n", "concurrency", "requests", "errors", "req/s", "p50 ms", "p99 ms", "mean ms",
                route.equals("embeddings") ? "" : "tokens/s");
        for (int concurrency : levels) {
            Level level = run(target, concurrency, requests, seconds);
            System.out.printf(Locale.ROOT, "%-11d %8d %7d %9.1f %9.1f %9.1f %9.1f %10s%n", level.concurrency(), level.requests(), level.errors(),
                    level.requestsPerSecond(), level.p50Ms(), level.p99Ms(), level.meanMs(),
                    route.equals("embeddings") ? "" : String.format(Locale.ROOT, "%.1f", level.completionTokens() / level.seconds()));
            ObjectNode row = rows.addObject();
            row.put("concurrency", level.concurrency());
            row.put("requests", level.requests());
            row.put("errors", level.errors());
            row.put("seconds", round(level.seconds()));
            row.put("requests_per_s", round(level.requestsPerSecond()));
            row.put("p50_ms", round(level.p50Ms()));
            row.put("p99_ms", round(level.p99Ms()));
            row.put("mean_ms", round(level.meanMs()));
            if (!route.equals("embeddings")) {
                row.put("completion_tokens", level.completionTokens());
                row.put("completion_tokens_per_s", round(level.completionTokens() / level.seconds()));
            }
        }
        if (out != null) {
            Files.createDirectories(out.toAbsolutePath().getParent());
            Path temp = Files.createTempFile(out.toAbsolutePath().getParent(), out.getFileName().toString(), ".tmp");
            JSON.writeValue(temp.toFile(), root);
            Files.move(temp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            System.out.println("wrote " + out);
        }
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }

    private static Level run(Target target, int concurrency, int budget, double seconds) throws InterruptedException {
        AtomicInteger issued = new AtomicInteger(), errors = new AtomicInteger();
        AtomicLong tokens = new AtomicLong();
        List<Double> latencies = java.util.Collections.synchronizedList(new ArrayList<>());
        long start = System.nanoTime(), deadline = start + (long) (seconds * 1e9);
        ExecutorService pool = Executors.newFixedThreadPool(concurrency);
        for (int c = 0; c < concurrency; c++) {
            pool.execute(() -> {
                int n;
                while (System.nanoTime() < deadline && (n = issued.getAndIncrement()) < budget) {
                    long t0 = System.nanoTime();
                    long got = target.send(n);
                    latencies.add((System.nanoTime() - t0) / 1e6);
                    if (got < 0) {
                        errors.incrementAndGet();
                    } else {
                        tokens.addAndGet(got);
                    }
                }
            });
        }
        pool.shutdown();
        pool.awaitTermination((long) seconds + 120, TimeUnit.SECONDS);
        double wall = (System.nanoTime() - start) / 1e9;
        double[] sorted = latencies.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return new Level(concurrency, sorted.length, errors.get(), wall, sorted.length / wall, percentile(sorted, 0.50), percentile(sorted, 0.99),
                Arrays.stream(sorted).average().orElse(Double.NaN), tokens.get());
    }

    /** Nearest-rank percentile. */
    private static double percentile(double[] sorted, double q) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1)];
    }

    /** One route of the server and how to ask it. */
    private record Target(HttpClient client, URI uri, String route, int[] maxTokens, boolean stream, List<String> models) {

        /** Sends request {@code n}; returns completion tokens (0 for embeddings), or -1 on any error. */
        long send(int n) {
            String text = TEXTS[n % TEXTS.length];
            ObjectNode body = JSON.createObjectNode();
            if (!models.isEmpty()) {
                body.put("model", models.get((n + n / TEXTS.length) % models.size())); // every model meets every text
            }
            switch (route) {
                case "embeddings" -> body.put("input", text);
                case "chat" -> body.putArray("messages").addObject().put("role", "user").put("content", text);
                default -> body.put("prompt", text);
            }
            if (!route.equals("embeddings")) {
                body.put("max_tokens", maxTokens[n % maxTokens.length]).put("temperature", 0).put("stream", stream);
                if (stream) {
                    body.putObject("stream_options").put("include_usage", true);
                }
            }
            try {
                HttpResponse<String> response = client.send(HttpRequest.newBuilder(uri).header("Content-Type", "application/json")
                        .timeout(Duration.ofSeconds(120)).POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() != 200) {
                    return -1;
                }
                if (route.equals("embeddings")) {
                    return JSON.readTree(response.body()).at("/data/0/embedding").size() > 0 ? 0 : -1;
                }
                if (!stream) {
                    return JSON.readTree(response.body()).at("/usage/completion_tokens").asLong(-1);
                }
                String[] events = response.body().split("\n\n");
                if (!events[events.length - 1].strip().equals("data: [DONE]")) {
                    return -1;
                }
                return JSON.readTree(events[events.length - 2].substring("data: ".length())).at("/usage/completion_tokens").asLong(-1);
            } catch (IOException e) {
                return -1;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return -1;
            }
        }
    }
}
