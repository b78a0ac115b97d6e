package org.lowrank4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank4j.compress.text.TextCorpus;
import org.lowrank4j.formats.hf.HfArchitecture;
import org.lowrank4j.formats.hf.HfConfig;
import org.lowrank4j.nn.arch.llama.LlamaModel;
import org.lowrank4j.nn.generate.ByteTokenizer;
import org.lowrank4j.nn.tensor.Precision;

/** lowrank compare on a decoder model folder: the decoder path end to end, and its one-line errors. */
class CompareCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Object[] run(String... args) {
        return CliRun.run(args);
    }

    private static void assertOneLineError(Object[] result, String... fragments) {
        assertThat((int) result[0]).as((String) result[2]).isEqualTo(2);
        List<String> lines = ((String) result[2]).lines().filter(l -> l.startsWith("lowrank ")).toList();
        assertThat(lines).hasSize(1);
        assertThat((String) result[2]).doesNotContain("Exception").doesNotContain("\tat ");
        for (String f : fragments) {
            assertThat(lines.get(0)).contains(f);
        }
    }

    @Test
    void aMissingModelFolderIsOneClearLine(@TempDir Path dir) {
        Path missing = dir.resolve("no-such-decoder");
        assertOneLineError(run("compare", "--model", missing.toString(), "--out", dir.resolve("out").toString()), "no-such-decoder", "does not exist");
        assertThat(dir.resolve("out")).doesNotExist();
    }

    @Test
    void aFolderWithoutConfigOrWithEncoderOptionsIsOneClearLine(@TempDir Path dir) throws Exception {
        Path empty = Files.createDirectories(dir.resolve("empty"));
        assertOneLineError(run("compare", "--model", empty.toString(), "--out", dir.resolve("out").toString()), "config.json");
        Path decoder = tinyDecoder(dir);
        assertOneLineError(run("compare", "--model", decoder.toString(), "--tokenizer", "t.json", "--out", dir.resolve("out").toString()),
                "--tokenizer");
    }

    @Test
    void anOnnxFileKeepsTheEncoderPathAndItsOptions(@TempDir Path dir) throws Exception {
        Path onnx = Files.writeString(dir.resolve("model.onnx"), "not read before the options are checked");
        assertOneLineError(run("compare", "--model", onnx.toString(), "--out", dir.resolve("out").toString()), "--tokenizer");
        assertOneLineError(run("compare", "--model", onnx.toString(), "--tokenizer", "t.json", "--max-bytes", "1000", "--out",
                dir.resolve("out").toString()), "--max-bytes", "decoder");
    }

    @Test
    void comparesATinyDecoderOnAFolderOfYears(@TempDir Path dir) throws Exception {
        Path decoder = tinyDecoder(dir);
        Path data = Files.createDirectories(dir.resolve("data"));
        List<String> text = TextCorpus.calibration().first(60);
        Files.writeString(data.resolve("1790_Washington.txt"), String.join("\n", text.subList(0, 40)));
        Files.writeString(data.resolve("1990_Bush.txt"), String.join("\n", text.subList(40, 60)));
        Path out = dir.resolve("out");
        Object[] r = run("compare", "--model", decoder.toString(), "--data", data.toString(), "--methods", "svd,whitened", "--ratios", "0.3",
                "--calib-windows", "4", "--max-bytes", "600", "--no-stats-cache", "--out", out.toString());
        assertThat((int) r[0]).as((String) r[2]).isZero();
        assertThat((String) r[1]).contains("dense (reference)", "whitened");
        assertThat(out.resolve("results.json")).content().contains("\"mnn_per_token\"", "1790-1945", "1981-2021");
        assertThat(out.resolve("results.md")).exists();
        assertThat(out.resolve("report.html")).content().contains("<svg");
    }

    @Test
    void anInterruptedRunResumesFromItsFinishedRowsAndCachedStatistics(@TempDir Path dir) throws Exception {
        Path decoder = tinyDecoder(dir);
        Path data = Files.createDirectories(dir.resolve("data"));
        List<String> text = TextCorpus.calibration().first(60);
        Files.writeString(data.resolve("1790_Washington.txt"), String.join("\n", text.subList(0, 40)));
        Files.writeString(data.resolve("1990_Bush.txt"), String.join("\n", text.subList(40, 60)));
        Path out = dir.resolve("out"), cache = dir.resolve("stats");
        String[] args = {"compare", "--model", decoder.toString(), "--data", data.toString(), "--methods", "whitened,asvd:alpha=1",
                "--ratios", "0.3,0.5", "--calib-windows", "4", "--max-bytes", "600", "--stats-cache", cache.toString(), "--out", out.toString()};
        Object[] first = run(args);
        assertThat((int) first[0]).as((String) first[2]).isZero();
        assertThat((String) first[2]).doesNotContain("calibrate (cached)");
        assertThat(Files.list(cache).filter(p -> p.toString().endsWith(".safetensors")).count()).isEqualTo(1);
        JsonNode full = JSON.readTree(out.resolve("results.json").toFile()).path("runs");
        assertThat(full).hasSize(4);
        assertThat(full.get(2).path("method").asText()).isEqualTo("asvd:alpha=1");

        // an interruption after two rows: the journal holds its header and the first two rows
        List<String> journal = Files.readAllLines(out.resolve("rows.jsonl"));
        assertThat(journal).hasSize(5);
        Files.write(out.resolve("rows.jsonl"), journal.subList(0, 3));
        String[] resumed = java.util.Arrays.copyOf(args, args.length + 1);
        resumed[args.length] = "--resume";
        Object[] second = run(resumed);
        assertThat((int) second[0]).as((String) second[2]).isZero();
        assertThat((String) second[2]).contains("resume: 2 finished row(s) kept").contains("calibrate (cached)");
        JsonNode again = JSON.readTree(out.resolve("results.json").toFile()).path("runs");
        assertThat(again).hasSize(4);
        // kept rows are the earlier run's, timings included; the others were computed again from the same statistics
        assertThat(again.get(0)).isEqualTo(full.get(0));
        assertThat(again.get(1)).isEqualTo(full.get(1));
        for (int i = 2; i < 4; i++) {
            assertThat(again.get(i).path("eval").path("perplexity").asDouble()).isEqualTo(full.get(i).path("eval").path("perplexity").asDouble());
            assertThat(again.get(i).path("ranks")).isEqualTo(full.get(i).path("ranks"));
        }

        // another setup in the same folder is refused, not mixed in
        String[] other = resumed.clone();
        other[java.util.Arrays.asList(other).indexOf("--calib-windows") + 1] = "3";
        assertOneLineError(run(other), "another model, calibration or evaluation setup");
    }

    @Test
    void aFolderLeftByAKilledRunPointsToResume(@TempDir Path dir) throws Exception {
        Path decoder = tinyDecoder(dir), out = Files.createDirectories(dir.resolve("out"));
        Files.writeString(out.resolve("rows.jsonl"), "{}\n"); // a run killed before its results: the journal of its finished rows
        assertOneLineError(run("compare", "--model", decoder.toString(), "--methods", "svd", "--ratios", "0.3", "--out", out.toString()),
                "holds the rows of an interrupted run; pass --resume to continue it, --force to start over");
    }

    @Test
    void targetSizesBecomeRatiosThatReachThem(@TempDir Path dir) throws Exception {
        Path decoder = tinyDecoder(dir);
        Path data = Files.createDirectories(dir.resolve("data"));
        List<String> text = TextCorpus.calibration().first(60);
        Files.writeString(data.resolve("1790_Washington.txt"), String.join("\n", text.subList(0, 40)));
        Files.writeString(data.resolve("1990_Bush.txt"), String.join("\n", text.subList(40, 60)));
        long dense = LlamaModel.load(decoder, Precision.FLOAT32).parameterCount() * 4;
        long[] targets = {(long) (dense * 0.95), (long) (dense * 0.9)};
        Path out = dir.resolve("out");
        Object[] r = run("compare", "--model", decoder.toString(), "--data", data.toString(), "--methods", "svd", "--target-sizes",
                targets[0] + "," + targets[1], "--calib-windows", "2", "--max-bytes", "600", "--no-stats-cache", "--out", out.toString());
        assertThat((int) r[0]).as((String) r[2]).isZero();
        JsonNode runs = JSON.readTree(out.resolve("results.json").toFile()).path("runs");
        assertThat(runs).hasSize(2);
        for (int i = 0; i < 2; i++) {
            long bytes = runs.get(i).path("bytes_fp32_after").asLong();
            assertThat(bytes).as("target %d", targets[i]).isLessThanOrEqualTo(targets[i]).isGreaterThan(targets[i] - dense / 20);
        }
        assertOneLineError(run("compare", "--model", decoder.toString(), "--data", data.toString(), "--ratios", "0.2", "--target-sizes", "1KB",
                "--out", dir.resolve("x").toString()), "either --ratios or --target-sizes");
    }

    /** A random byte-level LLaMA (C=16, context 16) saved as a model folder with its tokenizer. */
    private static Path tinyDecoder(Path dir) throws Exception {
        HfConfig config = HfConfig.builder(HfArchitecture.LLAMA).hiddenSize(16).intermediateSize(24).numHiddenLayers(1).numAttentionHeads(2)
                .numKeyValueHeads(1).vocabSize(256).maxPositionEmbeddings(16).tieWordEmbeddings(true).build();
        LlamaModel model = LlamaModel.create(config, Precision.FLOAT32);
        model.initialize(new Random(1));
        Path folder = Files.createDirectories(dir.resolve("decoder"));
        model.save(folder);
        ByteTokenizer.writeJson(folder);
        return folder;
    }
}
