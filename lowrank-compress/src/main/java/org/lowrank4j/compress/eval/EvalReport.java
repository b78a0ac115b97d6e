package org.lowrank4j.compress.eval;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.lowrank4j.formats.io.AtomicFiles;

/**
 * The result of one evaluation run of a candidate model against its reference; written as one JSON file.
 *
 * @param referenceModel path of the reference model
 * @param candidateModel path of the candidate model
 * @param tokenizer      path of the tokenizer.json
 * @param pooling        pooling used for both models
 * @param fidelity       how close the candidate's embeddings are to the reference's
 * @param probe          linear-probe accuracy with each model's embeddings
 * @param latency        ONNX Runtime latency of both models, measured alternately; null when not measured
 * @param sizes          bytes on disk
 * @param evaluationSeconds wall time of the whole evaluation
 * @param extra          further entries (parameter counts, compression settings…), sorted by key
 * @param sets           fidelity on every text set of the run, the in-domain held-out set first (its figures are also
 *                       {@code fidelity}, kept for readers of older reports), then each out-of-domain set; empty in
 *                       reports written before out-of-domain sets existed
 * @param worst          the lowest figures over all of {@code sets}, each with the set it came from; derived from
 *                       {@code sets} (null when there are none)
 * @param worstOutOfDomain the same over the out-of-domain sets only; null when there are none
 */
