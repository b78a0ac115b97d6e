package org.lowrank4j.nn.arch.bert;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.lowrank4j.linalg.Linalg;
import org.lowrank4j.nn.tensor.Precision;

/**
 * Forward throughput (sentences/s) of {@link BertModel} against ONNX Runtime on all-MiniLM-L6-v2: the same 64
 * sentences (the first 64 of a text file), the same right-padded batches, the same thread count (BLAS threads =
 * ORT intra-op threads = {@code -Dlowrank.threads}, default all cores), rounds alternating which runtime goes first,
 * medians. Writes JSON to stdout and to {@code target/bench/bert-throughput.json}. A benchmark, not a test: run it
 * with the test classpath, e.g.
 * <pre>
 * mvn -o -q -pl lowrank-nn test-compile dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/cp.txt
 * cd lowrank-nn &amp;&amp; java -Dlowrank.threads=2 -cp target/classes:target/test-classes:$(cat target/cp.txt) \
 *     org.lowrank4j.nn.arch.bert.BertThroughputBenchmark [text-file] [batch-size] [rounds]
 * </pre>
 */
public final class BertThroughputBenchmark {
    private static final int SENTENCES = 64;

    private BertThroughputBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Path text = Path.of(args.length > 0 ? args[0] : "../../shared/data/moby-dick/chapter_1.txt");
        int batchSize = args.length > 1 ? Integer.parseInt(args[1]) : 16;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 7;
        int threads = Integer.getInteger("lowrank.threads", Runtime.getRuntime().availableProcessors());
        Linalg.setThreads(threads);

        List<String> sentences = sentences(Files.readString(text));
        List<MiniLm.Batch> batches = new ArrayList<>();
        try (HuggingFaceTokenizer tokenizer = MiniLm.tokenizer()) {
            for (int i = 0; i < sentences.size(); i += batchSize) {
                batches.add(MiniLm.encode(tokenizer, sentences.subList(i, Math.min(sentences.size(), i + batchSize))));
            }
        }
        int tokens = batches.stream().mapToInt(b -> Arrays.stream(b.mask()).sum()).sum();
        BertModel model = BertOnnx.load(MiniLm.model(), Precision.FLOAT32);
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        double[] jvm = new double[rounds], ort = new double[rounds];
        try (OrtSession session = MiniLm.session(env, Files.readAllBytes(MiniLm.model()), threads)) {
            for (int warm = 0; warm < 2; warm++) {
                timeJvm(model, batches);
                timeOrt(env, session, batches);
            }
            for (int r = 0; r < rounds; r++) {
                if (r % 2 == 0) {
                    jvm[r] = timeJvm(model, batches);
                    ort[r] = timeOrt(env, session, batches);
                } else {
                    ort[r] = timeOrt(env, session, batches);
                    jvm[r] = timeJvm(model, batches);
                }
            }
        }
        double jvmRate = SENTENCES / median(jvm), ortRate = SENTENCES / median(ort);
        String json = String.format(Locale.ROOT, "{\"benchmark\": \"bert-forward-throughput\", \"model\": \"all-MiniLM-L6-v2\","
                + " \"sentences\": %d, \"real_tokens\": %d, \"batch_size\": %d, \"threads\": %d, \"rounds\": %d,"
                + " \"blas\": \"%s\", \"lowrank4j_sentences_per_s\": %.1f, \"onnxruntime_sentences_per_s\": %.1f,"
                + " \"ratio\": %.3f, \"lowrank4j_round_s\": %s, \"onnxruntime_round_s\": %s}",
                sentences.size(), tokens, batchSize, threads, rounds, Linalg.backend().getClass().getSimpleName(), jvmRate,
                ortRate, jvmRate / ortRate, Arrays.toString(jvm), Arrays.toString(ort));
        System.out.println(json);
        Path out = Path.of("target", "bench", "bert-throughput.json");
        Files.createDirectories(out.getParent());
        Files.writeString(out, json + System.lineSeparator());
    }

    private static double timeJvm(BertModel model, List<MiniLm.Batch> batches) {
        long start = System.nanoTime();
        for (MiniLm.Batch b : batches) {
            model.forward(b.ids(), b.types(), b.mask(), b.batch(), b.time());
        }
        return (System.nanoTime() - start) / 1e9;
    }

    private static double timeOrt(OrtEnvironment env, OrtSession session, List<MiniLm.Batch> batches) throws Exception {
        long start = System.nanoTime();
        for (MiniLm.Batch b : batches) {
            MiniLm.run(env, session, b);
        }
        return (System.nanoTime() - start) / 1e9;
    }

    /** The first 64 sentences of at least four words, whitespace collapsed. */
    static List<String> sentences(String text) {
        List<String> out = new ArrayList<>();
        for (String s : text.replaceAll("\\s+", " ").split("(?<=[.!?])\\s+")) {
            if (s.trim().split(" ").length >= 4 && out.size() < SENTENCES) {
                out.add(s.trim());
            }
        }
        if (out.size() < SENTENCES) {
            throw new IllegalArgumentException("the text has only " + out.size() + " sentences of four words or more; need " + SENTENCES);
        }
        return out;
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }
}
