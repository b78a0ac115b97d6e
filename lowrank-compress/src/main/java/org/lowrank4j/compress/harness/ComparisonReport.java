package org.lowrank4j.compress.harness;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import org.lowrank4j.compress.methods.Methods;
import org.lowrank4j.compress.report.HtmlReport;
import org.lowrank4j.compress.report.SvgChart;
import org.lowrank4j.formats.io.AtomicFiles;

/**
 * The outputs of an encoder comparison: one JSON, one Markdown table, one HTML page with quality-against-size plots.
 * Everything is made from the rows' JSON ({@link #run}), so rows kept by a {@link ComparisonJournal} from an
 * interrupted run and rows computed now end up in one report.
 */
public final class ComparisonReport {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private ComparisonReport() {
    }

    /** One row as it appears under "runs" in results.json. */
    public static ObjectNode run(EncoderComparison.Row r) {
        ObjectNode run = JSON.createObjectNode();
        run.put("method", r.method()).put("allocation", r.allocation()).put("ratio_requested", r.ratio());
        run.put("ratio_targeted_layers", r.outcome().result().achievedRatio()).put("ratio_whole_model", r.outcome().modelRatio());
        run.put("parameters_model_after", r.outcome().modelParametersAfter()).put("parameters_model_before", r.outcome().modelParametersBefore());
        run.put("parameters_targeted_after", r.outcome().result().targetedParametersAfter())
                .put("parameters_targeted_before", r.outcome().result().targetedParametersBefore());
        run.put("bytes_after", r.outcome().bytesOut()).put("bytes_before", r.outcome().bytesIn());
        run.put("bytes_ratio", bytesRatio(r.outcome().bytesOut(), r.outcome().bytesIn()));
        run.put("quantized", isQuantized(r.method()));
        run.put("compress_seconds", r.outcome().compressSeconds()).put("calibration_seconds", r.outcome().calibrationSeconds());
        run.set("eval", JSON.valueToTree(r.eval()));
        return run;
    }

    public static List<JsonNode> runs(List<EncoderComparison.Row> rows) {
        return rows.stream().map(r -> (JsonNode) run(r)).toList();
    }

    public static String markdown(List<EncoderComparison.Row> rows) {
        return markdownOf(runs(rows));
    }

