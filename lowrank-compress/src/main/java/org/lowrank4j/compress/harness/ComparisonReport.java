package org.lowrank4j.compress.harness;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.lowrank4j.compress.eval.EvalReport;
import org.lowrank4j.compress.report.HtmlReport;
import org.lowrank4j.compress.report.SvgChart;
import org.lowrank4j.formats.io.AtomicFiles;

/** The outputs of a comparison: one JSON, one Markdown table, one HTML page with quality-against-size plots. */
public final class ComparisonReport {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private ComparisonReport() {
    }

    public static String markdown(List<EncoderComparison.Row> rows) {
        StringBuilder md = new StringBuilder("| method | allocation | ratio (targeted) | ratio (model) | MB | mean cos | p5 cos | recall@10 | probe ref | probe cand | latency ratio | compress s* |\n")
                .append("|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (EncoderComparison.Row r : rows) {
            EvalReport e = r.eval();
            md.append(String.format(Locale.ROOT, "| %s | %s | %.3f | %.3f | %.1f | %.4f | %.4f | %.4f | %.4f | %.4f | %s | %.1f |%n", r.method(), r.allocation(),
                    r.outcome().result().achievedRatio(), r.outcome().modelRatio(), r.outcome().bytesOut() / 1e6, e.fidelity().meanCosine(),
                    e.fidelity().p5Cosine(), e.fidelity().recallAtK(), e.probe().accuracyReference(), e.probe().accuracyCandidate(),
                    e.latency() == null ? "-" : String.format(Locale.ROOT, "%.3f", e.latency().ratio()), r.outcome().compressSeconds()));
        }
        md.append("\n*compress s: seconds of `compress` for that row; a method decomposes its sites once, in its first row, and later rows reuse the decomposition.\n");
        return md.toString();
    }

    public static ObjectNode json(List<EncoderComparison.Row> rows, Map<String, Object> context) {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode ctx = root.putObject("context");
        context.forEach((k, v) -> ctx.putPOJO(k, v));
        ArrayNode out = root.putArray("runs");
        for (EncoderComparison.Row r : rows) {
            ObjectNode run = out.addObject();
            run.put("method", r.method()).put("allocation", r.allocation()).put("ratio_requested", r.ratio());
            run.put("ratio_targeted_layers", r.outcome().result().achievedRatio()).put("ratio_whole_model", r.outcome().modelRatio());
            run.put("parameters_model_after", r.outcome().modelParametersAfter()).put("parameters_model_before", r.outcome().modelParametersBefore());
            run.put("parameters_targeted_after", r.outcome().result().targetedParametersAfter())
                    .put("parameters_targeted_before", r.outcome().result().targetedParametersBefore());
            run.put("bytes_after", r.outcome().bytesOut()).put("bytes_before", r.outcome().bytesIn());
            run.put("compress_seconds", r.outcome().compressSeconds()).put("calibration_seconds", r.outcome().calibrationSeconds());
            run.set("eval", JSON.valueToTree(r.eval()));
        }
        return root;
    }

    /** Writes results.json, results.md and report.html into {@code folder}. */
    public static void write(Path folder, List<EncoderComparison.Row> rows, Map<String, Object> context) throws IOException {
        AtomicFiles.writeString(folder.resolve("results.json"), JSON.writeValueAsString(json(rows, context)) + "\n");
        AtomicFiles.writeString(folder.resolve("results.md"), markdown(rows));
        HtmlReport page = new HtmlReport("lowrank4j comparison");
        context.forEach((k, v) -> page.summary(k, String.valueOf(v)));
        page.section("Mean cosine against whole-model size", chart(rows, "mean cosine to the original", r -> r.eval().fidelity().meanCosine()).render());
        page.section("Recall@10 against whole-model size", chart(rows, "recall@10 of the original's neighbours", r -> r.eval().fidelity().recallAtK()).render());
        page.section("Probe accuracy against whole-model size", chart(rows, "probe accuracy (candidate)", r -> r.eval().probe().accuracyCandidate()).render());
        page.section("Table", "<pre>" + SvgChart.escape(markdown(rows)) + "</pre>");
        AtomicFiles.writeString(folder.resolve("report.html"), page.render());
    }

    private static SvgChart chart(List<EncoderComparison.Row> rows, String yLabel, java.util.function.ToDoubleFunction<EncoderComparison.Row> metric) {
        Map<String, List<EncoderComparison.Row>> byLine = new LinkedHashMap<>();
        for (EncoderComparison.Row r : rows) {
            byLine.computeIfAbsent(r.label(), k -> new ArrayList<>()).add(r);
        }
        SvgChart chart = new SvgChart(yLabel + " vs size", "whole-model parameters (millions)", yLabel, false);
        byLine.forEach((label, list) -> {
            double[] x = new double[list.size()], y = new double[list.size()];
            for (int i = 0; i < list.size(); i++) {
                x[i] = list.get(i).outcome().modelParametersAfter() / 1e6;
                y[i] = metric.applyAsDouble(list.get(i));
            }
            chart.lineWithMarkers(label, x, y);
        });
        return chart;
    }
}
