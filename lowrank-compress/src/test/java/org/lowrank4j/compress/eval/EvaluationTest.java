package org.lowrank4j.compress.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank4j.compress.text.LabelledTexts;
import org.lowrank4j.compress.text.TextCorpus;
import org.lowrank4j.compress.tokenize.HfTokenizer;

class EvaluationTest {

    /** The first {@code perClass} texts of each class of the vendored SOTU party set. */
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
        return new LabelledTexts(texts, kept.stream().mapToInt(Integer::intValue).toArray(), all.classNames(),
                all.source() + " (first " + perClass + " per class)");
    }

    @Test
    void referenceAgainstItselfIsPerfect(@TempDir Path dir) throws Exception {
        Path model = RealModels.miniLmModel();
        EvalOptions options = EvalOptions.defaults().withLatency(1, 3, 8);
        EvalReport report;
        try (HfTokenizer tokenizer = HfTokenizer.load(RealModels.miniLmTokenizer())) {
            report = Evaluation.compare(model, model, tokenizer, Pooling.MEAN, TextCorpus.heldOut().first(48),
                    probeSubset(20), options);
        }
        System.out.printf("MiniLM vs itself: %s%n", report.toJson());

        assertThat(report.fidelity().sentences()).isEqualTo(48);
        assertThat(report.fidelity().meanCosine()).isCloseTo(1, within(1e-6));
        assertThat(report.fidelity().p5Cosine()).isCloseTo(1, within(1e-6));
        assertThat(report.fidelity().recallAtK()).isEqualTo(1.0);
        assertThat(report.probe().splits()).isEqualTo(5);
        assertThat(report.probe().trainTexts()).isEqualTo(28);
        assertThat(report.probe().testTexts()).isEqualTo(12);
        assertThat(report.probe().accuracyCandidate()).isEqualTo(report.probe().accuracyReference());
        assertThat(report.latency().msReference()).isPositive();
        assertThat(report.latency().ratio()).isBetween(0.2, 5.0);
        assertThat(report.sizes().bytesCandidate()).isEqualTo(Files.size(model));

        Path json = dir.resolve("eval.json");
        EvalReport withCounts = report.withExtra("parameters", java.util.Map.of("whole", 22_713_216));
        withCounts.writeJson(json);
        try (var leftovers = Files.list(dir)) {
            assertThat(leftovers).containsExactly(json);
        }
        EvalReport back = EvalReport.readJson(json);
        assertThat(back.fidelity()).isEqualTo(report.fidelity());
        assertThat(back.probe()).isEqualTo(report.probe());
        assertThat(back.latency()).isEqualTo(report.latency());
        assertThat(back.extra()).containsKey("parameters");
    }

    @Test
    void probeOnRealMiniLmEmbeddingsSeparatesDemocratFromRepublicanPassages() {
        LabelledTexts probeSet = TextCorpus.partyProbe();
        float[][] embeddings;
        try (HfTokenizer tokenizer = HfTokenizer.load(RealModels.miniLmTokenizer());
             EmbeddingRunner runner = EmbeddingRunner.open(RealModels.miniLmModel())) {
            embeddings = runner.embed(tokenizer, probeSet.texts(), Pooling.MEAN, true);
        }
        EvalReport.Probe probe = Evaluation.probe(embeddings, embeddings, probeSet, EvalOptions.defaults());
        System.out.printf("democrat vs republican SOTU probe on all-MiniLM-L6-v2: accuracy %.4f (mean of %d splits, %d/%d)%n",
                probe.accuracyReference(), probe.splits(), probe.trainTexts(), probe.testTexts());

        assertThat(probe.trainTexts()).isEqualTo(280);
        assertThat(probe.testTexts()).isEqualTo(120);
        // measured 0.653 (party from 40-80-word passages is a hard task for a small sentence encoder; 0.5 is
        // chance); the bound leaves 0.05 for runtime differences and still fails for broken embeddings
        assertThat(probe.accuracyReference()).isGreaterThan(0.60);
    }

    @Test
    void probeOnPlainArraysIsDeterministic() {
        LabelledTexts set = new LabelledTexts(List.of("a", "b", "c", "d", "e", "f", "g", "h", "i", "j"),
                new int[] {0, 1, 0, 1, 0, 1, 0, 1, 0, 1}, List.of("x", "y"), "test");
        float[][] features = new float[10][];
        for (int i = 0; i < 10; i++) {
            features[i] = new float[] {i % 2 == 0 ? -2f - i % 3 : 2f + i % 3, 0.1f * (i % 3)};
        }
        EvalReport.Probe probe = Evaluation.probe(features, features, set, EvalOptions.defaults());
        assertThat(probe.accuracyReference()).isEqualTo(1.0);
        assertThat(probe).isEqualTo(Evaluation.probe(features, features, set, EvalOptions.defaults()));
    }

    @Test
    void badArgumentsAreClearErrors(@TempDir Path dir) {
        try (HfTokenizer tokenizer = HfTokenizer.load(RealModels.miniLmTokenizer())) {
            assertThatThrownBy(() -> Evaluation.compare(dir.resolve("a.onnx"), dir.resolve("b.onnx"), tokenizer,
                    Pooling.MEAN, TextCorpus.heldOut().texts(), TextCorpus.partyProbe(), EvalOptions.defaults()))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("does not exist");
            assertThatThrownBy(() -> Evaluation.compare(RealModels.miniLmModel(), RealModels.miniLmModel(), tokenizer,
                    Pooling.MEAN, List.of("too", "few"), TextCorpus.partyProbe(), EvalOptions.defaults()))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("held-out sentences");
        }
        EvalReport report = new EvalReport("a", "b", "t", Pooling.CLS, null, null, null, null, 0, null);
        assertThatThrownBy(() -> report.writeJson(dir.resolve("no-such-folder").resolve("r.json")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not writable");
    }
}
