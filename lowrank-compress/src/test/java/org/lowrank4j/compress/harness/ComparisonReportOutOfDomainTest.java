package org.lowrank4j.compress.harness;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank4j.compress.eval.EvalReport;
import org.lowrank4j.compress.eval.Pooling;

/** results.json carries every text set of a row, and results.md the worst out-of-domain figures beside the in-domain ones. */
class ComparisonReportOutOfDomainTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static EvalReport.SetFidelity set(String name, boolean inDomain, double mean, double recall) {
        return new EvalReport.SetFidelity(name, "test", inDomain, new EvalReport.Fidelity(30, mean, mean - 0.05, mean - 0.1, 10, recall));
    }

    private static JsonNode row(String method, EvalReport eval) {
        ObjectNode run = JSON.createObjectNode();
        run.put("method", method).put("allocation", "global").put("ratio_requested", 0.2).put("ratio_targeted_layers", 0.2)
                .put("ratio_whole_model", 0.09).put("parameters_model_after", 20_000_000).put("bytes_after", 80_000_000)
                .put("compress_seconds", 1.0);
        run.set("eval", JSON.valueToTree(eval));
        return run;
    }

    @Test
    void everySetIsInTheJsonAndTheWorstOutOfDomainInTheTable(@TempDir Path dir) throws Exception {
        List<EvalReport.SetFidelity> sets = List.of(set("held-out", true, 0.95, 0.80), set("moby-dick-narrative", false, 0.93, 0.72),
                set("moby-dick-dialogue", false, 0.91, 0.75));
        EvalReport withSets = new EvalReport("a", "b", "t", Pooling.MEAN, sets.get(0).fidelity(),
                new EvalReport.Probe("x vs y", 1, 10, 5, 0.9, 0.9), null, new EvalReport.Sizes(2, 1), 1, null, sets, null, null);
        EvalReport old = new EvalReport("a", "c", "t", Pooling.MEAN, sets.get(0).fidelity(),
                new EvalReport.Probe("x vs y", 1, 10, 5, 0.9, 0.9), null, new EvalReport.Sizes(2, 1), 1, null);

        ComparisonReport.writeRuns(dir, List.of(row("whitened", withSets), row("svd", old)), Map.of("model", "m"));

        JsonNode eval = JSON.readTree(dir.resolve("results.json").toFile()).path("runs").get(0).path("eval");
        assertThat(eval.path("sets")).hasSize(3);
        assertThat(eval.path("fidelity").path("meanCosine").asDouble()).isEqualTo(0.95);
        assertThat(eval.path("worstOutOfDomain").path("meanCosineSet").asText()).isEqualTo("moby-dick-dialogue");
        assertThat(eval.path("worstOutOfDomain").path("recallSet").asText()).isEqualTo("moby-dick-narrative");
        assertThat(eval.path("worst").path("meanCosine").asDouble()).isEqualTo(0.91);

        List<String> table = Files.readAllLines(dir.resolve("results.md"));
        assertThat(table.get(0)).contains("| recall@10 | worst out-of-domain cos / recall@10*** |");
        assertThat(table.get(2)).contains("| 0.9100 (moby-dick-dialogue) / 0.7200 (moby-dick-narrative) |");
        assertThat(table.get(3)).startsWith("| svd |").contains("| 0.8000 | - |");
        assertThat(dir.resolve("report.html")).content().contains("Worst out-of-domain mean cosine");
    }
}
