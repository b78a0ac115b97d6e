package org.lowrank4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.lowrank4j.cli.CliRun.assertError;
import static org.lowrank4j.cli.CliRun.okRun;
import static org.lowrank4j.cli.CliRun.run;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code lowrank export} on a tiny LLaMA decoder and the folders {@code compress} makes of it (low-rank, 4-bit), and on a tiny
 * GPT-2 and its low-rank folder: each is written in its stored form and passes the check in ONNX Runtime; user mistakes
 * are one line.
 */
class ExportCommandTest {

    @Test
    void exportsDenseLowRankAndQuantizedFoldersThatPassTheCheck(@TempDir Path dir) throws Exception {
        Path dense = QuantizedDecoderCommandsTest.tinyDecoder(dir.resolve("dense"), false);
        Path lowRank = dir.resolve("svd"), quantized = dir.resolve("rtn");
        okRun("compress", "--model", dense.toString(), "--method", "svd", "--ratio", "0.3", "--out", lowRank.toString());
        okRun("compress", "--model", dense.toString(), "--method", "rtn:bits=4:group=16", "--out", quantized.toString());
        String[][] expected = {{"dense", "14 dense, 1 tied"}, {"svd", "low-rank"}, {"rtn", "14 quantized int4"}};
        for (String[] e : expected) {
            Path out = dir.resolve(e[0] + "-onnx");
            String said = (String) okRun("export", "--model", dir.resolve(e[0]).toString(), "--out", out.toString(), "--check-tokens", "8",
                    "--check-steps", "4")[1];
            assertThat(said).contains("15 projections (").contains(e[1]).contains("check in ONNX Runtime: 8 prompt tokens and 4 greedy steps");
            assertThat(out.resolve("onnx/model.onnx")).isRegularFile();
            assertThat(out.resolve("tokenizer.json")).hasSameTextualContentAs(dir.resolve(e[0]).resolve("tokenizer.json"));
        }
        assertThat(Files.size(dir.resolve("svd-onnx/onnx/model.onnx"))).isLessThan(Files.size(dir.resolve("dense-onnx/onnx/model.onnx")));
        assertThat(Files.size(dir.resolve("rtn-onnx/onnx/model.onnx"))).isLessThan(Files.size(dir.resolve("svd-onnx/onnx/model.onnx")));
    }

    @Test
    void generateAndPerplexityRunTheExportedFolderAsTheyRunItsSource(@TempDir Path dir) throws Exception {
        Path dense = QuantizedDecoderCommandsTest.tinyDecoder(dir.resolve("dense"), false);
        Path quantized = dir.resolve("rtn");
        okRun("compress", "--model", dense.toString(), "--method", "rtn:bits=4:group=16", "--out", quantized.toString());
        Path text = Files.writeString(dir.resolve("text.txt"), TinyTrain.TEXT);
        for (Path source : new Path[] {dense, quantized}) {
            Path exported = dir.resolve(source.getFileName() + "-onnx");
            okRun("export", "--model", source.toString(), "--out", exported.toString());
            String[] generate = {"generate", "--prompt", "The Congress", "--max-tokens", "12", "--temperature", "0", "--model"};
            assertThat(CliRun.ok(append(generate, exported.toString()))).isEqualTo(CliRun.ok(append(generate, source.toString())));
            double viaOnnx = perplexity(CliRun.ok("perplexity", "--model", exported.toString(), "--text", text.toString()));
            double viaJvm = perplexity(CliRun.ok("perplexity", "--model", source.toString(), "--text", text.toString()));
            assertThat(viaOnnx).isCloseTo(viaJvm, org.assertj.core.data.Offset.offset(1e-4 * viaJvm));
        }
        assertError(run("compress", "--model", dir.resolve("dense-onnx").toString(), "--method", "svd", "--ratio", "0.3", "--out",
                dir.resolve("x").toString()), "exported ONNX model");
    }

