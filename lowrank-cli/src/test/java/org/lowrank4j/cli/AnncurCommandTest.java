package org.lowrank4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * lowrank anncur and finetune --pairs: bad input is one line on stderr with exit code 2, before any model is read (the
 * model paths here are placeholders), and the inputs are left as they were.
 */
class AnncurCommandTest {
    @TempDir
    static Path dir;
    static Path items, empty, queries, model, classifier, tokenizer;

    @BeforeAll
    static void fixtures() throws IOException {
        StringBuilder lines = new StringBuilder();
        for (int i = 0; i < 30; i++) {
            lines.append("sentence number ").append(i).append('\n');
        }
        items = Files.writeString(dir.resolve("items.txt"), lines);
        empty = Files.writeString(dir.resolve("empty.txt"), "\n  \n");
        queries = Files.writeString(dir.resolve("queries.txt"), "a query\nanother query\n");
        model = Files.writeString(dir.resolve("model.onnx"), "not read");
        tokenizer = Files.writeString(dir.resolve("tokenizer.json"), "{}");
        classifier = Files.createDirectories(dir.resolve("classifier"));
    }

    private static String refused(String... args) throws IOException {
        byte[] before = Files.readAllBytes(items);
        Object[] r = CliRun.run(args);
        assertThat((int) r[0]).as("stdout: %s, stderr: %s", r[1], r[2]).isEqualTo(2);
        String err = ((String) r[2]).strip();
        assertThat(err).doesNotContain("\n");
        assertThat(Files.readAllBytes(items)).isEqualTo(before);
        return err;
    }

    private static String[] crossEncoder(String verb, String... rest) {
        String[] head = {"anncur", verb, "--model", model.toString(), "--tokenizer", tokenizer.toString(), "--classifier", classifier.toString()};
        String[] out = java.util.Arrays.copyOf(head, head.length + rest.length);
        System.arraycopy(rest, 0, out, head.length, rest.length);
        return out;
    }

    @Test
    void anEmptyItemFileIsRefused() throws IOException {
        assertThat(refused(crossEncoder("index", "--items", empty.toString(), "--queries", queries.toString(), "--out", dir.resolve("idx").toString())))
                .contains("--items").contains("holds no text");
        assertThat(refused(crossEncoder("index", "--items", dir.resolve("missing.txt").toString(), "--queries", queries.toString(), "--out",
                dir.resolve("idx").toString()))).contains("--items").contains("missing.txt");
    }

    @Test
    void aBudgetBelowTheAnchorItemsOrMoreAnchorsThanItemsAreRefused() throws IOException {
        String index = dir.resolve("no-index").toString();
        assertThat(refused(crossEncoder("search", "--index", index, "--items", items.toString(), "--query", "q", "--anchor-items", "20", "--budget",
                "10"))).contains("--budget 10 must pay for the 20 anchor items").contains("[20, 30]");
        assertThat(refused(crossEncoder("search", "--index", index, "--items", items.toString(), "--query", "q", "--anchor-items", "31")))
                .contains("--anchor-items 31 must be in [1, 30]");
        assertThat(refused(crossEncoder("search", "--index", index, "--items", items.toString(), "--query", "q", "--anchor-items", "5", "--budget",
                "10"))).contains("--index").contains("has no anchor-scores.safetensors");
        assertThat(refused(crossEncoder("evaluate", "--index", index, "--items", items.toString(), "--queries", queries.toString(), "--exact-scores",
                dir.resolve("exact.safetensors").toString(), "--dual-encoder", model.toString(), "--anchor-items", "40", "--budgets", "20", "--out",
                dir.resolve("e.json").toString()))).contains("--anchor-items: 40 anchor items must be in [1, 30]");
        assertThat(refused(crossEncoder("evaluate", "--index", index, "--items", items.toString(), "--queries", queries.toString(), "--exact-scores",
                dir.resolve("exact.safetensors").toString(), "--dual-encoder", model.toString(), "--budgets", "50", "--out",
                dir.resolve("e.json").toString()))).contains("--budgets: 50 calls per query must be in [1, 30]");
    }

    @Test
    void anIndexMayNotOverwriteAnInputNorAnExistingFolderWithoutForce() throws IOException {
        assertThat(refused(crossEncoder("index", "--items", items.toString(), "--queries", queries.toString(), "--out", items.toString())))
                .contains("--out");
        Files.createDirectories(dir.resolve("existing"));
        assertThat(refused(crossEncoder("index", "--items", items.toString(), "--queries", queries.toString(), "--out",
                dir.resolve("existing").toString()))).contains("--force");
    }

