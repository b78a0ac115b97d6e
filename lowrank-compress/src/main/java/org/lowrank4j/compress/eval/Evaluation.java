package org.lowrank4j.compress.eval;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.lowrank4j.compress.text.LabelledTexts;
import org.lowrank4j.compress.tokenize.EncodedBatch;
import org.lowrank4j.compress.tokenize.HfTokenizer;

/**
 * The evaluation protocol for encoders: one call compares a candidate (for example a compressed model) with
 * its reference on the same held-out sentences, probe set and runtime settings, and returns an
 * {@link EvalReport}. ONNX Runtime work happens here and in {@link EmbeddingRunner}; the metrics themselves are
 * in {@link EmbeddingMetrics} and {@link LogisticProbe}, on plain arrays.
 */
public final class Evaluation {

    private Evaluation() {
    }

    /**
     * Compares two ONNX encoders that share a tokenizer.
     *
     * @param reference         the original model
     * @param candidate         the model to judge
     * @param tokenizer         the tokenizer of both
     * @param pooling           how token states become embeddings (MEAN for MiniLM, CLS for bge)
     * @param heldOutSentences  sentences for cosine and recall@k (more than {@code options.neighbours()})
     * @param probeSet          a two-class labelled set for the linear probe
     * @param options           protocol settings
     * @throws IllegalArgumentException on missing or unloadable models, a tokenizer that does not match them,
     *                                  too few sentences, or a probe set without exactly two classes
     */
    public static EvalReport compare(Path reference, Path candidate, HfTokenizer tokenizer, Pooling pooling,
                                     List<String> heldOutSentences, LabelledTexts probeSet, EvalOptions options) {
        return compare(embedReference(reference, tokenizer, pooling, heldOutSentences, probeSet, options), candidate, options);
    }

    /**
     * The reference side of the protocol, computed once and reused for every candidate of a sweep.
     */
    public record Reference(Path model, HfTokenizer tokenizer, Pooling pooling, List<String> heldOut, LabelledTexts probeSet,
                            float[][] heldOutEmbeddings, float[][] probeEmbeddings) {
    }

    /** Embeds the held-out and probe texts with the reference model. */
    public static Reference embedReference(Path reference, HfTokenizer tokenizer, Pooling pooling, List<String> heldOutSentences,
                                           LabelledTexts probeSet, EvalOptions options) {
        if (heldOutSentences.size() <= options.neighbours()) {
            throw new IllegalArgumentException("recall@" + options.neighbours() + " needs more than "
                    + options.neighbours() + " held-out sentences, got " + heldOutSentences.size());
        }
        if (probeSet.classNames().size() != 2) {
            throw new IllegalArgumentException("the probe needs exactly two classes, " + probeSet.source()
                    + " has " + probeSet.classNames());
        }
        try (EmbeddingRunner ref = EmbeddingRunner.open(reference, runnerOptions(options))) {
            ref.requireMatches(tokenizer);
            return new Reference(reference, tokenizer, pooling, List.copyOf(heldOutSentences), probeSet,
                    ref.embed(tokenizer, heldOutSentences, pooling, options.normalize()),
                    ref.embed(tokenizer, probeSet.texts(), pooling, options.normalize()));
        }
    }

    /** Compares a candidate with a reference embedded earlier by {@link #embedReference}. */
    public static EvalReport compare(Reference reference, Path candidate, EvalOptions options) {
        long start = System.nanoTime();
        HfTokenizer tokenizer = reference.tokenizer();
        try (EmbeddingRunner cand = EmbeddingRunner.open(candidate, runnerOptions(options))) {
            cand.requireMatches(tokenizer);
            float[][] heldOutCand = cand.embed(tokenizer, reference.heldOut(), reference.pooling(), options.normalize());
            EvalReport.Fidelity fidelity = fidelity(reference.heldOutEmbeddings(), heldOutCand, options.neighbours());
            float[][] probeCand = cand.embed(tokenizer, reference.probeSet().texts(), reference.pooling(), options.normalize());
            EvalReport.Probe probe = probe(reference.probeEmbeddings(), probeCand, reference.probeSet(), options);

            EvalReport.Latency latency = null;
            long referenceBytes;
            try (EmbeddingRunner ref = EmbeddingRunner.open(reference.model(), runnerOptions(options))) {
                if (options.latencyRounds() > 0 && options.latencySentences() > 0) {
                    List<EncodedBatch> singles = new ArrayList<>();
                    for (String sentence : reference.heldOut().subList(0, Math.min(options.latencySentences(), reference.heldOut().size()))) {
                        singles.add(tokenizer.encode(List.of(sentence)));
                    }
                    latency = AlternatingLatency.measure(ref, cand, singles, options.warmupRounds(), options.latencyRounds());
                }
                referenceBytes = ref.fileBytes();
            }
            EvalReport.Sizes sizes = new EvalReport.Sizes(referenceBytes, cand.fileBytes());
            double seconds = (System.nanoTime() - start) / 1e9;
            return new EvalReport(reference.model().toString(), candidate.toString(), tokenizer.path().toString(), reference.pooling(),
                    fidelity, probe, latency, sizes, seconds, Map.of());
        }
    }

    private static EmbeddingRunner.Options runnerOptions(EvalOptions options) {
        return new EmbeddingRunner.Options(options.intraOpThreads(), options.batchSize());
    }

    /** Cosine statistics and recall@k between two embeddings of the same sentences. */
    public static EvalReport.Fidelity fidelity(float[][] reference, float[][] candidate, int neighbours) {
        double[] cosines = EmbeddingMetrics.rowCosines(reference, candidate);
        return new EvalReport.Fidelity(cosines.length, EmbeddingMetrics.mean(cosines),
                EmbeddingMetrics.percentile(cosines, 5), Arrays.stream(cosines).min().orElseThrow(), neighbours,
                EmbeddingMetrics.recallAtK(reference, candidate, neighbours));
    }

    /**
     * Probe accuracies of both embeddings of the probe set, averaged over {@code options.probeSplits()}
     * stratified splits; both embeddings are trained and tested on the same splits.
     */
    public static EvalReport.Probe probe(float[][] reference, float[][] candidate, LabelledTexts probeSet,
                                         EvalOptions options) {
        int[] labels = probeSet.labels();
        double sumReference = 0;
        double sumCandidate = 0;
        LogisticProbe.Split split = null;
        for (int s = 0; s < options.probeSplits(); s++) {
            split = LogisticProbe.stratifiedSplit(labels, options.probeTrainFraction(), options.seed() + s);
            sumReference += LogisticProbe.trainAndTest(reference, labels, split, options.probeL2());
            sumCandidate += LogisticProbe.trainAndTest(candidate, labels, split, options.probeL2());
        }
        int splits = options.probeSplits();
        return new EvalReport.Probe(String.join(" vs ", probeSet.classNames()), splits, split.train().length,
                split.test().length, sumReference / splits, sumCandidate / splits);
    }
}
