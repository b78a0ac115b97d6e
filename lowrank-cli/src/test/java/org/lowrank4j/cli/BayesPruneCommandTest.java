package org.lowrank4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank4j.formats.hf.HfArchitecture;
import org.lowrank4j.formats.hf.HfConfig;
import org.lowrank4j.nn.arch.gpt2.Gpt2Model;
import org.lowrank4j.nn.generate.ByteTokenizer;
import org.lowrank4j.nn.tensor.Precision;

class BayesPruneCommandTest {
    private static final String TEXT = "The Congress met in the capital and the treaty was signed in the spring of the year. ".repeat(30);

    @Test
    void prunesATinyDecoderThenMatchesItByMagnitudeAndPerplexityReadsBoth(@TempDir Path dir) throws Exception {
        Path model = DecoderFolderCompressRecoverTest.tinyDecoder(dir.resolve("m"));
        Path text = dir.resolve("t.txt");
        Files.writeString(text, TEXT);
        String out = CliRun.ok("bayes-prune", "--model", model.toString(), "--data", text.toString(), "--out", dir.resolve("vbi").toString(),
                "--steps", "2", "--batch", "2", "--update-every", "1");
        assertThat(out).contains("turbo-vbi:").contains("MLP weights zero").contains("neurons removed");
        String mag = CliRun.ok("bayes-prune", "--model", model.toString(), "--method", "magnitude", "--match",
                dir.resolve("vbi/pruning.json").toString(), "--steps", "0", "--out", dir.resolve("mag").toString());
        String zeros = out.substring(out.indexOf(": ") + 2, out.indexOf(" of "));
        assertThat(mag).contains(": " + zeros + " of ");
        for (String folder : new String[] {"vbi", "mag"}) {
            assertThat(CliRun.ok("perplexity", "--model", dir.resolve(folder).toString(), "--text", text.toString())).contains("perplexity");
        }
    }

    @Test
    void badInputIsOneLine(@TempDir Path dir) throws Exception {
        Path model = DecoderFolderCompressRecoverTest.tinyDecoder(dir.resolve("m"));
        Path text = dir.resolve("t.txt");
        Files.writeString(text, TEXT);
        String o = dir.resolve("o").toString();
        CliRun.assertError(CliRun.run("bayes-prune", "--model", model.toString(), "--out", o, "--sparsity-prior", "0.3"), "--sparsity-prior");
        CliRun.assertError(CliRun.run("bayes-prune", "--model", model.toString(), "--data", text.toString(), "--out", o, "--p11", "1.5"), "p11");
        CliRun.assertError(CliRun.run("bayes-prune", "--model", model.toString(), "--data", text.toString(), "--out", o,
                "--active-std", "0.001", "--inactive-std", "0.01"), "inactive-std");
        CliRun.assertError(CliRun.run("bayes-prune", "--model", model.toString(), "--out", o, "--method", "lottery"), "--method lottery");
        // it said "--sparsity in [0, 1), got null"
        CliRun.assertError(CliRun.run("bayes-prune", "--model", model.toString(), "--out", o, "--method", "magnitude", "--steps", "0"),
                "--method magnitude needs how much to prune: give --sparsity FRACTION (in [0, 1)) or --match RECORD");
        CliRun.assertError(CliRun.run("bayes-prune", "--model", model.toString(), "--out", o, "--method", "magnitude", "--steps", "0",
                "--sparsity", "1"), "--sparsity must be in [0, 1), got 1.0");
        CliRun.assertError(CliRun.run("bayes-prune", "--model", dir.resolve("nothing").toString(), "--out", o), "nothing");
        // --sparsity and --match belong to the magnitude methods: turbo-vbi ignored them (--sparsity NaN ran, exit 0)
        CliRun.assertError(CliRun.run("bayes-prune", "--model", model.toString(), "--data", text.toString(), "--out", o, "--steps", "1",
                "--sparsity", "NaN"), "--sparsity is for --method magnitude or magnitude-neuron; --method turbo-vbi does not use it");
        // a --match that is not JSON is named in one line (it was Jackson's two-line message, without the file)
        CliRun.assertError(CliRun.run("bayes-prune", "--model", model.toString(), "--method", "magnitude", "--match", text.toString(), "--steps",
                "0", "--out", o), "--match " + text + " is not valid JSON");
        CliRun.assertError(CliRun.run("bayes-prune", "--model", model.toString(), "--method", "magnitude", "--match", dir.toString(), "--steps",
                "0", "--out", o), "is not a file");
        // a GPT-2 folder has GELU MLPs, not the gate/up/down projections turbo-vbi prunes
        Path gpt2 = dir.resolve("g");
        Files.createDirectories(gpt2);
        Gpt2Model g = new Gpt2Model(HfConfig.builder(HfArchitecture.GPT2).hiddenSize(16).numHiddenLayers(1).numAttentionHeads(2).vocabSize(256)
                .maxPositionEmbeddings(32).build(), Precision.FLOAT32);
        g.initialize(new Random(1));
        g.save(gpt2);
        ByteTokenizer.writeJson(gpt2);
        CliRun.assertError(CliRun.run("bayes-prune", "--model", gpt2.toString(), "--data", text.toString(), "--out", o), "LLaMA");
        assertThat(Files.exists(dir.resolve("o"))).isFalse();
    }

    @Test
    void aFailedRunLeavesNoFolderBehind(@TempDir Path dir) throws Exception {
        Path model = DecoderFolderCompressRecoverTest.tinyDecoder(dir.resolve("m"));
        Path text = dir.resolve("t.txt");
        Files.writeString(text, TEXT);
        // the fine-tune fails after the folder's files were started: it left config.json and the unpruned weights in o/,
        // without pruning.json, a model that looked finished
        Object[] r = CliRun.run("bayes-prune", "--model", model.toString(), "--data", text.toString(), "--out", dir.resolve("o").toString(),
                "--method", "magnitude", "--sparsity", "0.5", "--steps", "1", "--batch", "100000");
        assertThat((int) r[0]).as("stderr: %s", r[2]).isEqualTo(2);
        assertThat(dir.resolve("o")).doesNotExist();
        try (var left = Files.list(dir)) {
            assertThat(left.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("m", "t.txt");
        }
        // a run that succeeds writes the whole folder, and --force replaces it whole
        CliRun.ok("bayes-prune", "--model", model.toString(), "--out", dir.resolve("o").toString(), "--method", "magnitude", "--sparsity", "0.5",
                "--steps", "0");
        assertThat(dir.resolve("o/pruning.json")).exists();
        assertThat(dir.resolve("o/model.safetensors")).exists();
        try (var left = Files.list(dir)) {
            assertThat(left.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("m", "t.txt", "o");
        }
    }
}