    /** --force starts an index over only once the new run has scores: one refused before that leaves the earlier index as it was. */
    @Test
    void aForcedIndexRefusedBeforeItsFirstScoresKeepsTheEarlierIndex() throws IOException {
        Path earlier = Files.createDirectories(dir.resolve("idx-earlier"));
        Files.writeString(earlier.resolve("anchor-queries.txt"), "an earlier query\n");
        Files.writeString(earlier.resolve("anchor-scores.safetensors"), "the earlier scores");
        assertThat(refused(crossEncoder("index", "--items", items.toString(), "--queries", queries.toString(), "--out", earlier.toString(),
                "--force"))).contains("--classifier").contains("has no classifier.json");
        assertThat(Files.readString(earlier.resolve("anchor-queries.txt"))).isEqualTo("an earlier query\n");
        assertThat(Files.readString(earlier.resolve("anchor-scores.safetensors"))).isEqualTo("the earlier scores");
        try (var left = Files.list(dir)) {
            assertThat(left.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith(".idx-earlier"));
        }
    }

    /** A missing or incomplete cross-encoder is named by its option and leaves no index folder behind (it said just "missing.onnx"). */
    @Test
    void aMissingCrossEncoderIsNamedAndLeavesNoIndexFolder() throws IOException {
        Path out = dir.resolve("idx-missing");
        String[] missingModel = {"anncur", "index", "--model", dir.resolve("missing.onnx").toString(), "--tokenizer", tokenizer.toString(),
            "--classifier", classifier.toString(), "--items", items.toString(), "--queries", queries.toString(), "--out", out.toString()};
        assertThat(refused(missingModel)).contains("--model").contains("missing.onnx").contains("does not exist");
        assertThat(out).doesNotExist();
        assertThat(refused(crossEncoder("index", "--items", items.toString(), "--queries", queries.toString(), "--out", out.toString())))
                .contains("--classifier").contains("has no classifier.json");
        assertThat(out).doesNotExist();
    }

    @Test
    void pairsWithoutATabOrOutsideClassifyAreRefused() throws IOException {
        Path tsv = Files.writeString(dir.resolve("pairs.tsv"), "next\tfirst sentence\tsecond one\nnext\ta\tb\nother\tc\td\nother\tonly one sentence\n");
        assertThat(refused("finetune", "--task", "lm", "--pairs", "--model", dir.toString(), "--data", items.toString(), "--out",
                dir.resolve("ft").toString())).contains("--pairs is for --task classify");
        assertThat(refused("finetune", "--task", "classify", "--pairs", "--model", tinyBert().toString(), "--tokenizer", minilmTokenizer().toString(),
                "--labels", tsv.toString(), "--out", dir.resolve("ft").toString())).contains("--pairs").contains("only one sentence")
                .contains("label<TAB>first<TAB>second").contains("pairs.tsv: text 4: ");
        Path emptySecond = Files.writeString(dir.resolve("pairs2.tsv"), "next\tfirst sentence\tsecond one\nnext\ta\tb\nother\tc\td\nother\tonly the first\t\n");
        assertThat(refused("finetune", "--task", "classify", "--pairs", "--model", tinyBert().toString(), "--tokenizer", minilmTokenizer().toString(),
                "--labels", emptySecond.toString(), "--out", dir.resolve("ft2").toString())).contains("\"only the first\" is not a pair")
                .contains("both texts non-empty").doesNotContain("no tab");
    }

