package org.lowrank4j.bench;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.lowrank4j.linalg.Linalg;
import org.lowrank4j.nn.arch.llama.LlamaModel;
import org.lowrank4j.nn.generate.DecoderCache;
import org.lowrank4j.nn.generate.PinnedWeights;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;

/**
 * Prefill and KV-cache decode speed of decoder folders as written (dense, low-rank factor pairs, narrowed by MoDeGPT),
 * in one JVM: each round runs every folder once in turn (a prompt of {@code context/4} tokens, then decoding to the
 * full context), and the medians over rounds are reported; each round also runs every folder with its weights pinned
 * ({@link PinnedWeights}: dense and low-rank ones and the output projection, read from the backend's copy instead of
 * copied in at every product), the two in alternating order.
 */
final class DecoderFolderBenchmarks {
    private final int threads;
    private final boolean quick;

    DecoderFolderBenchmarks(int threads, boolean quick) {
        this.threads = threads;
        this.quick = quick;
    }

    void run(ArrayNode out, List<Path> folders) throws IOException {
        Linalg.setThreads(threads);
        int rounds = quick ? 2 : 7;
        LlamaModel[] models = new LlamaModel[folders.size()];
        for (int i = 0; i < models.length; i++) {
            models[i] = LlamaModel.load(folders.get(i), Precision.FLOAT32);
        }
        int context = models[0].maxPositions(), prompt = context / 4;
        int[] ids = prompt(prompt);
        double[][] prefill = new double[models.length][rounds], decode = new double[models.length][rounds];
        double[][] prefillPinned = new double[models.length][rounds], decodePinned = new double[models.length][rounds];
        for (LlamaModel m : models) {
            measure(m, ids, context - prompt, false); // warm-up
            measure(m, ids, context - prompt, true);
        }
        for (int r = 0; r < rounds; r++) {
            for (int i = 0; i < models.length; i++) {
                for (boolean pinned : r % 2 == 0 ? new boolean[] {false, true} : new boolean[] {true, false}) {
                    double[] s = measure(models[i], ids, context - prompt, pinned);
                    (pinned ? prefillPinned : prefill)[i][r] = s[0];
                    (pinned ? decodePinned : decode)[i][r] = s[1];
                }
            }
        }
        for (int i = 0; i < models.length; i++) {
            ObjectNode row = out.addObject();
            row.put("folder", folders.get(i).toString());
            row.put("parameters", models[i].parameterCount());
            row.put("threads", threads);
            row.put("rounds", rounds);
            row.put("prompt_tokens", prompt);
            row.put("new_tokens", context - prompt);
            row.put("prefill_tokens_per_s", Math.round(Stopwatch.median(prefill[i]) * 10) / 10.0);
            row.put("decode_tokens_per_s", Math.round(Stopwatch.median(decode[i]) * 10) / 10.0);
            row.put("prefill_tokens_per_s_pinned", Math.round(Stopwatch.median(prefillPinned[i]) * 10) / 10.0);
            row.put("decode_tokens_per_s_pinned", Math.round(Stopwatch.median(decodePinned[i]) * 10) / 10.0);
            System.out.printf("%s: %d parameters, prefill %.0f tokens/s, decode %.1f tokens/s; weights pinned: prefill %.0f, decode %.1f"
                    + " (medians of %d rounds, %d threads)%n", folders.get(i), models[i].parameterCount(), Stopwatch.median(prefill[i]),
                    Stopwatch.median(decode[i]), Stopwatch.median(prefillPinned[i]), Stopwatch.median(decodePinned[i]), rounds, threads);
        }
    }

    /** The benchmarks' prompt: {@code length} printable bytes, the same every run. */
    static int[] prompt(int length) {
        int[] ids = new int[length];
        Random random = new Random(3);
        for (int i = 0; i < length; i++) {
            ids[i] = 32 + random.nextInt(90);
        }
        return ids;
    }

    /**
     * {prefill tokens/s, decode tokens/s}: the prompt in one step, then {@code newTokens} single-token steps; with
     * {@code pinned}, between pinning the weights and unpinning them (the pinning itself is not timed).
     */
    static double[] measure(org.lowrank4j.nn.generate.CausalLanguageModel model, int[] prompt, int newTokens, boolean pinned) {
        if (pinned) {
            try (PinnedWeights weights = PinnedWeights.of(model)) {
                return measure(model, prompt, newTokens, false);
            }
        }
        DecoderCache cache = model.newCache(1, prompt.length + newTokens);
        long t0 = System.nanoTime();
        Tensor logits = model.decode(prompt, 1, prompt.length, cache);
        long t1 = System.nanoTime();
        int next = (int) (Math.abs(logits.get(0)) * 1000) % 256;
        for (int i = 0; i < newTokens; i++) {
            logits = model.decode(new int[] {next}, 1, 1, cache);
            next = (int) (Math.abs(logits.get(0)) * 1000) % 256; // the next input depends on the output
        }
        long t2 = System.nanoTime();
        return new double[] {prompt.length / ((t1 - t0) / 1e9), newTokens / ((t2 - t1) / 1e9)};
    }
}
