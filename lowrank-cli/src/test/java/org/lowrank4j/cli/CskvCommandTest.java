package org.lowrank4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.lowrank4j.cli.CliRun.assertError;
import static org.lowrank4j.cli.CliRun.okRun;
import static org.lowrank4j.cli.CliRun.run;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank4j.nn.cskv.CskvFolder;

/** {@code lowrank cskv} on a tiny random decoder: the folder it writes, that perplexity and generate run it, and user mistakes. */
class CskvCommandTest {

    private static double perplexity(String stdout) {
        Matcher m = Pattern.compile("perplexity ([0-9.]+),").matcher(stdout);
        assertThat(m.find()).as(stdout).isTrue();
        return Double.parseDouble(m.group(1));
    }

    @Test
    void writesAFolderThatPerplexityAndGenerateRun(@TempDir Path dir) throws Exception {
        Path dense = QuantizedDecoderCommandsTest.tinyDecoder(dir.resolve("dense"), false); // context 16, dKv 16 (2 heads of 8)
        Path text = Files.writeString(dir.resolve("calib.txt"), TinyTrain.TEXT.repeat(3));
        Path out = dir.resolve("cskv");
        String said = (String) okRun("cskv", "--model", dense.toString(), "--out", out.toString(), "--k-density", "0.25", "--v-density", "0.5",
                "--window", "4", "--calib", text.toString())[1];
        assertThat(said).contains("asvd init, key rank 4, value rank 8, window 4");
        CskvFolder.Manifest manifest = CskvFolder.readManifest(out).orElseThrow();
        assertThat(manifest.calibrationTokens()).isPositive();
        assertThat(Files.isRegularFile(out.resolve(CskvFolder.FACTORS))).isTrue();
        double full = perplexity((String) okRun("perplexity", "--model", dense.toString(), "--text", text.toString())[1]);
        double shrunk = perplexity((String) okRun("perplexity", "--model", out.toString(), "--text", text.toString())[1]);
        assertThat(shrunk).isNotEqualTo(full); // decoding went through the shrunk cache
        assertThat(((String) okRun("generate", "--model", out.toString(), "--prompt", "The Congress", "--max-tokens", "5")[1])).isNotBlank();
        // full density and a window as long as the context: the original model
        Path same = dir.resolve("same");
        okRun("cskv", "--model", dense.toString(), "--out", same.toString(), "--k-density", "1", "--v-density", "1", "--window", "16", "--init", "svd");
        double again = perplexity((String) okRun("perplexity", "--model", same.toString(), "--text", text.toString())[1]);
        assertThat(again).isCloseTo(full, org.assertj.core.data.Offset.offset(1e-3));
        // an existing output needs --force
        assertError(run("cskv", "--model", dense.toString(), "--out", out.toString(), "--init", "svd"), "--force");
        okRun("cskv", "--model", dense.toString(), "--out", out.toString(), "--init", "svd", "--force");
        assertThat(CskvFolder.readManifest(out).orElseThrow().init()).isEqualTo("svd");
        assertThat(CskvFolder.readManifest(out).orElseThrow().trainSteps()).isZero();
        // layer-wise training after the SVD start: the error it reports falls, the manifest records the steps, the folder runs
        Path trained = dir.resolve("trained");
        String report = (String) okRun("cskv", "--model", dense.toString(), "--out", trained.toString(), "--k-density", "0.25", "--v-density", "0.5",
                "--window", "4", "--init", "svd", "--calib", text.toString(), "--train-steps", "50", "--train-lr", "1e-2")[1];
        Matcher m = Pattern.compile("reconstruction error ([0-9.]+) → ([0-9.]+)").matcher(report);
        assertThat(m.find()).as(report).isTrue();
        assertThat(Double.parseDouble(m.group(2))).isLessThan(Double.parseDouble(m.group(1)));
        assertThat(CskvFolder.readManifest(trained).orElseThrow().trainSteps()).isEqualTo(50);
        assertThat(perplexity((String) okRun("perplexity", "--model", trained.toString(), "--text", text.toString())[1])).isFinite();
    }

    @Test
    void userMistakesAreOneLine(@TempDir Path dir) throws Exception {
        Path dense = QuantizedDecoderCommandsTest.tinyDecoder(dir.resolve("dense"), false);
        assertError(run("cskv", "--model", dense.toString(), "--out", dir.resolve("a").toString()), "--calib");
        assertError(run("cskv", "--model", dense.toString(), "--out", dir.resolve("b").toString(), "--init", "svd", "--k-density", "0"), "--k-density");
        assertError(run("cskv", "--model", dense.toString(), "--out", dir.resolve("c").toString(), "--init", "pca"), "--init");
        assertError(run("cskv", "--model", dense.toString(), "--out", dir.resolve("d").toString(), "--init", "svd", "--window", "0"), "--window");
        assertError(run("cskv", "--model", dense.toString(), "--out", dir.resolve("d").toString(), "--init", "svd", "--window", "100000"),
                "--window 100000 is larger than the context of --model " + dense);
        Path text = Files.writeString(dir.resolve("calib.txt"), "some calibration text");
        assertError(run("cskv", "--model", dense.toString(), "--out", dir.resolve("g").toString(), "--init", "svd", "--calib", text.toString()),
                "--init svd reads no calibration text");
        assertError(run("cskv", "--model", dense.toString(), "--out", dir.resolve("h").toString(), "--init", "svd", "--train-steps", "10"),
                "--train-steps reads calibration text");
        assertError(run("cskv", "--model", dense.toString(), "--out", dir.resolve("i").toString(), "--init", "svd", "--train-steps", "-1"),
                "--train-steps must be 0");
        Path cskv = dir.resolve("e");
        okRun("cskv", "--model", dense.toString(), "--out", cskv.toString(), "--init", "svd");
        assertError(run("cskv", "--model", cskv.toString(), "--out", dir.resolve("f").toString(), "--init", "svd"), "already a compressed");
        assertThat(Files.exists(dir.resolve("a"))).isFalse();
    }
}