public record EvalReport(String referenceModel, String candidateModel, String tokenizer, Pooling pooling,
                         Fidelity fidelity, Probe probe, Latency latency, Sizes sizes, double evaluationSeconds,
                         Map<String, Object> extra, List<SetFidelity> sets, Worst worst, Worst worstOutOfDomain) {

    /**
     * Fidelity on one named text set.
     *
     * @param name     short name ({@code held-out}, {@code moby-dick-narrative}, …)
     * @param source   where its sentences came from (a path or {@code vendored:FILE}), and how many were used
     * @param inDomain whether it is the held-out set of the calibration's own domain
     * @param fidelity the figures on it
     */
    public record SetFidelity(String name, String source, boolean inDomain, Fidelity fidelity) {
    }

    /**
     * The lowest mean cosine, p5 cosine and recall@k over a group of sets, each with the name of the set it is from
     * (they may be different sets).
     */
    public record Worst(String meanCosineSet, double meanCosine, String p5CosineSet, double p5Cosine, String recallSet,
                        double recallAtK) {

        /** The minima over {@code sets}; null when the list is empty. */
        public static Worst of(List<SetFidelity> sets) {
            if (sets == null || sets.isEmpty()) {
                return null;
            }
            SetFidelity cos = sets.get(0), p5 = sets.get(0), recall = sets.get(0);
            for (SetFidelity s : sets) {
                if (s.fidelity().meanCosine() < cos.fidelity().meanCosine()) {
                    cos = s;
                }
                if (s.fidelity().p5Cosine() < p5.fidelity().p5Cosine()) {
                    p5 = s;
                }
                if (s.fidelity().recallAtK() < recall.fidelity().recallAtK()) {
                    recall = s;
                }
            }
            return new Worst(cos.name(), cos.fidelity().meanCosine(), p5.name(), p5.fidelity().p5Cosine(), recall.name(),
                    recall.fidelity().recallAtK());
        }
    }

    /**
     * @param sentences   held-out sentences compared
     * @param meanCosine  mean cosine between the two embeddings of each sentence
     * @param p5Cosine    5th percentile of those cosines
     * @param minCosine   smallest of them
     * @param neighbours  k of recall@k
     * @param recallAtK   mean share of the reference's k nearest neighbours that the candidate also finds
     */
    public record Fidelity(int sentences, double meanCosine, double p5Cosine, double minCosine, int neighbours,
                           double recallAtK) {
    }

    /**
     * @param task              what is classified (class names)
     * @param splits            random stratified train/test splits averaged over
     * @param trainTexts        texts the probe is trained on, per split
     * @param testTexts         texts it is scored on, per split
     * @param accuracyReference mean test accuracy with the reference's embeddings
     * @param accuracyCandidate mean test accuracy with the candidate's embeddings
     */
    public record Probe(String task, int splits, int trainTexts, int testTexts, double accuracyReference,
                        double accuracyCandidate) {
    }

    /**
     * @param intraOpThreads    threads of both sessions
     * @param sentences         sentences per round, each run alone
     * @param rounds            timed rounds
     * @param msReference       median over rounds of milliseconds per sentence, reference
     * @param msCandidate       the same for the candidate
     * @param ratio             msCandidate / msReference (below 1: the candidate is faster)
     */
    public record Latency(int intraOpThreads, int sentences, int rounds, double msReference, double msCandidate,
                          double ratio) {
    }

    /**
     * @param bytesReference size of the reference model file
     * @param bytesCandidate size of the candidate model file
     */
    public record Sizes(long bytesReference, long bytesCandidate) {
    }

    public EvalReport {
        extra = extra == null ? Map.of() : java.util.Collections.unmodifiableMap(new TreeMap<>(extra));
        sets = sets == null ? List.of() : List.copyOf(sets);
        if (!sets.isEmpty()) { // always derived, so a report can never name a worst that its sets contradict
            worst = Worst.of(sets);
            worstOutOfDomain = Worst.of(sets.stream().filter(s -> !s.inDomain()).toList());
        }
    }

    /** A report with the held-out fidelity only (no out-of-domain sets), as written before they existed. */
    public EvalReport(String referenceModel, String candidateModel, String tokenizer, Pooling pooling, Fidelity fidelity, Probe probe,
                      Latency latency, Sizes sizes, double evaluationSeconds, Map<String, Object> extra) {
        this(referenceModel, candidateModel, tokenizer, pooling, fidelity, probe, latency, sizes, evaluationSeconds, extra, List.of(), null,
                null);
    }

    /** A copy with one more extra entry (replacing any with the same key). */
    public EvalReport withExtra(String key, Object value) {
        Map<String, Object> more = new TreeMap<>(extra);
        more.put(key, value);
        return new EvalReport(referenceModel, candidateModel, tokenizer, pooling, fidelity, probe, latency, sizes,
                evaluationSeconds, more, sets, worst, worstOutOfDomain);
    }

    /** The out-of-domain sets of {@link #sets()}, in order. */
    @com.fasterxml.jackson.annotation.JsonIgnore
    public List<SetFidelity> outOfDomain() {
        return sets.stream().filter(s -> !s.inDomain()).toList();
    }

    /** This report as indented JSON. */
    public String toJson() {
        try {
            return mapper().writeValueAsString(this);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot serialise the evaluation report", e);
        }
    }

    /**
     * Writes the JSON atomically: to a temporary file in the same folder, then renamed over {@code file}, so a
     * reader never sees half a report.
     *
     * @throws IllegalArgumentException if the folder does not exist or is not writable
     */
    public void writeJson(Path file) {
        Path folder = file.toAbsolutePath().getParent();
        if (folder == null || !Files.isDirectory(folder) || !Files.isWritable(folder)) {
            throw new IllegalArgumentException("cannot write report " + file + ": folder " + folder
                    + " does not exist or is not writable");
        }
        try {
            AtomicFiles.writeString(file, toJson() + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write report " + file, e);
        }
    }

    /** Reads a report written by {@link #writeJson(Path)}. */
    public static EvalReport readJson(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("report " + file + " does not exist");
        }
        try {
            return mapper().readValue(file.toFile(), EvalReport.class);
        } catch (IOException e) {
            throw new IllegalArgumentException(file + " is not an evaluation report: " + e.getMessage(), e);
        }
    }

    private static ObjectMapper mapper() {
        return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    }
}
