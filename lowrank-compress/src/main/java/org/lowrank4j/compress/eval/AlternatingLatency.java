package org.lowrank4j.compress.eval;

import java.util.Arrays;
import java.util.List;
import org.lowrank4j.compress.tokenize.EncodedBatch;

/**
 * Measures ONNX Runtime latency per sentence of two models in one run, alternating between them so that
 * drift of the machine (frequency, other load, caches) falls on both alike. Each sentence runs alone (a batch
 * of one, no padding); tokenization is done beforehand and not timed.
 *
 * <p>After the warm-up rounds, round r runs the reference then the candidate when r is even and the other way
 * round when it is odd. The figure per model is the median over rounds of (round time / sentences).
 */
public final class AlternatingLatency {

    private AlternatingLatency() {
    }

    /** Milliseconds per sentence of both models and their ratio. */
    public static EvalReport.Latency measure(EmbeddingRunner reference, EmbeddingRunner candidate,
                                             List<EncodedBatch> sentences, int warmupRounds, int rounds) {
        if (sentences.isEmpty() || rounds < 1) {
            throw new IllegalArgumentException("latency needs at least one sentence and one round, got "
                    + sentences.size() + " and " + rounds);
        }
        for (int w = 0; w < warmupRounds; w++) {
            timeRound(reference, sentences);
            timeRound(candidate, sentences);
        }
        double[] referenceMs = new double[rounds];
        double[] candidateMs = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            if (r % 2 == 0) {
                referenceMs[r] = timeRound(reference, sentences);
                candidateMs[r] = timeRound(candidate, sentences);
            } else {
                candidateMs[r] = timeRound(candidate, sentences);
                referenceMs[r] = timeRound(reference, sentences);
            }
        }
        double ref = median(referenceMs);
        double cand = median(candidateMs);
        return new EvalReport.Latency(reference.options().intraOpThreads(), sentences.size(), rounds, ref, cand,
                cand / ref);
    }

    /** Milliseconds per sentence for one pass over the sentences. */
    private static double timeRound(EmbeddingRunner runner, List<EncodedBatch> sentences) {
        long start = System.nanoTime();
        for (EncodedBatch sentence : sentences) {
            runner.runOnly(sentence);
        }
        return (System.nanoTime() - start) / 1e6 / sentences.size();
    }

    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}
