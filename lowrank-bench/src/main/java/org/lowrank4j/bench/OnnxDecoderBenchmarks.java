package org.lowrank4j.bench;

import ai.onnxruntime.OrtException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.lowrank4j.export.DecoderExport;
import org.lowrank4j.export.OnnxDecoder;
import org.lowrank4j.linalg.Linalg;
import org.lowrank4j.nn.arch.llama.LlamaModel;
import org.lowrank4j.nn.tensor.Precision;

/**
 * Decoder folders exported to ONNX ({@code lowrank export}) and run in ONNX Runtime, against the same folders in the JVM
 * runtime: each round runs every folder in both, in alternating order, a prompt of {@code context/4} tokens and then
 * decoding one token at a time to the full context through the cache (the JVM runtime as {@link DecoderFolderBenchmarks}
 * measures it, with its weights pinned as {@code generate} and {@code serve} pin them). A round's figure for a folder in a
 * runtime is the median of {@link #REPEATS} runs in a row (a prefill of 64 tokens takes a few milliseconds, and one run of
 * it is at the mercy of the machine); the reported figure is the median over rounds.
 */
final class OnnxDecoderBenchmarks {
    static final int REPEATS = 3;
    private final int threads;
    private final boolean quick;

    OnnxDecoderBenchmarks(int threads, boolean quick) {
        this.threads = threads;
        this.quick = quick;
    }

    void run(ArrayNode out, List<Path> folders, Path work) throws IOException, OrtException {
        Linalg.setThreads(threads);
        int rounds = quick ? 2 : 7;
        int n = folders.size();
        LlamaModel[] models = new LlamaModel[n];
        OnnxDecoder[] onnx = new OnnxDecoder[n];
        long[] bytes = new long[n];
        try {
            for (int i = 0; i < n; i++) {
                models[i] = LlamaModel.load(folders.get(i), Precision.FLOAT32);
                Path exported = work.resolve("onnx-" + i + "-" + folders.get(i).getFileName());
                Files.createDirectories(work);
                DecoderExport.Report report = DecoderExport.run(new DecoderExport.Request(folders.get(i), exported, true, 16, 4, 1), s -> { });
                bytes[i] = report.onnxBytes();
                onnx[i] = OnnxDecoder.open(exported.resolve(DecoderExport.MODEL), threads);
            }
            int context = models[0].maxPositions(), prompt = context / 4;
            int[] ids = DecoderFolderBenchmarks.prompt(prompt);
            double[][] jvm = new double[n][], ort = new double[n][];
            double[][][] samples = new double[n][4][rounds]; // jvm prefill, jvm decode, ort prefill, ort decode
            for (int i = 0; i < n; i++) { // warm-up
                DecoderFolderBenchmarks.measure(models[i], ids, context - prompt, true);
                measure(onnx[i], ids, context - prompt);
            }
            for (int r = 0; r < rounds; r++) {
                for (int i = 0; i < n; i++) {
                    for (boolean first : r % 2 == 0 ? new boolean[] {true, false} : new boolean[] {false, true}) {
                        double[] prefill = new double[REPEATS], decode = new double[REPEATS];
                        for (int k = 0; k < REPEATS; k++) {
                            double[] s = first ? DecoderFolderBenchmarks.measure(models[i], ids, context - prompt, true) : measure(onnx[i], ids, context - prompt);
                            prefill[k] = s[0];
                            decode[k] = s[1];
                        }
                        samples[i][first ? 0 : 2][r] = Stopwatch.median(prefill);
                        samples[i][first ? 1 : 3][r] = Stopwatch.median(decode);
                    }
                }
            }
            for (int i = 0; i < n; i++) {
                ObjectNode row = out.addObject();
                row.put("folder", folders.get(i).toString());
                row.put("onnx_bytes", bytes[i]);
                row.put("threads", threads);
                row.put("rounds", rounds);
                row.put("runs_a_round", REPEATS);
                row.put("prompt_tokens", prompt);
                row.put("new_tokens", context - prompt);
                String[] keys = {"jvm_pinned_prefill_tokens_per_s", "jvm_pinned_decode_tokens_per_s", "onnxruntime_prefill_tokens_per_s", "onnxruntime_decode_tokens_per_s"};
                double[] medians = new double[4];
                for (int k = 0; k < 4; k++) {
                    medians[k] = Stopwatch.median(samples[i][k]);
                    row.put(keys[k], Math.round(medians[k] * 10) / 10.0);
                }
                System.out.printf("%s (%.1f MB as ONNX): prefill %.0f tokens/s in ONNX Runtime against %.0f in the JVM runtime (weights pinned), decode %.1f against %.1f"
                        + " (medians of %d rounds of %d runs, %d threads)%n", folders.get(i), bytes[i] / 1e6, medians[2], medians[0], medians[3], medians[1], rounds,
                        REPEATS, threads);
            }
        } finally {
            for (OnnxDecoder d : onnx) {
                if (d != null) {
                    d.close();
                }
            }
        }
    }

    /** {prefill tokens/s, decode tokens/s} in ONNX Runtime, as {@link DecoderFolderBenchmarks#measure} times the JVM runtime. */
    static double[] measure(OnnxDecoder decoder, int[] prompt, int newTokens) throws OrtException {
        try (OnnxDecoder.Sequence sequence = decoder.start()) {
            long t0 = System.nanoTime();
            float[][] logits = sequence.append(prompt);
            long t1 = System.nanoTime();
            int next = (int) (Math.abs(logits[0][0]) * 1000) % 256;
            for (int i = 0; i < newTokens; i++) {
                logits = sequence.append(new int[] {next});
                next = (int) (Math.abs(logits[0][0]) * 1000) % 256; // the next input depends on the output
            }
            long t2 = System.nanoTime();
            return new double[] {prompt.length / ((t1 - t0) / 1e9), newTokens / ((t2 - t1) / 1e9)};
        }
    }
}
