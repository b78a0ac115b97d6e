package org.lowrank4j.compress.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank4j.compress.Progress;
import org.lowrank4j.compress.harness.DecoderComparison;
import org.lowrank4j.compress.harness.DecoderReport;
import org.lowrank4j.nn.arch.llama.LlamaModel;

/** The decoder comparison on a tiny random model: rows, the dense reference, the three report files. */
class DecoderComparisonTest {

    @Test
    void writesTheReportWithTheDenseReferenceAndOneRowPerRun(@TempDir Path out) throws Exception {
        LlamaModel model = TinyModels.decoder(21);
        int[] eval = java.util.Arrays.copyOfRange(TinyModels.text(20_000), 10_000, 10_000 + 8 * TinyModels.CONTEXT + 1);
        DecoderComparison.Setup setup = new DecoderComparison.Setup(model, TinyModels.windows(4), 2, eval, TinyModels.CONTEXT, eval.length);
        // sites are decomposed on several threads, so progress arrives concurrently
        List<String> phases = java.util.Collections.synchronizedList(new ArrayList<>());
        Progress progress = (phase, done, total, detail) -> phases.add(phase);
        DecoderComparison comparison = new DecoderComparison(setup, progress);
        List<DecoderComparison.Row> rows = comparison.run(List.of("svd", "whitened"), List.of("uniform"), List.of(0.2, 0.4), progress, r -> { });

        assertThat(rows).hasSize(4);
        assertThat(phases).contains("calibrate", "evaluate", "decompose (whitened)");
        double reference = comparison.reference().perplexity().perplexity();
        assertThat(reference).isFinite().isGreaterThan(1);
        assertThat(comparison.reference().mnnPerToken()).isFinite().isPositive();
        for (DecoderComparison.Row r : rows) {
            assertThat(r.scores().perplexity().perplexity()).isFinite();
            assertThat(r.modelParametersAfter()).isLessThan(r.modelParametersBefore());
            assertThat(r.result().achievedRatio()).isPositive();
        }
        // restored after every row: the dense figures come back exactly
        assertThat(new DecoderComparison(setup, Progress.NONE).reference().perplexity().perplexity()).isEqualTo(reference);

        DecoderReport.write(out, comparison.reference(), comparison.job().modelParameters(), rows, Map.of("model", "tiny random"));
        assertThat(out.resolve("results.md")).content().contains("dense (reference)", "whitened", "svd", "MNN");
        assertThat(out.resolve("report.html")).content().contains("<svg", "dense (reference)");
        JsonNode json = new ObjectMapper().readTree(out.resolve("results.json").toFile());
        assertThat(json.path("reference").path("eval").path("perplexity").asDouble()).isEqualTo(reference);
        assertThat(json.path("runs")).hasSize(4);
        assertThat(json.path("runs").get(0).path("eval").has("mnn_per_token")).isTrue();
        assertThat(Files.size(out.resolve("results.json"))).isPositive();
    }

    @Test
    void runsBasisSharingAndTheSensitivityAllocationThroughTheSameGrid() {
        LlamaModel model = TinyModels.decoder(22);
        int[] eval = java.util.Arrays.copyOfRange(TinyModels.text(20_000), 10_000, 10_000 + 4 * TinyModels.CONTEXT + 1);
        DecoderComparison.Setup setup = new DecoderComparison.Setup(model, TinyModels.windows(4), 2, eval, TinyModels.CONTEXT, eval.length);
        DecoderComparison comparison = new DecoderComparison(setup, Progress.NONE);
        double reference = comparison.reference().perplexity().perplexity();

        List<DecoderComparison.Row> shared = comparison.run(List.of("basis-sharing"), List.of("uniform"), List.of(0.3), Progress.NONE, r -> { });
        assertThat(shared).hasSize(1);
        DecoderComparison.Row row = shared.get(0);
        assertThat(row.method()).isEqualTo("basis-sharing");
        // shared factors are counted once: the model shrinks by exactly the targeted layers' saving
        assertThat(row.modelParametersBefore() - row.modelParametersAfter())
                .isEqualTo(row.result().targetedParametersBefore() - row.result().targetedParametersAfter());
        assertThat(row.result().achievedRatio()).isGreaterThanOrEqualTo(0.3 - 1e-9);
        assertThat(row.scores().perplexity().perplexity()).isFinite().isNotEqualTo(reference);
        // the record names the groups: consecutive pairs of blocks share, attention.output and ffn.down stay private
        assertThat(comparison.groupNotes()).singleElement().asString().startsWith("basis-sharing groups (")
                .contains("attention.query {0,1}").contains("attention.output {0} {1}");

        List<DecoderComparison.Row> sensitive = comparison.run(List.of("whitened"), List.of("sensitivity"), List.of(0.2, 0.3), Progress.NONE, r -> { });
        assertThat(sensitive).hasSize(2);
        for (DecoderComparison.Row r : sensitive) {
            assertThat(r.allocation()).isEqualTo("sensitivity");
            assertThat(r.result().targetedParametersAfter()).isLessThanOrEqualTo((long) Math.floor((1 - r.ratio()) * r.result().targetedParametersBefore()));
            assertThat(r.scores().perplexity().perplexity()).isFinite();
        }
        // every row restores the model
        assertThat(new DecoderComparison(setup, Progress.NONE).reference().perplexity().perplexity()).isEqualTo(reference);
    }
}
