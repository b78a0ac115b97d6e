package org.lowrank4j.compress.harness;

import java.nio.file.Path;
import java.util.List;
import org.lowrank4j.compress.eval.Pooling;

/**
 * One comparison: methods × allocations × ratios (or target sizes) on one model, with one calibration and one
 * evaluation; options of the other protocol (encoder or decoder) must be left null, and are refused naming them.
 * Built with {@link #builder()}.
 *
 * @param model an ONNX encoder or a decoder model folder
 * @param tokenizer encoder: its tokenizer.json (required)
 * @param pooling encoder: the model's pooling (default mean)
 * @param calibration encoder: calibration text (default: the vendored SOTU 1790–1899 set)
 * @param calibrationSequences encoder: calibration sequences (default 256)
 * @param calibrationUnit encoder with a calibration path: sentences or chunks
 * @param heldOut encoder: held-out sentences (default: the vendored SOTU 1900–1945 set)
 * @param sentences encoder: at most this many held-out sentences
 * @param probe encoder: label&lt;TAB&gt;text file or SpamAssassin folder (default: the vendored party probe)
 * @param data decoder: folder of YEAR_*.txt files (default ../shared/data/sotu)
 * @param calibrationFrom decoder: first calibration year (default 1790)
 * @param calibrationTo decoder: last calibration year (default 1945)
 * @param evalFrom decoder: first held-out year (default 1981)
 * @param evalTo decoder: last held-out year (default 2021)
 * @param maxBytes decoder: the first N bytes of held-out text (default 150000)
 * @param calibrationWindows decoder: calibration windows (default 64)
 * @param methods method specs
 * @param allocations allocation names
 * @param ratios ratios, or null with targetSizes
 * @param targetSizes sizes instead of ratios, or null
 * @param out the results folder
 * @param resume keep the finished rows of an interrupted run of the same setup
 * @param statsCache where calibration statistics are kept (null: the default cache)
 * @param noStatsCache keep no statistics
 * @param keepModels encoder: keep every compressed model in out
 * @param command the command line, for the record
 */
public record ComparisonRequest(Path model, Path tokenizer, Pooling pooling, Path calibration, Integer calibrationSequences, String calibrationUnit, Path heldOut, int sentences, Path probe, Path data, Integer calibrationFrom, Integer calibrationTo, Integer evalFrom, Integer evalTo, Long maxBytes, Integer calibrationWindows, List<String> methods, List<String> allocations, List<Double> ratios, List<String> targetSizes, Path out, boolean resume, Path statsCache, boolean noStatsCache, boolean keepModels, String command) {

    public static Builder builder() {
        return new Builder();
    }

    /** A request under construction. */
    public static final class Builder {
        private Path model;
        private Path tokenizer;
        private Pooling pooling = Pooling.MEAN;
        private Path calibration;
        private Integer calibrationSequences;
        private String calibrationUnit;
        private Path heldOut;
        private int sentences = 500;
        private Path probe;
        private Path data;
        private Integer calibrationFrom;
        private Integer calibrationTo;
        private Integer evalFrom;
        private Integer evalTo;
        private Long maxBytes;
        private Integer calibrationWindows;
        private List<String> methods = List.of("svd", "asvd", "whitened");
        private List<String> allocations = List.of("uniform");
        private List<Double> ratios;
        private List<String> targetSizes;
        private Path out;
        private boolean resume;
        private Path statsCache;
        private boolean noStatsCache;
        private boolean keepModels;
        private String command;

        public Builder model(Path v) { model = v; return this; }
        public Builder tokenizer(Path v) { tokenizer = v; return this; }
        public Builder pooling(Pooling v) { pooling = v; return this; }
        public Builder calibration(Path v) { calibration = v; return this; }
        public Builder calibrationSequences(Integer v) { calibrationSequences = v; return this; }
        public Builder calibrationUnit(String v) { calibrationUnit = v; return this; }
        public Builder heldOut(Path v) { heldOut = v; return this; }
        public Builder sentences(int v) { sentences = v; return this; }
        public Builder probe(Path v) { probe = v; return this; }
        public Builder data(Path v) { data = v; return this; }
        public Builder calibrationFrom(Integer v) { calibrationFrom = v; return this; }
        public Builder calibrationTo(Integer v) { calibrationTo = v; return this; }
        public Builder evalFrom(Integer v) { evalFrom = v; return this; }
        public Builder evalTo(Integer v) { evalTo = v; return this; }
        public Builder maxBytes(Long v) { maxBytes = v; return this; }
        public Builder calibrationWindows(Integer v) { calibrationWindows = v; return this; }
        public Builder methods(List<String> v) { methods = v; return this; }
        public Builder allocations(List<String> v) { allocations = v; return this; }
        public Builder ratios(List<Double> v) { ratios = v; return this; }
        public Builder targetSizes(List<String> v) { targetSizes = v; return this; }
        public Builder out(Path v) { out = v; return this; }
        public Builder resume(boolean v) { resume = v; return this; }
        public Builder statsCache(Path v) { statsCache = v; return this; }
        public Builder noStatsCache(boolean v) { noStatsCache = v; return this; }
        public Builder keepModels(boolean v) { keepModels = v; return this; }
        public Builder command(String v) { command = v; return this; }

        public ComparisonRequest build() {
            return new ComparisonRequest(model, tokenizer, pooling, calibration, calibrationSequences, calibrationUnit, heldOut, sentences, probe, data, calibrationFrom, calibrationTo, evalFrom, evalTo, maxBytes, calibrationWindows, methods, allocations, ratios, targetSizes, out, resume, statsCache, noStatsCache, keepModels, command);
        }
    }
}
