package org.lowrank4j.compress.harness;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.lowrank4j.compress.CompressionOutcome;
import org.lowrank4j.compress.CompressionResult;

/**
 * Quantized rows of a comparison keep every parameter, so their parameter ratios (0) say nothing: the table prints
 * "-" there and every row carries the bytes ratio (written file over the fp32 input).
 */
class ComparisonReportTest {

    private static EncoderComparison.Row row(String method, double ratio, long paramsBefore, long paramsAfter, long bytesIn, long bytesOut) {
        CompressionResult result = new CompressionResult(method, "uniform", ratio, List.of(), paramsBefore, paramsAfter);
        CompressionOutcome outcome = new CompressionOutcome(result, Path.of("in.onnx"), Path.of("out.onnx"), bytesIn, bytesOut, 1000,
                1000 - (paramsBefore - paramsAfter), 0, 0, 0, null, java.util.Map.of());
        return new EncoderComparison.Row(method, "uniform", ratio, outcome, null);
    }

    @Test
    void quantizedRowsShowTheBytesRatioInsteadOfParameterRatios() {
        EncoderComparison.Row quantized = row("eora:bits=4:group=32:embeddings=int4", 0.1, 800, 800, 90_000_000, 18_000_000);
        EncoderComparison.Row lowRank = row("svd", 0.5, 800, 400, 90_000_000, 54_000_000);

        ObjectNode q = ComparisonReport.run(quantized), l = ComparisonReport.run(lowRank);
        assertThat(q.path("quantized").asBoolean()).isTrue();
        assertThat(q.path("bytes_ratio").asDouble()).isEqualTo(0.2);
        assertThat(l.path("quantized").asBoolean()).isFalse();
        assertThat(l.path("bytes_ratio").asDouble()).isEqualTo(0.6);

        String md = ComparisonReport.markdown(List.of(quantized, lowRank));
        assertThat(md).contains("× bytes");
        String qLine = md.lines().filter(s -> s.startsWith("| eora")).findFirst().orElseThrow();
        String lLine = md.lines().filter(s -> s.startsWith("| svd")).findFirst().orElseThrow();
        assertThat(qLine).startsWith("| eora:bits=4:group=32:embeddings=int4 | uniform | - | - | 18.0 | 0.200× |");
        assertThat(lLine).startsWith("| svd | uniform | 0.500 | 0.400 | 54.0 | 0.600× |");
        assertThat(md).contains("Quantizing methods keep every parameter");
        assertThat(ComparisonReport.markdown(List.of(lowRank))).doesNotContain("Quantizing methods");
    }

    @Test
    void rowsJournaledBeforeTheFlagAreJudgedByTheirMethodAndBytes() {
        ObjectNode old = new ObjectMapper().createObjectNode();
        old.put("method", "rtn:bits=4:group=32").put("allocation", "uniform").put("ratio_targeted_layers", 0.0).put("ratio_whole_model", 0.0)
                .put("bytes_after", 15_000_000L).put("bytes_before", 90_000_000L);
        String md = ComparisonReport.markdownOf(List.<JsonNode>of(old));
        assertThat(md).contains("| rtn:bits=4:group=32 | uniform | - | - | 15.0 | 0.167× |");
        assertThat(ComparisonReport.isQuantized("not a method at all")).isFalse();
    }

    @Test
    void quantizedLabelsKeepTheOptionsSoTwoSettingsAreTwoRows() {
        assertThat(EncoderComparison.quantizedLabel("RTN:bits=4 :group=32")).isEqualTo("rtn:bits=4:group=32");
        assertThat(EncoderComparison.quantizedLabel("rtn:bits=8")).isNotEqualTo(EncoderComparison.quantizedLabel("rtn:bits=4"));
    }
}