    @Test
    void aPairClassifierTrainsAndSaysSoInItsRecord() throws IOException {
        StringBuilder tsv = new StringBuilder();
        for (int i = 0; i < 6; i++) {
            tsv.append("next\tthe budget for year ").append(i).append("\tthe deficit of year ").append(i).append('\n');
            tsv.append("other\tthe army in year ").append(i).append("\ta treaty with spain ").append(i).append('\n');
        }
        Path labels = Files.writeString(dir.resolve("pairs-ok.tsv"), tsv);
        Files.writeString(dir.resolve("singles.tsv"), tsv.toString().replaceAll("\t([^\t\n]*)\t", "\t$1 and "));
        Path out = dir.resolve("pair-classifier");
        Object[] r = CliRun.run("finetune", "--task", "classify", "--pairs", "--model", tinyBert().toString(), "--tokenizer",
                minilmTokenizer().toString(), "--labels", labels.toString(), "--out", out.toString(), "--rank", "2", "--alpha", "4", "--steps", "2",
                "--batch", "4", "--held-out", "0.34", "--max-length", "32");
        assertThat((int) r[0]).as("stderr: %s", r[2]).isZero();
        assertThat((String) r[1]).contains("classes [next, other]");
        assertThat(Files.readString(out.resolve("finetune.json"))).contains("\"pair_input\" : true");
        assertThat(Files.readString(out.resolve("classifier.json"))).contains("\"input\" : \"pair\"");
        // a pair classifier is not loaded as a single-text one
        assertThatThrownBy(() -> org.lowrank4j.adapt.classify.ClassifierFolder.load(tinyBert(), out, org.lowrank4j.nn.tensor.Precision.FLOAT32))
                .hasMessageContaining("reads text pairs");

        // and a single-text classifier is not taken as a cross-encoder
        Path single = dir.resolve("single-classifier");
        Object[] s = CliRun.run("finetune", "--task", "classify", "--model", tinyBert().toString(), "--tokenizer", minilmTokenizer().toString(),
                "--labels", labels.toString().replace("pairs-ok", "singles"), "--out", single.toString(), "--rank", "2", "--alpha", "4", "--steps", "1",
                "--batch", "4", "--held-out", "0.34", "--max-length", "32");
        assertThat((int) s[0]).as("stderr: %s", s[2]).isZero();
        assertThat(Files.readString(single.resolve("classifier.json"))).contains("\"input\" : \"text\"");
        Object[] r2 = CliRun.run("anncur", "index", "--model", model.toString(), "--tokenizer", minilmTokenizer().toString(), "--classifier",
                single.toString(), "--items", items.toString(), "--queries", queries.toString(), "--out", dir.resolve("idx-single").toString());
        assertThat((int) r2[0]).isEqualTo(2);
        assertThat(((String) r2[2]).strip()).doesNotContain("\n").contains("trained on single texts").contains("--pairs");
        assertThat(dir.resolve("idx-single")).as("an index folder the refused run made").doesNotExist();
    }

    @Test
    void aTokenizerOfAnotherModelIsRefusedForEitherEncoder() throws IOException {
        Path pairs = pairClassifier(), encoder = tinyEncoder(), byteTokenizer = byteTokenizer();
        // the 256-id byte tokenizer with the word-piece encoder: index and evaluate exited 0 and scored every pair
        Path index = dir.resolve("idx-bytes");
        assertThat(refused("anncur", "index", "--model", encoder.toString(), "--tokenizer", byteTokenizer.toString(), "--classifier", pairs.toString(),
                "--items", items.toString(), "--queries", queries.toString(), "--out", index.toString()))
                .contains("tokenizer " + byteTokenizer + " does not match model " + encoder).contains("256 token ids");
        assertThat(index).doesNotExist();
        assertThat(refused("anncur", "evaluate", "--model", encoder.toString(), "--tokenizer", minilmTokenizer().toString(), "--classifier",
                pairs.toString(), "--index", index.toString(), "--items", items.toString(), "--queries", queries.toString(), "--exact-scores",
                dir.resolve("exact-bytes.safetensors").toString(), "--dual-encoder", encoder.toString(), "--dual-tokenizer", byteTokenizer.toString(),
                "--anchor-items", "5", "--budgets", "10", "--k", "10", "--out", dir.resolve("e-bytes.json").toString()))
                .contains("tokenizer " + byteTokenizer + " does not match model " + encoder);
        assertThat(dir.resolve("exact-bytes.safetensors")).doesNotExist();
    }

