package org.lowrank4j.compress.eval;

/**
 * Settings of the evaluation protocol. Use {@link #defaults()} and the {@code with…} methods.
 *
 * @param intraOpThreads     ONNX Runtime intra-op threads of both sessions
 * @param batchSize          texts per run when embedding
 * @param normalize          L2-normalise embeddings (cosine and neighbours do not depend on it; the probe does)
 * @param neighbours         k of recall@k
 * @param probeTrainFraction share of each class used to train the probe; the rest tests it
 * @param probeL2            L2 strength of the probe's logistic regression (on standardised features)
 * @param seed               seed of the first probe train/test split
 * @param probeSplits        train/test splits the probe accuracy is averaged over (seeds seed, seed+1, …)
 * @param warmupRounds       untimed rounds per model before latency is measured
 * @param latencyRounds      timed rounds per model; the models alternate within each round
 * @param latencySentences   held-out sentences per round, each run alone (batch of one)
 */
public record EvalOptions(int intraOpThreads, int batchSize, boolean normalize, int neighbours,
                          double probeTrainFraction, double probeL2, long seed, int probeSplits,
                          int warmupRounds, int latencyRounds, int latencySentences) {

    public EvalOptions {
        if (intraOpThreads < 1 || batchSize < 1 || neighbours < 1 || probeSplits < 1) {
            throw new IllegalArgumentException("intraOpThreads, batchSize, neighbours and probeSplits must be at least 1");
        }
        if (!(probeTrainFraction > 0 && probeTrainFraction < 1) || probeL2 < 0) {
            throw new IllegalArgumentException("probeTrainFraction must be in (0, 1) and probeL2 >= 0, got "
                    + probeTrainFraction + " and " + probeL2);
        }
        if (warmupRounds < 0 || latencyRounds < 0 || latencySentences < 0) {
            throw new IllegalArgumentException("latency rounds and sentences must be non-negative");
        }
    }

    /**
     * 2 threads, batches of 32, normalised, recall@10; probe: 70/30 splits with seeds 42…46, l2 0.3; latency
     * over 10 rounds of 32 sentences after 2 warm-up rounds.
     */
    public static EvalOptions defaults() {
        return new EvalOptions(2, 32, true, 10, 0.7, 0.3, 42L, 5, 2, 10, 32);
    }

    public EvalOptions withThreads(int threads) {
        return new EvalOptions(threads, batchSize, normalize, neighbours, probeTrainFraction, probeL2, seed,
                probeSplits, warmupRounds, latencyRounds, latencySentences);
    }

    /** Latency settings; {@code rounds = 0} skips the latency measurement. */
    public EvalOptions withLatency(int warmup, int rounds, int sentences) {
        return new EvalOptions(intraOpThreads, batchSize, normalize, neighbours, probeTrainFraction, probeL2, seed, probeSplits,
                warmup, rounds, sentences);
    }

    public EvalOptions withNeighbours(int k) {
        return new EvalOptions(intraOpThreads, batchSize, normalize, k, probeTrainFraction, probeL2, seed,
                probeSplits, warmupRounds, latencyRounds, latencySentences);
    }

    public EvalOptions withProbe(double trainFraction, double l2, long splitSeed, int splits) {
        return new EvalOptions(intraOpThreads, batchSize, normalize, neighbours, trainFraction, l2, splitSeed,
                splits, warmupRounds, latencyRounds, latencySentences);
    }
}
