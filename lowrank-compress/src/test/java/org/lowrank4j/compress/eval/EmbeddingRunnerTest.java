package org.lowrank4j.compress.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank4j.compress.text.TextCorpus;
import org.lowrank4j.compress.tokenize.HfTokenizer;

class EmbeddingRunnerTest {

    private static HfTokenizer tokenizer;
    private static EmbeddingRunner miniLm;

    @BeforeAll
    static void open() {
        tokenizer = HfTokenizer.load(RealModels.miniLmTokenizer());
        miniLm = EmbeddingRunner.open(RealModels.miniLmModel());
    }

    @AfterAll
    static void close() {
        miniLm.close();
        tokenizer.close();
    }

    @Test
    void feedsTheDeclaredInputsAndPoolsTheHiddenStates() {
        assertThat(miniLm.inputNames()).containsExactlyInAnyOrder("input_ids", "attention_mask", "token_type_ids");
        assertThat(miniLm.outputName()).isEqualTo("last_hidden_state");

        float[][] e = miniLm.embed(tokenizer, List.of("A cat sat on the mat.", "A kitten sat on a rug.",
                "Congress shall levy duties on imports."), Pooling.MEAN, true);

        assertThat(e).hasDimensions(3, 384);
        double similar = EmbeddingMetrics.cosine(e[0], e[1]);
        double unrelated = EmbeddingMetrics.cosine(e[0], e[2]);
        assertThat(similar).isGreaterThan(unrelated + 0.3);
    }

    @Test
    void paddingDoesNotChangeMeanPooledEmbeddings() {
        String shortText = "The tariff question deserves attention.";
        String longText = TextCorpus.heldOut().texts().get(0) + " " + TextCorpus.heldOut().texts().get(1);
        float[] alone = miniLm.embed(tokenizer, List.of(shortText), Pooling.MEAN, false)[0];
        float[] padded = miniLm.embed(tokenizer, List.of(longText, shortText), Pooling.MEAN, false)[1];

        double maxDiff = 0;
        for (int i = 0; i < alone.length; i++) {
            maxDiff = Math.max(maxDiff, Math.abs(alone[i] - padded[i]));
        }
        System.out.printf("padding invariance: max |alone - padded| = %.3g%n", maxDiff);
        assertThat(maxDiff).isLessThan(1e-5);
    }

    @Test
    void clsPoolingOnBgeAndUnrelatedModelsDisagree() {
        List<String> sentences = TextCorpus.heldOut().first(24);
        float[][] mini;
        float[][] bge;
        try (HfTokenizer bgeTokenizer = HfTokenizer.load(RealModels.bgeTokenizer());
             EmbeddingRunner bgeRunner = EmbeddingRunner.open(RealModels.bgeModel())) {
            bge = bgeRunner.embed(bgeTokenizer, sentences, Pooling.CLS, true);
            mini = miniLm.embed(tokenizer, sentences, Pooling.MEAN, true);
            assertThat(bgeRunner.fileBytes()).isGreaterThan(100_000_000L);
        }
        EvalReport.Fidelity fidelity = Evaluation.fidelity(mini, bge, 5);
        assertThat(fidelity.meanCosine()).isLessThan(0.5);
        assertThat(fidelity.recallAtK()).isLessThan(0.9);
    }

    @Test
    void tokenizerWithIdsBeyondTheEmbeddingTableIsRejected(@TempDir Path dir) throws IOException {
        Path wrong = dir.resolve("tokenizer.json");
        Files.writeString(wrong, """
                {"version": "1.0", "truncation": null, "padding": null, "added_tokens": [],
                 "normalizer": null, "pre_tokenizer": {"type": "Whitespace"}, "post_processor": null,
                 "decoder": null,
                 "model": {"type": "WordLevel", "unk_token": "[UNK]",
                           "vocab": {"[UNK]": 0, "hello": 40000, "world": 40001}}}
                """);
        try (HfTokenizer mismatched = HfTokenizer.load(wrong)) {
            assertThat(mismatched.ids("hello world")).containsExactly(40000, 40001);
            assertThatThrownBy(() -> miniLm.requireMatches(mismatched))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("tokenizer " + wrong + " does not match model " + RealModels.miniLmModel());
            assertThatThrownBy(() -> miniLm.embed(mismatched, List.of("hello world"), Pooling.MEAN, true))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("does not match model");
            assertThatThrownBy(() -> miniLm.requireMatches(tokenizer, 30000))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("30000 rows");
        }
        miniLm.requireMatches(tokenizer);
        miniLm.requireMatches(tokenizer, 30522);
    }

    @Test
    void missingOrNonOnnxModelIsAClearError(@TempDir Path dir) throws IOException {
        assertThatThrownBy(() -> EmbeddingRunner.open(dir.resolve("missing.onnx")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("does not exist");
        Path notOnnx = dir.resolve("model.onnx");
        Files.writeString(notOnnx, "this is not a protobuf");
        assertThatThrownBy(() -> EmbeddingRunner.open(notOnnx))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cannot load");
    }
}
