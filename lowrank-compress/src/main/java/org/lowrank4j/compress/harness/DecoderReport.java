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
import java.util.function.ToDoubleFunction;
import org.lowrank4j.compress.eval.DecoderEvaluation;
import org.lowrank4j.compress.report.HtmlReport;
import org.lowrank4j.compress.report.SvgChart;
import org.lowrank4j.formats.io.AtomicFiles;

/**
 * The outputs of a decoder comparison, in the shape of {@link ComparisonReport}: results.json (context, the dense
 * reference, one run per row), results.md (one table, the reference first) and report.html (quality against
 * whole-model size, one line per method/allocation, the reference as its own point).
 */
public final class DecoderReport {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private DecoderReport() {
    }

    public static String markdown(DecoderEvaluation.Scores reference, long modelParameters, List<DecoderComparison.Row> rows) {
        StringBuilder md = new StringBuilder("| method | allocation | ratio (targeted) | ratio (model) | MB (fp32) | perplexity | bits/byte | MNN/token "
                + "| eval s | of which MNN s | compress s* |\n|---|---|---|---|---|---|---|---|---|---|---|\n");
        md.append(line("dense (reference)", "-", 0, 0, modelParameters, reference, 0));
        for (DecoderComparison.Row r : rows) {
            md.append(line(r.method() + (r.sequential() ? " (sequential)" : ""), r.allocation(), r.result().achievedRatio(), r.modelRatio(),
                    r.modelParametersAfter(), r.scores(), r.compressSeconds()));
        }
        md.append("\nMNN/token: matrix nuclear norm (spec c18) of the last hidden state per full window, per token; computed from the perplexity"
                + " pass, whose forward it shares (its own cost is the 'of which MNN s' column).\n");
        md.append("*compress s: seconds of compression for that row, calibration excluded; a method decomposes its sites once, in its first row,"
                + " and later rows reuse the decomposition (sequential methods also redo their pass per row).\n");
        return md.toString();
    }

    private static String line(String method, String allocation, double targeted, double model, long parameters, DecoderEvaluation.Scores s,
            double compressSeconds) {
        return String.format(Locale.ROOT, "| %s | %s | %.3f | %.3f | %.2f | %.4f | %.4f | %.4f | %.1f | %.1f | %.1f |%n", method, allocation,
                targeted, model, parameters * 4 / 1e6, s.perplexity().perplexity(), s.perplexity().bitsPerByte(), s.mnnPerToken(),
                s.seconds(), s.mnnSeconds(), compressSeconds);
    }

    public static ObjectNode json(DecoderEvaluation.Scores reference, long modelParameters, List<DecoderComparison.Row> rows,
            Map<String, Object> context) {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode ctx = root.putObject("context");
        context.forEach(ctx::putPOJO);
        ObjectNode ref = root.putObject("reference");
        ref.put("method", "dense").put("parameters_model", modelParameters).put("bytes_fp32", modelParameters * 4);
        scores(ref, reference);
        ArrayNode out = root.putArray("runs");
        for (DecoderComparison.Row r : rows) {
            ObjectNode run = out.addObject();
            run.put("method", r.method()).put("allocation", r.allocation()).put("ratio_requested", r.ratio()).put("sequential", r.sequential());
            run.put("ratio_targeted_layers", r.result().achievedRatio()).put("ratio_whole_model", r.modelRatio());
            run.put("parameters_model_after", r.modelParametersAfter()).put("parameters_model_before", r.modelParametersBefore());
            run.put("parameters_targeted_after", r.result().targetedParametersAfter())
                    .put("parameters_targeted_before", r.result().targetedParametersBefore());
            run.put("bytes_fp32_after", r.modelParametersAfter() * 4).put("compress_seconds", r.compressSeconds());
            scores(run, r.scores());
            ArrayNode ranks = run.putArray("ranks");
            r.result().sites().forEach(s -> ranks.addObject().put("site", s.weight().name()).put("rank", s.rank())
                    .put("kept_as", s.factorization().describe()).put("relative_loss", s.relativeLoss()));
        }
        return root;
    }

    private static void scores(ObjectNode node, DecoderEvaluation.Scores s) {
        ObjectNode eval = node.putObject("eval");
        eval.put("perplexity", s.perplexity().perplexity()).put("bits_per_byte", s.perplexity().bitsPerByte())
                .put("mean_nll", s.perplexity().meanNll()).put("tokens", s.perplexity().tokens()).put("windows", s.perplexity().windows())
                .put("bytes", s.perplexity().bytes()).put("seconds", s.seconds());
        eval.put("mnn_per_token", s.mnnPerToken()).put("mnn_windows", s.mnnWindows()).put("mnn_seconds", s.mnnSeconds());
    }

    /** Writes results.json, results.md and report.html into {@code folder}. */
    public static void write(Path folder, DecoderEvaluation.Scores reference, long modelParameters, List<DecoderComparison.Row> rows,
            Map<String, Object> context) throws IOException {
        AtomicFiles.writeString(folder.resolve("results.json"), JSON.writeValueAsString(json(reference, modelParameters, rows, context)) + "\n");
        String table = markdown(reference, modelParameters, rows);
        AtomicFiles.writeString(folder.resolve("results.md"), table);
        HtmlReport page = new HtmlReport("lowrank4j decoder comparison");
        context.forEach((k, v) -> page.summary(k, String.valueOf(v)));
        page.section("Perplexity against whole-model size", chart(reference, modelParameters, rows, "perplexity (held-out)", true,
                s -> s.perplexity().perplexity()).render());
        page.section("Bits per byte against whole-model size", chart(reference, modelParameters, rows, "bits per byte (held-out)", false,
                s -> s.perplexity().bitsPerByte()).render());
        page.section("Matrix nuclear norm against whole-model size", chart(reference, modelParameters, rows, "MNN per token (last hidden state)",
                false, DecoderEvaluation.Scores::mnnPerToken).render());
        page.section("Table", "<pre>" + SvgChart.escape(table) + "</pre>");
        AtomicFiles.writeString(folder.resolve("report.html"), page.render());
    }

    private static SvgChart chart(DecoderEvaluation.Scores reference, long modelParameters, List<DecoderComparison.Row> rows, String yLabel,
            boolean logY, ToDoubleFunction<DecoderEvaluation.Scores> metric) {
        Map<String, List<DecoderComparison.Row>> byLine = new LinkedHashMap<>();
        for (DecoderComparison.Row r : rows) {
            byLine.computeIfAbsent(r.label(), k -> new ArrayList<>()).add(r);
        }
        SvgChart chart = new SvgChart(yLabel + " vs size", "whole-model parameters (millions)", yLabel, logY);
        chart.lineWithMarkers("dense (reference)", new double[] {modelParameters / 1e6}, new double[] {metric.applyAsDouble(reference)});
        byLine.forEach((label, list) -> {
            double[] x = new double[list.size()], y = new double[list.size()];
            for (int i = 0; i < list.size(); i++) {
                x[i] = list.get(i).modelParametersAfter() / 1e6;
                y[i] = metric.applyAsDouble(list.get(i).scores());
            }
            chart.lineWithMarkers(label, x, y);
        });
        return chart;
    }
}