    /** An adapter tuned over the dense model, exported unmerged over its 4-bit compression: the text generate gives with it. */
    @Test
    void anAdapterOverAFourBitBaseExportsExactly(@TempDir Path dir) throws Exception {
        Path dense = QuantizedDecoderCommandsTest.tinyDecoder(dir.resolve("dense"), false);
        Path text = Files.writeString(dir.resolve("text.txt"), TinyTrain.TEXT);
        Path adapter = dir.resolve("adapter");
        CliRun.ok("finetune", "--model", dense.toString(), "--data", text.toString(), "--out", adapter.toString(), "--rank", "4", "--steps", "30",
                "--batch", "2", "--context", "16", "--held-out", "0.2", "--lr", "5e-2");
        Path quantized = dir.resolve("rtn");
        okRun("compress", "--model", dense.toString(), "--method", "rtn:bits=4:group=16", "--out", quantized.toString());
        Path out = dir.resolve("rtn-lora-onnx");
        String said = (String) okRun("export", "--model", quantized.toString(), "--adapter", adapter.toString(), "--out", out.toString())[1];
        assertThat(said).contains("quantized int4").contains("LoRA").contains("check in ONNX Runtime");
        String[] generate = {"generate", "--prompt", "The Congress", "--max-tokens", "12", "--temperature", "0", "--model"};
        String withAdapter = CliRun.ok("generate", "--prompt", "The Congress", "--max-tokens", "12", "--temperature", "0", "--model",
                quantized.toString(), "--adapter", adapter.toString());
        assertThat(CliRun.ok(append(generate, out.toString()))).isEqualTo(withAdapter).isNotEqualTo(CliRun.ok(append(generate, quantized.toString())));
    }

    private static String[] append(String[] args, String last) {
        String[] out = java.util.Arrays.copyOf(args, args.length + 1);
        out[args.length] = last;
        return out;
    }

    private static double perplexity(String stdout) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("perplexity ([0-9.]+),").matcher(stdout);
        assertThat(m.find()).as(stdout).isTrue();
        return Double.parseDouble(m.group(1));
    }

    @Test
    void exportsAGpt2FolderAndItsLowRankCompression(@TempDir Path dir) throws Exception {
        Path gpt2 = Gpt2FolderCommandsTest.tinyGpt2(dir.resolve("gpt2"));
        Path lowRank = dir.resolve("gpt2-svd");
        okRun("compress", "--model", gpt2.toString(), "--method", "svd", "--ratio", "0.3", "--out", lowRank.toString());
        String dense = (String) okRun("export", "--model", gpt2.toString(), "--out", dir.resolve("a").toString(), "--check-tokens", "8")[1];
        assertThat(dense).contains("12 dense, 1 tied").contains("check in ONNX Runtime: 8 prompt tokens and 8 greedy steps");
        String factored = (String) okRun("export", "--model", lowRank.toString(), "--out", dir.resolve("b").toString(), "--check-tokens", "8")[1];
        assertThat(factored).contains("low-rank").contains("check in ONNX Runtime");
    }

    @Test
    void userMistakesAreOneLine(@TempDir Path dir) throws Exception {
        Path dense = QuantizedDecoderCommandsTest.tinyDecoder(dir.resolve("dense"), false);
        assertError(run("export", "--model", dir.resolve("none").toString(), "--out", dir.resolve("a").toString()), "none");
        assertError(run("export", "--model", dense.toString(), "--out", dense.toString()), "--out");
        assertError(run("export", "--model", dense.toString(), "--out", dir.resolve("b").toString(), "--check-tokens", "-1"), "--check-tokens must be at least 0, got -1");
        Path taken = Files.createDirectories(dir.resolve("taken"));
        assertError(run("export", "--model", dense.toString(), "--out", taken.toString()), "--force");
        Path cskv = dir.resolve("cskv");
        okRun("cskv", "--model", dense.toString(), "--out", cskv.toString(), "--init", "svd");
        assertError(run("export", "--model", cskv.toString(), "--out", dir.resolve("c").toString()), "CSKV");
        Path nan = QuantizedDecoderCommandsTest.tinyDecoder(dir.resolve("nan"), true);
        assertError(run("export", "--model", nan.toString(), "--out", dir.resolve("d").toString()), "nan");
        for (String name : new String[] {"a", "b", "c", "d"}) {
            assertThat(dir.resolve(name)).doesNotExist();
        }
    }
}
