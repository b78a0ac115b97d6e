package org.lowrank4j.compress.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import org.lowrank4j.compress.CompressionOutcome;
import org.lowrank4j.compress.CompressionResult;
import org.lowrank4j.compress.SiteResult;
import org.lowrank4j.compress.Spectra;
import org.lowrank4j.compress.embeddings.EmbeddingChange;
import org.lowrank4j.formats.io.AtomicFiles;

/** The JSON record and HTML page of one {@code compress} run. */
public final class CompressionRecord {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private CompressionRecord() {
    }

    /**
     * @param outputSha256 the SHA-256 of the written model file (a folder's {@code model.safetensors}), so that a record
     *                     can be matched to the model beside it
     */
    public static ObjectNode toJson(CompressionOutcome o, double wallSeconds, String outputSha256) {
        ObjectNode root = JSON.createObjectNode();
        CompressionResult r = o.result();
        root.put("input", o.input().toString()).put("output", o.output().toString()).put("output_sha256", outputSha256);
        root.put("method", r.method()).put("allocation", r.allocation());
        root.put("ratio_requested", r.requestedRatio()).put("ratio_targeted_layers", r.achievedRatio()).put("ratio_whole_model", o.modelRatio());
        root.put("parameters_targeted_before", r.targetedParametersBefore()).put("parameters_targeted_after", r.targetedParametersAfter());
        root.put("parameters_model_before", o.modelParametersBefore()).put("parameters_model_after", o.modelParametersAfter());
        root.put("bytes_before", o.bytesIn()).put("bytes_after", o.bytesOut()).put("bytes_ratio", (double) o.bytesOut() / o.bytesIn());
        long targetedBytesAfter = r.sites().stream().mapToLong(s -> s.factorization().bytes()).sum();
        root.put("bytes_targeted_before", 4 * r.targetedParametersBefore()).put("bytes_targeted_after", targetedBytesAfter);
        root.put("calibration_tokens", o.calibrationTokens()).put("calibration_seconds", o.calibrationSeconds());
        root.put("compression_wall_seconds", wallSeconds);
        if (o.embeddings() != null) {
            EmbeddingChange e = o.embeddings(); // also counted in parameters_model_* and bytes_*, not in the targeted-layer figures
            ObjectNode table = root.putObject("embeddings");
            table.put("spec", e.spec()).put("table", e.table()).put("vocabulary", e.vocabulary()).put("hidden", e.hidden()).put("rank", e.rank());
            table.put("parameters_before", e.parametersBefore()).put("parameters_after", e.parametersAfter());
            table.put("bytes_before", 4 * e.parametersBefore()).put("bytes_after", 4 * e.parametersAfter());
            table.put("ratio", 1 - (double) e.parametersAfter() / e.parametersBefore());
            table.put("calibration_tokens", e.calibrationTokens()).put("rows_seen", e.rowsSeen());
            if (!Double.isNaN(e.calibrationError())) {
                table.put("relative_error_calibration", e.calibrationError());
            }
            table.put("relative_error_table", e.tableError());
        }
        if (!o.details().isEmpty()) {
            root.set("details", JSON.valueToTree(o.details()));
        }
        ArrayNode sites = root.putArray("sites");
        for (SiteResult s : r.sites()) {
            ObjectNode site = sites.addObject();
            site.put("name", s.weight().name()).put("role", s.weight().role()).put("block", s.weight().block());
            site.put("out_features", s.weight().outFeatures()).put("in_features", s.weight().inFeatures());
            site.put("rank", s.rank()).put("kept_as", s.factorization().describe());
            site.put("parameters", s.factorization().parameterCount()).put("bytes", s.factorization().bytes());
            // LoRD reports rank reduction beside parameter count (spec c09); a site kept dense reduces nothing
            int full = Math.min(s.weight().outFeatures(), s.weight().inFeatures());
            boolean lowRank = s.factorization() instanceof org.lowrank4j.compress.LowRank;
            site.put("rank_reduction", lowRank ? 1 - (double) s.rank() / full : 0.0);
            site.put("parameter_reduction", 1 - (double) s.factorization().parameterCount() / s.weight().denseParameters());
            site.put("effective_rank", Spectra.effectiveRank(s.spectrum())).put("relative_loss", s.relativeLoss());
        }
        return root;
    }

    /** Writes {@code <out>.json} and {@code <out>.html} beside the compressed model, atomically. */
    public static void write(CompressionOutcome o, double wallSeconds, String outputSha256, Path json, Path html) throws IOException {
        AtomicFiles.writeString(json, JSON.writeValueAsString(toJson(o, wallSeconds, outputSha256)) + "\n");
        CompressionResult r = o.result();
        HtmlReport page = new HtmlReport("lowrank4j compression of " + o.input().getFileName())
                .summary("method / allocation", r.method() + " / " + r.allocation())
                .summary("ratio (targeted layers)", String.format(Locale.ROOT, "requested %.3f, achieved %.4f", r.requestedRatio(), r.achievedRatio()))
                .summary("ratio (whole model)", String.format(Locale.ROOT, "%.4f", o.modelRatio()))
                .summary("word embeddings", o.embeddings() == null ? "unchanged" : String.format(Locale.ROOT, "%s: %d → %d parameters",
                        o.embeddings().spec(), o.embeddings().parametersBefore(), o.embeddings().parametersAfter()))
                .summary("parameters (whole model)", o.modelParametersBefore() + " → " + o.modelParametersAfter())
                .summary("bytes", o.bytesIn() + " → " + o.bytesOut())
                .summary("calibration", o.calibrationTokens() + " tokens, " + String.format(Locale.ROOT, "%.1f s", o.calibrationSeconds()))
                .summary("wall time", String.format(Locale.ROOT, "%.1f s", wallSeconds))
                .compression(r);
        AtomicFiles.writeString(html, page.render());
    }
}
