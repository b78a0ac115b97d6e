package org.lowrank4j.serve;

import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;

/**
 * The server's counters, written in the Prometheus text exposition format (version 0.0.4) by hand: requests by route
 * and status, a latency histogram per route, prompt and completion tokens, embedding and decoding batch sizes, requests in flight.
 * Route labels come from a fixed set (unmatched paths count as "other"), so the series stay few.
 */
public final class ServerMetrics {
    /** Upper bounds of the latency buckets, seconds. */
    static final double[] LATENCY_BOUNDS = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
    /** Upper bounds of the batch size buckets, texts. */
    static final double[] BATCH_BOUNDS = {1, 2, 4, 8, 16, 32, 64, 128, 256};

    private final Map<String, LongAdder> requests = new ConcurrentHashMap<>();
    private final Map<String, Histogram> latency = new ConcurrentHashMap<>();
    private final Histogram batchSizes = new Histogram(BATCH_BOUNDS);
    private final Histogram decodeBatchSizes = new Histogram(BATCH_BOUNDS);
    private final LongAdder promptTokens = new LongAdder(), completionTokens = new LongAdder();
    private final Map<String, LongAdder> completionsByModel = new ConcurrentHashMap<>();
    private final AtomicLong inFlight = new AtomicLong();

    /** One finished request. */
    public void request(String route, int status, double seconds) {
        requests.computeIfAbsent(route + "\u0000" + status, k -> new LongAdder()).increment();
        latency.computeIfAbsent(route, k -> new Histogram(LATENCY_BOUNDS)).observe(seconds);
    }

    public void promptTokens(long n) {
        promptTokens.add(n);
    }

    public void completionTokens(long n) {
        completionTokens.add(n);
    }

    /** One completion answered by {@code model}: the base's name, or an adapter's. */
    public void completion(String model) {
        completionsByModel.computeIfAbsent(model, k -> new LongAdder()).increment();
    }

    /** Completions answered so far by {@code model}. */
    public long completions(String model) {
        LongAdder n = completionsByModel.get(model);
        return n == null ? 0 : n.sum();
    }

    /** One ONNX Runtime run over {@code texts} merged texts. */
    public void batch(int texts) {
        batchSizes.observe(texts);
    }

    /** One batch of {@code requests} completions decoded together. */
    public void decodeBatch(int requests) {
        decodeBatchSizes.observe(requests);
    }

    void enter() {
        inFlight.incrementAndGet();
    }

    void leave() {
        inFlight.decrementAndGet();
    }

    public long inFlight() {
        return inFlight.get();
    }

    /** Requests counted so far for a route and status (tests and the load client read it). */
    public long requests(String route, int status) {
        LongAdder n = requests.get(route + "\u0000" + status);
        return n == null ? 0 : n.sum();
    }

    /** The exposition text. */
    public String render() {
        StringBuilder out = new StringBuilder();
        out.append("# HELP lowrank_requests_total HTTP requests answered, by route and status (a stream that ended in an error event counts under that error's status).\n");
        out.append("# TYPE lowrank_requests_total counter\n");
        requests.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> {
            String[] key = e.getKey().split("\u0000");
            out.append("lowrank_requests_total{route=\"").append(key[0]).append("\",status=\"").append(key[1]).append("\"} ")
                    .append(e.getValue().sum()).append('\n');
        });
        out.append("# HELP lowrank_request_duration_seconds Time from request to the last byte of the answer.\n");
        out.append("# TYPE lowrank_request_duration_seconds histogram\n");
        latency.entrySet().stream().sorted(Map.Entry.comparingByKey())
                .forEach(e -> e.getValue().render(out, "lowrank_request_duration_seconds", "route=\"" + e.getKey() + "\","));
        out.append("# HELP lowrank_embedding_batch_size Texts per ONNX Runtime run after merging concurrent requests.\n");
        out.append("# TYPE lowrank_embedding_batch_size histogram\n");
        batchSizes.render(out, "lowrank_embedding_batch_size", "");
        out.append("# HELP lowrank_decode_batch_size Completion requests one decoding batch served, those that joined it while it ran included.\n");
        out.append("# TYPE lowrank_decode_batch_size histogram\n");
        decodeBatchSizes.render(out, "lowrank_decode_batch_size", "");
        out.append("# HELP lowrank_prompt_tokens_total Tokens read: embedding inputs and prompts.\n");
        out.append("# TYPE lowrank_prompt_tokens_total counter\n");
        out.append("lowrank_prompt_tokens_total ").append(promptTokens.sum()).append('\n');
        out.append("# HELP lowrank_completion_tokens_total Tokens generated.\n");
        out.append("# TYPE lowrank_completion_tokens_total counter\n");
        out.append("lowrank_completion_tokens_total ").append(completionTokens.sum()).append('\n');
        if (!completionsByModel.isEmpty()) {
            out.append("# HELP lowrank_completions_total Completions answered, by the model a request named (the base or one of its adapters).\n");
            out.append("# TYPE lowrank_completions_total counter\n");
            completionsByModel.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> out.append("lowrank_completions_total{model=\"")
                    .append(e.getKey().replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n")).append("\"} ")
                    .append(e.getValue().sum()).append('\n'));
        }
        out.append("# HELP lowrank_requests_in_flight Requests being answered now.\n");
        out.append("# TYPE lowrank_requests_in_flight gauge\n");
        out.append("lowrank_requests_in_flight ").append(inFlight.get()).append('\n');
        return out.toString();
    }

    /** A cumulative histogram with fixed bounds. */
    private static final class Histogram {
        private final double[] bounds;
        private final AtomicLongArray counts;
        private final DoubleAdder sum = new DoubleAdder();
        private final LongAdder count = new LongAdder();

        Histogram(double[] bounds) {
            this.bounds = bounds;
            this.counts = new AtomicLongArray(bounds.length);
        }

        void observe(double value) {
            for (int i = 0; i < bounds.length; i++) {
                if (value <= bounds[i]) {
                    counts.incrementAndGet(i);
                    break;
                }
            }
            sum.add(value);
            count.increment();
        }

        void render(StringBuilder out, String name, String labels) {
            long cumulative = 0;
            for (int i = 0; i < bounds.length; i++) {
                cumulative += counts.get(i);
                out.append(name).append("_bucket{").append(labels).append("le=\"").append(format(bounds[i])).append("\"} ")
                        .append(cumulative).append('\n');
            }
            String plain = labels.isEmpty() ? "" : "{" + labels.substring(0, labels.length() - 1) + "}";
            out.append(name).append("_bucket{").append(labels).append("le=\"+Inf\"} ").append(count.sum()).append('\n');
            out.append(name).append("_sum").append(plain).append(' ').append(String.format(Locale.ROOT, "%.6f", sum.sum())).append('\n');
            out.append(name).append("_count").append(plain).append(' ').append(count.sum()).append('\n');
        }

        private static String format(double bound) {
            return bound == Math.rint(bound) ? Long.toString((long) bound) + ".0" : Double.toString(bound);
        }
    }
}