    public static String markdownOf(List<JsonNode> runs) {
        StringBuilder md = new StringBuilder("| method | allocation | ratio (targeted) | ratio (model) | MB | × bytes** | mean cos | p5 cos | recall@10 | worst out-of-domain cos / recall@10*** | probe ref | probe cand | latency ratio | compress s* |\n")
                .append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        boolean anyQuantized = false;
        for (JsonNode r : runs) {
            JsonNode fidelity = r.path("eval").path("fidelity"), probe = r.path("eval").path("probe"), latency = r.path("eval").path("latency");
            boolean quantized = quantized(r);
            anyQuantized |= quantized;
            md.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %.1f | %s | %.4f | %.4f | %.4f | %s | %.4f | %.4f | %s | %.1f |%n",
                    r.path("method").asText(), r.path("allocation").asText(),
                    quantized ? "-" : String.format(Locale.ROOT, "%.3f", r.path("ratio_targeted_layers").asDouble()),
                    quantized ? "-" : String.format(Locale.ROOT, "%.3f", r.path("ratio_whole_model").asDouble()),
                    r.path("bytes_after").asDouble() / 1e6, bytesRatioText(r), fidelity.path("meanCosine").asDouble(),
                    fidelity.path("p5Cosine").asDouble(), fidelity.path("recallAtK").asDouble(), worstOutOfDomain(r.path("eval")),
                    probe.path("accuracyReference").asDouble(),
                    probe.path("accuracyCandidate").asDouble(),
                    latency.isObject() ? String.format(Locale.ROOT, "%.3f", latency.path("ratio").asDouble()) : "-",
                    r.path("compress_seconds").asDouble()));
        }
        md.append("\n*compress s: seconds of `compress` for that row; a method decomposes its sites once, in its first row, and later rows reuse the decomposition.\n");
        md.append("**× bytes: the written file's bytes over the input model's (fp32) bytes.");
        if (anyQuantized) {
            md.append(" Quantizing methods keep every parameter (their parameter ratios would read 0, so they print -): for them × bytes is the size.");
        }
        md.append("\n");
        md.append("***the lowest mean cosine and the lowest recall@10 over the out-of-domain sets (vendored Moby Dick narrative and dialogue),"
                + " each with its set; mean cos, p5 cos and recall@10 are on the in-domain held-out set. Every set's figures are in results.json"
                + " (eval.sets).\n");
        return md.toString();
    }

    /** "cos (set) / recall (set)" of a report's worstOutOfDomain, or "-" for a row without out-of-domain sets. */
    static String worstOutOfDomain(JsonNode eval) {
        JsonNode w = eval.path("worstOutOfDomain");
        if (!w.isObject()) {
            return "-";
        }
        return String.format(Locale.ROOT, "%.4f (%s) / %.4f (%s)", w.path("meanCosine").asDouble(), w.path("meanCosineSet").asText(),
                w.path("recallAtK").asDouble(), w.path("recallSet").asText());
    }

    /** Written bytes over input bytes; 0 when the input size is unknown. */
    static double bytesRatio(long after, long before) {
        return before > 0 ? (double) after / before : 0;
    }

    /** Whether a row's method label names a quantizing method (false for labels that are no method spec). */
    static boolean isQuantized(String method) {
        try {
            return Methods.isQuantized(method);
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** A run's quantized flag; rows written before the flag existed are judged by their method label. */
    static boolean quantized(JsonNode run) {
        JsonNode flag = run.path("quantized");
        return flag.isBoolean() ? flag.asBoolean() : isQuantized(run.path("method").asText());
    }

    private static String bytesRatioText(JsonNode run) {
        double ratio = run.path("bytes_ratio").isNumber() ? run.path("bytes_ratio").asDouble()
                : bytesRatio(run.path("bytes_after").asLong(), run.path("bytes_before").asLong());
        return ratio > 0 ? String.format(Locale.ROOT, "%.3f×", ratio) : "-";
    }

    public static ObjectNode json(List<EncoderComparison.Row> rows, Map<String, Object> context) {
        return jsonOf(runs(rows), context);
    }

    public static ObjectNode jsonOf(List<JsonNode> runs, Map<String, Object> context) {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode ctx = root.putObject("context");
        context.forEach(ctx::putPOJO);
        root.putArray("runs").addAll(runs);
        return root;
    }

    /** Writes results.json, results.md and report.html into {@code folder}. */
    public static void write(Path folder, List<EncoderComparison.Row> rows, Map<String, Object> context) throws IOException {
        writeRuns(folder, runs(rows), context);
    }

    /** As {@link #write}, from the rows' JSON. */
    public static void writeRuns(Path folder, List<JsonNode> runs, Map<String, Object> context) throws IOException {
        AtomicFiles.writeString(folder.resolve("results.json"), JSON.writeValueAsString(jsonOf(runs, context)) + "\n");
        String table = markdownOf(runs);
        AtomicFiles.writeString(folder.resolve("results.md"), table);
        HtmlReport page = new HtmlReport("lowrank4j comparison");
        context.forEach((k, v) -> page.summary(k, String.valueOf(v)));
        page.section("Mean cosine against whole-model size", chart(runs, "mean cosine to the original",
                r -> r.path("eval").path("fidelity").path("meanCosine").asDouble()).render());
        page.section("Recall@10 against whole-model size", chart(runs, "recall@10 of the original's neighbours",
                r -> r.path("eval").path("fidelity").path("recallAtK").asDouble()).render());
        if (runs.stream().anyMatch(r -> r.path("eval").path("worstOutOfDomain").isObject())) {
            page.section("Worst out-of-domain mean cosine against whole-model size", chart(runs.stream()
                    .filter(r -> r.path("eval").path("worstOutOfDomain").isObject()).toList(), "worst out-of-domain mean cosine",
                    r -> r.path("eval").path("worstOutOfDomain").path("meanCosine").asDouble()).render());
        }
        page.section("Probe accuracy against whole-model size", chart(runs, "probe accuracy (candidate)",
                r -> r.path("eval").path("probe").path("accuracyCandidate").asDouble()).render());
        page.section("Table", "<pre>" + SvgChart.escape(table) + "</pre>");
        AtomicFiles.writeString(folder.resolve("report.html"), page.render());
    }

    /** One line per method/allocation: the metric against whole-model parameters. */
    static SvgChart chart(List<JsonNode> runs, String yLabel, ToDoubleFunction<JsonNode> metric) {
        return chart(runs, yLabel, false, null, 0, 0, metric);
    }

    /** As above, with an optional reference point (the dense model: its parameters and metric) drawn first. */
    static SvgChart chart(List<JsonNode> runs, String yLabel, boolean logY, String referenceLabel, double referenceParameters,
                          double referenceValue, ToDoubleFunction<JsonNode> metric) {
        Map<String, List<JsonNode>> byLine = new LinkedHashMap<>();
        for (JsonNode r : runs) {
            if (quantized(r)) {
                continue; // they keep every parameter: on a parameter axis they would all sit at the dense model
            }
            byLine.computeIfAbsent(r.path("method").asText() + "/" + r.path("allocation").asText(), k -> new ArrayList<>()).add(r);
        }
        SvgChart chart = new SvgChart(yLabel + " vs size", "whole-model parameters (millions)", yLabel, logY);
        if (referenceLabel != null) {
            chart.lineWithMarkers(referenceLabel, new double[] {referenceParameters / 1e6}, new double[] {referenceValue});
        }
        byLine.forEach((label, list) -> {
            double[] x = new double[list.size()], y = new double[list.size()];
            for (int i = 0; i < list.size(); i++) {
                x[i] = list.get(i).path("parameters_model_after").asDouble() / 1e6;
                y[i] = metric.applyAsDouble(list.get(i));
            }
            chart.lineWithMarkers(label, x, y);
        });
        return chart;
    }
}
