package org.lowrank4j.compress.harness;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
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

    /** One row as it appears under "runs" in results.json. */
    public static ObjectNode run(DecoderComparison.Row r) {
        ObjectNode run = JSON.createObjectNode();
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
        return run;
    }

    public static List<JsonNode> runs(List<DecoderComparison.Row> rows) {
        return rows.stream().map(r -> (JsonNode) run(r)).toList();
    }

    public static String markdown(DecoderEvaluation.Scores reference, long modelParameters, List<DecoderComparison.Row> rows) {
        return markdownOf(reference, modelParameters, runs(rows));
    }

    public static String markdownOf(DecoderEvaluation.Scores reference, long modelParameters, List<JsonNode> runs) {
        StringBuilder md = new StringBuilder("| method | allocation | ratio (targeted) | ratio (model) | MB (fp32) | perplexity | bits/byte | MNN/token "
                + "| eval s | of which MNN s | compress s* |\n|---|---|---|---|---|---|---|---|---|---|---|\n");
        md.append(line("dense (reference)", "-", 0, 0, modelParameters, scores(JSON.createObjectNode(), reference).path("eval"), 0));
        for (JsonNode r : runs) {
            md.append(line(r.path("method").asText() + (r.path("sequential").asBoolean() ? " (sequential)" : ""), r.path("allocation").asText(),
                    r.path("ratio_targeted_layers").asDouble(), r.path("ratio_whole_model").asDouble(), r.path("parameters_model_after").asLong(),
                    r.path("eval"), r.path("compress_seconds").asDouble()));
        }
        md.append("\nMNN/token: matrix nuclear norm (spec c18) of the last hidden state per full window, per token; computed from the perplexity"
                + " pass, whose forward it shares (its own cost is the 'of which MNN s' column).\n");
        md.append("*compress s: seconds of compression for that row, calibration excluded; a method decomposes its sites once, in its first row,"
                + " and later rows reuse the decomposition (sequential methods also redo their pass per row).\n");
        return md.toString();
    }

    private static String line(String method, String allocation, double targeted, double model, long parameters, JsonNode eval,
            double compressSeconds) {
        return String.format(Locale.ROOT, "| %s | %s | %.3f | %.3f | %.2f | %.4f | %.4f | %.4f | %.1f | %.1f | %.1f |%n", method, allocation,
                targeted, model, parameters * 4 / 1e6, eval.path("perplexity").asDouble(), eval.path("bits_per_byte").asDouble(),
                eval.path("mnn_per_token").asDouble(), eval.path("seconds").asDouble(), eval.path("mnn_seconds").asDouble(), compressSeconds);
    }

    public static ObjectNode json(DecoderEvaluation.Scores reference, long modelParameters, List<DecoderComparison.Row> rows,
            Map<String, Object> context) {
        return jsonOf(reference, modelParameters, runs(rows), context);
    }

    public static ObjectNode jsonOf(DecoderEvaluation.Scores reference, long modelParameters, List<JsonNode> runs, Map<String, Object> context) {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode ctx = root.putObject("context");
        context.forEach(ctx::putPOJO);
        ObjectNode ref = root.putObject("reference");
        ref.put("method", "dense").put("parameters_model", modelParameters).put("bytes_fp32", modelParameters * 4);
        scores(ref, reference);
        root.putArray("runs").addAll(runs);
        return root;
    }

    private static ObjectNode scores(ObjectNode node, DecoderEvaluation.Scores s) {
        ObjectNode eval = node.putObject("eval");
        eval.put("perplexity", s.perplexity().perplexity()).put("bits_per_byte", s.perplexity().bitsPerByte())
                .put("mean_nll", s.perplexity().meanNll()).put("tokens", s.perplexity().tokens()).put("windows", s.perplexity().windows())
                .put("bytes", s.perplexity().bytes()).put("seconds", s.seconds());
        eval.put("mnn_per_token", s.mnnPerToken()).put("mnn_windows", s.mnnWindows()).put("mnn_seconds", s.mnnSeconds());
        return node;
    }

    /** Writes results.json, results.md and report.html into {@code folder}. */
    public static void write(Path folder, DecoderEvaluation.Scores reference, long modelParameters, List<DecoderComparison.Row> rows,
            Map<String, Object> context) throws IOException {
        writeRuns(folder, reference, modelParameters, runs(rows), context);
    }

    /** As {@link #write}, from the rows' JSON. */
    public static void writeRuns(Path folder, DecoderEvaluation.Scores reference, long modelParameters, List<JsonNode> runs,
            Map<String, Object> context) throws IOException {
        AtomicFiles.writeString(folder.resolve("results.json"), JSON.writeValueAsString(jsonOf(reference, modelParameters, runs, context)) + "\n");
        String table = markdownOf(reference, modelParameters, runs);
        AtomicFiles.writeString(folder.resolve("results.md"), table);
        HtmlReport page = new HtmlReport("lowrank4j decoder comparison");
        context.forEach((k, v) -> page.summary(k, String.valueOf(v)));
        page.section("Perplexity against whole-model size", chart(reference, modelParameters, runs, "perplexity (held-out)", true,
                "perplexity", s -> s.perplexity().perplexity()).render());
        page.section("Bits per byte against whole-model size", chart(reference, modelParameters, runs, "bits per byte (held-out)", false,
                "bits_per_byte", s -> s.perplexity().bitsPerByte()).render());
        page.section("Matrix nuclear norm against whole-model size", chart(reference, modelParameters, runs, "MNN per token (last hidden state)",
                false, "mnn_per_token", DecoderEvaluation.Scores::mnnPerToken).render());
        page.section("Table", "<pre>" + SvgChart.escape(table) + "</pre>");
        AtomicFiles.writeString(folder.resolve("report.html"), page.render());
    }

    private static SvgChart chart(DecoderEvaluation.Scores reference, long modelParameters, List<JsonNode> runs, String yLabel, boolean logY,
            String field, ToDoubleFunction<DecoderEvaluation.Scores> ofReference) {
        return ComparisonReport.chart(runs, yLabel, logY, "dense (reference)", modelParameters, ofReference.applyAsDouble(reference),
                r -> r.path("eval").path(field).asDouble());
    }
}
