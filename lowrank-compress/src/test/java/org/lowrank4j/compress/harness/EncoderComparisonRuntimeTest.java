package org.lowrank4j.compress.harness;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank4j.compress.CompressionResult;
import org.lowrank4j.compress.Progress;
import org.lowrank4j.compress.SiteResult;
import org.lowrank4j.compress.eval.EvalOptions;
import org.lowrank4j.compress.eval.Pooling;
import org.lowrank4j.compress.eval.RealModels;
import org.lowrank4j.nn.train.LabelledTexts;
import org.lowrank4j.compress.text.TextCorpus;
import org.lowrank4j.compress.tokenize.HfTokenizer;

/**
 * The whole encoder comparison on a tiny random BERT written as ONNX: svd-llm and basis-sharing rows come from the
 * runtime and are evaluated like the ONNX rows; fwsvd is skipped with its reason; the sensitivity allocation meets
 * the budget and its measurements are cached, so a second comparison in the same folder measures nothing.
 */
class EncoderComparisonRuntimeTest {

    private static LabelledTexts probeSubset(int perClass) {
        LabelledTexts all = TextCorpus.partyProbe();
        int[] labels = all.labels();
        List<String> texts = new ArrayList<>();
        List<Integer> kept = new ArrayList<>();
        int[] taken = new int[2];
        for (int i = 0; i < all.size(); i++) {
            if (taken[labels[i]]++ < perClass) {
                texts.add(all.texts().get(i));
                kept.add(labels[i]);
            }
        }
        return new LabelledTexts(texts, kept.stream().mapToInt(Integer::intValue).toArray(), all.classNames(), all.source());
    }

    @Test
    void runtimeRowsAndTheSensitivityAllocationOnAnOnnxEncoder(@TempDir Path dir) throws Exception {
        Path model = TinyBertOnnx.write(TinyBertOnnx.random(11), dir.resolve("tiny-bert.onnx"));
        Path work = dir.resolve("work");
        try (HfTokenizer tokenizer = HfTokenizer.load(RealModels.miniLmTokenizer())) {
            EncoderComparison.Setup setup = new EncoderComparison.Setup(model, tokenizer, Pooling.MEAN, TextCorpus.calibration().first(40),
                    TextCorpus.heldOut().first(24), probeSubset(10), EvalOptions.defaults().withThreads(1).withLatency(0, 0, 0), work, false);
            List<String> methods = List.of("svd", "svd-llm", "fwsvd", "basis-sharing");
            List<String> allocations = List.of("uniform", "sensitivity");

            EncoderComparison first = new EncoderComparison(setup, Progress.NONE);
            List<EncoderComparison.Row> rows = first.run(methods, allocations, List.of(0.3), Progress.NONE, r -> { });
            System.out.print(ComparisonReport.markdown(rows));
            first.notes().forEach(System.out::println);
            assertThat(rows).extracting(EncoderComparison.Row::label).containsExactly("svd/uniform", "svd/sensitivity", "svd-llm/uniform",
                    "svd-llm/sensitivity", "fwsvd/uniform", "fwsvd/sensitivity", "basis-sharing/uniform");
            assertThat(first.notes()).anySatisfy(n -> assertThat(n).startsWith("fwsvd: Fisher from the task loss of a logistic head on the probe set"));
            assertThat(first.runtime().job().fisherSummary().texts()).isEqualTo(20);
            assertThat(first.notes()).anySatisfy(n -> assertThat(n).contains("basis-sharing/sensitivity"));
            // the record says which blocks share: consecutive pairs of the tiny model's two blocks
            assertThat(first.notes()).anySatisfy(n -> assertThat(n).startsWith("basis-sharing groups (").contains("attention.query {0,1}"));
            for (EncoderComparison.Row r : rows) {
                CompressionResult result = r.outcome().result();
                assertThat(result.achievedRatio()).as(r.label()).isGreaterThanOrEqualTo(r.ratio() - (r.method().equals("basis-sharing") ? 0.02 : 1e-9));
                assertThat(r.eval().fidelity().meanCosine()).as(r.label()).isBetween(0.0, 1.0 + 1e-6);
                assertThat(r.outcome().modelParametersAfter()).as(r.label())
                        .isEqualTo(r.outcome().modelParametersBefore() - result.targetedParametersBefore() + result.targetedParametersAfter());
            }
            // the sensitivity rows keep within the budget floor((1 - ratio) * dense)
            for (EncoderComparison.Row r : rows.stream().filter(r -> r.allocation().equals("sensitivity")).toList()) {
                long dense = r.outcome().result().targetedParametersBefore();
                assertThat(r.outcome().result().targetedParametersAfter()).as(r.label()).isLessThanOrEqualTo((long) Math.floor(dense * (1 - r.ratio())));
                assertThat(r.outcome().result().sites().stream().map(s -> s.rank()).distinct().count()).as(r.label() + " ranks differ by site")
                        .isGreaterThan(1);
            }
            assertThat(first.sensitivityCache("svd").newMeasurements()).isPositive();
            assertThat(first.sensitivityCache("svd-llm").newMeasurements()).isPositive();
            assertThat(work.resolve("sensitivity-svd.json")).exists();
            assertThat(work.resolve("sensitivity-svd-llm.json")).exists();
            try (var left = Files.list(work)) {
                assertThat(left.filter(p -> p.toString().endsWith(".onnx"))).isEmpty();
            }

            // a resumed comparison in the same folder reuses every measurement and picks the same ranks
            EncoderComparison second = new EncoderComparison(setup, Progress.NONE);
            List<EncoderComparison.Row> again = second.run(List.of("svd", "svd-llm"), List.of("sensitivity"), List.of(0.3), Progress.NONE, r -> { });
            assertThat(second.sensitivityCache("svd").newMeasurements()).isZero();
            assertThat(second.sensitivityCache("svd-llm").newMeasurements()).isZero();
            assertThat(second.sensitivityCache("svd").size()).isEqualTo(first.sensitivityCache("svd").size());
            assertThat(ranks(again.get(0))).isEqualTo(ranks(rows.get(1)));
            assertThat(ranks(again.get(1))).isEqualTo(ranks(rows.get(3)));
        }
    }

    private static List<Integer> ranks(EncoderComparison.Row row) {
        return row.outcome().result().sites().stream().map(SiteResult::rank).toList();
    }
}
