package org.lowrank4j.compress.eval;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.lowrank4j.nn.train.LabelledTexts;
import org.lowrank4j.compress.text.TextCorpus;
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

    /** Name of the in-domain held-out set in {@link EvalReport#sets()}. */
    public static final String HELD_OUT = "held-out";

    /**
     * A named set of sentences on which fidelity is measured.
     *
     * @param name   short name, unique within a run
     * @param source where the sentences came from
     * @param texts  the sentences (more than the k of recall@k)
     */
    public record TextSet(String name, String source, List<String> texts) {
        public TextSet {
            texts = List.copyOf(texts);
        }
    }

    /**
     * The out-of-domain sets of the protocol: the vendored Moby Dick narrative sentences and quoted speech
     * ({@link TextCorpus#mobyDickNarrative()}, {@link TextCorpus#mobyDickDialogue()}), at most {@code maxSentences}
     * of each (the first ones). Nothing in the project calibrates, probes or distils on them.
     */
    public static List<TextSet> outOfDomainSets(int maxSentences) {
        List<TextSet> sets = new ArrayList<>();
        for (TextCorpus corpus : List.of(TextCorpus.mobyDickNarrative(), TextCorpus.mobyDickDialogue())) {
            String file = corpus.source().substring(corpus.source().indexOf(':') + 1);
            sets.add(new TextSet(file.substring(0, file.length() - ".txt".length()), corpus.source(), corpus.first(maxSentences)));
        }
        return sets;
    }

    /**
     * A set of the user's own text, given as {@code NAME=PATH} ({@code eval --set}): one text per non-blank line of a
     * .txt file or of every .txt file under a folder, at most {@code maxSentences} (the first ones). Measured like
     * the out-of-domain sets, so that a user can see the fidelity on the text they will embed.
     *
     * @throws IllegalArgumentException naming {@code option} for a spec without a name or path, or a reserved name
     */
    public static TextSet userSet(String spec, int maxSentences, String option) {
        int eq = spec == null ? -1 : spec.indexOf('=');
        if (eq <= 0 || eq == spec.length() - 1) {
            throw new IllegalArgumentException(option + " expects NAME=FILE (a name for the report, then a .txt file or folder, one text a line), got "
                    + spec);
        }
        String name = spec.substring(0, eq).trim();
        if (!name.matches("[A-Za-z0-9._-]+")) {
            throw new IllegalArgumentException(option + " name " + name + " may hold only letters, digits, '.', '_' and '-'");
        }
        if (name.equals(HELD_OUT)) {
            throw new IllegalArgumentException(option + " name " + HELD_OUT + " is the in-domain set's; choose another");
        }
        Path path = Path.of(spec.substring(eq + 1).trim());
        return new TextSet(name, path.toString(), TextCorpus.lines(path).first(maxSentences));
    }

    /**
     * Compares two ONNX encoders that share a tokenizer on the held-out sentences only (no out-of-domain sets).
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
        return compare(reference, candidate, tokenizer, pooling, heldOutSentences, List.of(), probeSet, options);
    }

    /**
     * Compares two ONNX encoders that share a tokenizer on the in-domain held-out sentences and on each out-of-domain
     * set; the report carries the figures of every set and the worst of them.
     *
     * @param outOfDomain sets of other text (for example {@link #outOfDomainSets(int)}), names distinct and not
     *                    {@value #HELD_OUT}
     */
    public static EvalReport compare(Path reference, Path candidate, HfTokenizer tokenizer, Pooling pooling,
                                     List<String> heldOutSentences, List<TextSet> outOfDomain, LabelledTexts probeSet,
                                     EvalOptions options) {
        return compare(embedReference(reference, tokenizer, pooling, heldOutSentences, outOfDomain, probeSet, options), candidate, options);
    }

    /**
     * The reference side of the protocol, computed once and reused for every candidate of a sweep.
     */
    public record Reference(Path model, HfTokenizer tokenizer, Pooling pooling, List<String> heldOut, LabelledTexts probeSet,
                            float[][] heldOutEmbeddings, float[][] probeEmbeddings, List<TextSet> outOfDomain,
                            List<float[][]> outOfDomainEmbeddings) {
    }

    /** Embeds the held-out and probe texts with the reference model (no out-of-domain sets). */
    public static Reference embedReference(Path reference, HfTokenizer tokenizer, Pooling pooling, List<String> heldOutSentences,
                                           LabelledTexts probeSet, EvalOptions options) {
        return embedReference(reference, tokenizer, pooling, heldOutSentences, List.of(), probeSet, options);
    }

    /** Embeds the held-out texts, each out-of-domain set and the probe texts with the reference model. */
    public static Reference embedReference(Path reference, HfTokenizer tokenizer, Pooling pooling, List<String> heldOutSentences,
                                           List<TextSet> outOfDomain, LabelledTexts probeSet, EvalOptions options) {
        if (heldOutSentences.size() <= options.neighbours()) {
            throw new IllegalArgumentException("recall@" + options.neighbours() + " needs more than "
                    + options.neighbours() + " held-out sentences, got " + heldOutSentences.size());
        }
        java.util.Set<String> names = new java.util.HashSet<>(List.of(HELD_OUT));
        for (TextSet set : outOfDomain) {
            if (!names.add(set.name())) {
                throw new IllegalArgumentException("text set name " + set.name() + " is used twice");
            }
            if (set.texts().size() <= options.neighbours()) {
                throw new IllegalArgumentException("recall@" + options.neighbours() + " needs more than " + options.neighbours()
                        + " sentences, out-of-domain set " + set.name() + " has " + set.texts().size());
            }
        }
        if (probeSet.classNames().size() != 2) {
            throw new IllegalArgumentException("the probe needs exactly two classes, " + probeSet.source()
                    + " has " + probeSet.classNames());
        }
        try (EmbeddingRunner ref = EmbeddingRunner.open(reference, runnerOptions(options))) {
            ref.requireMatches(tokenizer);
            List<float[][]> outOfDomainEmbeddings = new ArrayList<>();
            for (TextSet set : outOfDomain) {
                outOfDomainEmbeddings.add(ref.embed(tokenizer, set.texts(), pooling, options.normalize()));
            }
            return new Reference(reference, tokenizer, pooling, List.copyOf(heldOutSentences), probeSet,
                    ref.embed(tokenizer, heldOutSentences, pooling, options.normalize()),
                    ref.embed(tokenizer, probeSet.texts(), pooling, options.normalize()), List.copyOf(outOfDomain),
                    List.copyOf(outOfDomainEmbeddings));
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
            List<EvalReport.SetFidelity> sets = new ArrayList<>();
            sets.add(new EvalReport.SetFidelity(HELD_OUT, reference.heldOut().size() + " in-domain held-out sentences", true, fidelity));
            for (int i = 0; i < reference.outOfDomain().size(); i++) {
                TextSet set = reference.outOfDomain().get(i);
                float[][] embedded = cand.embed(tokenizer, set.texts(), reference.pooling(), options.normalize());
                sets.add(new EvalReport.SetFidelity(set.name(), set.source() + ", " + set.texts().size() + " sentences", false,
                        fidelity(reference.outOfDomainEmbeddings().get(i), embedded, options.neighbours())));
            }
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
                    fidelity, probe, latency, sizes, seconds, Map.of(), sets, null, null);
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