    /**
     * search with another model's tokenizer: the index, built with the encoder's own, holds no tokenizer's hash, so only the
     * live cross-encoder can refuse the 256-id byte tokenizer, as index and evaluate do.
     */
    @Test
    void aSearchWithATokenizerOfAnotherModelIsRefused() throws IOException {
        Path pairs = pairClassifier(), encoder = tinyEncoder(), byteTokenizer = byteTokenizer();
        Path index = dir.resolve("idx-for-search");
        Object[] built = CliRun.run("anncur", "index", "--model", encoder.toString(), "--tokenizer", minilmTokenizer().toString(), "--classifier",
                pairs.toString(), "--items", items.toString(), "--queries", queries.toString(), "--out", index.toString());
        assertThat((int) built[0]).as("stderr: %s", built[2]).isZero();
        String[] search = {"anncur", "search", "--model", encoder.toString(), "--classifier", pairs.toString(), "--index", index.toString(),
            "--items", items.toString(), "--query", "sentence number 3", "--anchor-items", "5", "--budget", "10", "--k", "3", "--tokenizer"};
        String[] own = java.util.Arrays.copyOf(search, search.length + 1), bytes = java.util.Arrays.copyOf(search, search.length + 1);
        own[search.length] = minilmTokenizer().toString();
        bytes[search.length] = byteTokenizer.toString();
        Object[] found = CliRun.run(own);
        assertThat((int) found[0]).as("stderr: %s", found[2]).isZero();
        assertThat((String) found[1]).contains("10 cross-encoder calls (5 anchor items + 5 re-ranked)");
        assertThat(refused(bytes)).contains("tokenizer " + byteTokenizer + " does not match model " + encoder).contains("256 token ids");
    }

    /** A cross-encoder's head: `finetune --task classify --pairs` on the tiny BERT folder (trained once). */
    private static Path pairClassifier() throws IOException {
        Path pairs = dir.resolve("pair-classifier-for-tokenizers");
        if (!Files.isDirectory(pairs)) {
            StringBuilder tsv = new StringBuilder();
            for (int i = 0; i < 6; i++) {
                tsv.append("next\tthe budget for year ").append(i).append("\tthe deficit of year ").append(i).append('\n');
                tsv.append("other\tthe army in year ").append(i).append("\ta treaty with spain ").append(i).append('\n');
            }
            Object[] trained = CliRun.run("finetune", "--task", "classify", "--pairs", "--model", tinyBert().toString(), "--tokenizer",
                    minilmTokenizer().toString(), "--labels", Files.writeString(dir.resolve("pairs-tok.tsv"), tsv).toString(), "--out",
                    pairs.toString(), "--rank", "2", "--alpha", "4", "--steps", "1", "--batch", "4", "--held-out", "0.34", "--max-length", "32");
            assertThat((int) trained[0]).as("stderr: %s", trained[2]).isZero();
        }
        return pairs;
    }

    /** A tiny ONNX encoder with MiniLM's 30,522 word rows. */
    private static Path tinyEncoder() throws IOException {
        Path encoder = dir.resolve("tiny-encoder.onnx");
        return Files.isRegularFile(encoder) ? encoder : BadInputCorpusTest.tinyEncoder(encoder, 1, "last_hidden_state");
    }

    /** The 256-id byte tokenizer, another model's for the word-piece encoder. */
    private static Path byteTokenizer() throws IOException {
        Path bytes = dir.resolve("byte-tokenizer");
        if (!Files.isDirectory(bytes)) {
            org.lowrank4j.nn.generate.ByteTokenizer.writeJson(Files.createDirectories(bytes));
        }
        return bytes.resolve("tokenizer.json");
    }

    private static Path tinyBert() throws IOException {
        Path folder = dir.resolve("tiny-bert");
        if (!Files.isDirectory(folder)) {
            org.lowrank4j.nn.arch.bert.BertModel bert = org.lowrank4j.nn.arch.bert.BertModel.zeros(new org.lowrank4j.nn.arch.bert.BertConfig(30522, 16,
                    1, 2, 24, 64, 2, 1e-12, org.lowrank4j.nn.tensor.MlpActivation.GELU_ERF), org.lowrank4j.nn.tensor.Precision.FLOAT32);
            java.util.Random random = new java.util.Random(1);
            for (org.lowrank4j.nn.Parameter p : bert.parameters()) {
                boolean normWeight = p.name().contains("norm") && p.name().endsWith(".weight");
                for (int i = 0; i < p.size(); i++) {
                    p.value().set(i, normWeight ? 1 : 0.2 * random.nextGaussian());
                }
            }
            org.lowrank4j.nn.arch.bert.BertSafetensors.save(bert, folder);
        }
        return folder;
    }

    private static Path minilmTokenizer() throws IOException {
        Path file = dir.resolve("minilm-tokenizer.json");
        if (!Files.exists(file)) {
            try (java.io.InputStream in = AnncurCommandTest.class.getResourceAsStream("/all-minilm-l6-v2-tokenizer.json")) {
                Files.copy(in, file);
            }
        }
        return file;
    }
}
