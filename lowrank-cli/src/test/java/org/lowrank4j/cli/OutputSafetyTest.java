package org.lowrank4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The output rules of every writing command (issue 12): an output is never an input nor another output of the same
 * run, an existing output is replaced only with --force, the record names the model's hash, and staging files of
 * killed runs are cleaned. Each refusal is one line, exit 2, and leaves every input byte for byte as it was.
 */
class OutputSafetyTest {
    private static Path model, tokenizer;

    @BeforeAll
    static void extractModel() throws IOException {
        Path folder = Files.createDirectories(Path.of("target", "test-models"));
        model = copy("/all-minilm-l6-v2.onnx", folder.resolve("minilm.onnx"));
        tokenizer = copy("/all-minilm-l6-v2-tokenizer.json", folder.resolve("minilm-tokenizer.json"));
    }

    private static Path copy(String resource, Path target) throws IOException {
        return CliRun.resource(resource, target);
    }

    private static Object[] run(String... args) {
        return CliRun.run(args);
    }

    /** Runs a command that must be refused: exit 2, one line naming {@code fragment}, every input unchanged. */
    private static void refused(List<Path> inputs, String fragment, String... args) throws IOException {
        Map<Path, String> before = hashes(inputs);
        Object[] r = run(args);
        String err = (String) r[2];
        assertThat((int) r[0]).as(err).isEqualTo(2);
        List<String> lines = err.lines().filter(l -> !l.isBlank()).toList();
        assertThat(lines).as(err).hasSize(1);
        assertThat(lines.get(0)).startsWith("lowrank ").contains(fragment).doesNotContain("Exception");
        assertThat(hashes(inputs)).isEqualTo(before);
    }

    private static Map<Path, String> hashes(List<Path> files) throws IOException {
        Map<Path, String> out = new LinkedHashMap<>();
        for (Path f : files) {
            out.put(f, Files.exists(f) ? sha256(f) : "absent");
        }
        return out;
    }

    private static String sha256(Path file) throws IOException {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String[] compress(Path out, String... extra) {
        List<String> args = new java.util.ArrayList<>(List.of("compress", "--model", model.toString(), "--ratio", "0.5", "--method", "svd",
                "--allocation", "uniform", "--out", out.toString()));
        args.addAll(List.of(extra));
        return args.toArray(String[]::new);
    }

    @Test
    void aModelNamedLikeItsRecordIsRefused(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("m.json");
        refused(List.of(model), "are the same file", compress(out));
        assertThat(Files.exists(out)).isFalse();
        refused(List.of(model), "are the same file", compress(dir.resolve("m.html")));
    }

    @Test
    void anOutputOnTheTokenizerOrCalibrationTextIsRefused(@TempDir Path dir) throws IOException {
        Path tok = Files.copy(tokenizer, dir.resolve("tokenizer.json"));
        Path calib = Files.writeString(dir.resolve("calib.txt"), "The Congress met. The treaty was signed.\n");
        refused(List.of(model, tok, calib), "--tokenizer input", "compress", "--model", model.toString(), "--tokenizer", tok.toString(), "--calib",
                calib.toString(), "--ratio", "0.2", "--out", tok.toString());
        refused(List.of(model, tok, calib), "--calib input", "compress", "--model", model.toString(), "--tokenizer", tok.toString(), "--calib",
                calib.toString(), "--ratio", "0.2", "--out", calib.toString());
        // the record of a model named tokenizer.onnx would be tokenizer.json, the input
        refused(List.of(model, tok, calib), "which is the --tokenizer input", "compress", "--model", model.toString(), "--tokenizer", tok.toString(),
                "--calib", calib.toString(), "--ratio", "0.2", "--out", dir.resolve("tokenizer.onnx").toString());
    }

    @Test
    void anExistingOutputIsReplacedOnlyWithForceAndTheRecordNamesTheModel(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("small.onnx");
        Object[] first = run(compress(out));
        assertThat((int) first[0]).as((String) first[2]).isZero();
        String written = sha256(out);
        assertThat(new ObjectMapper().readTree(dir.resolve("small.json").toFile()).path("output_sha256").asText()).isEqualTo(written);

        refused(List.of(model, out, dir.resolve("small.json")), "already exists; pass --force", compress(out));

        Files.delete(out); // only the record is left: it must not be silently replaced either
        refused(List.of(model, dir.resolve("small.json")), "small.json already exists", compress(out));

        Object[] forced = run(compress(out, "--force"));
        assertThat((int) forced[0]).as((String) forced[2]).isZero();
        assertThat(new ObjectMapper().readTree(dir.resolve("small.json").toFile()).path("output_sha256").asText()).isEqualTo(sha256(out));
    }

    @Test
    void stagingFilesOfKilledRunsAreRemovedAndThoseOfLiveOnesKept(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("small.onnx");
        long dead = deadPid();
        Path stale = Files.writeString(dir.resolve(".small.onnx.lowrank-" + dead + "-1a2b.tmp"), "half a model");
        Path staleRecord = Files.writeString(dir.resolve(".small.json.lowrank-" + dead + "-3c4d.tmp"), "{");
        Path live = Files.writeString(dir.resolve(".small.onnx.lowrank-" + ProcessHandle.current().pid() + "-5e6f.tmp"), "in progress");
        Object[] r = run(compress(out));
        assertThat((int) r[0]).as((String) r[2]).isZero();
        assertThat(stale).doesNotExist();
        assertThat(staleRecord).doesNotExist();
        assertThat(live).exists();
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".tmp"))).containsExactly(live.getFileName().toString());
        }
    }

    /** A process id no process has now. */
    private static long deadPid() {
        for (long pid = 4_000_000; ; pid++) {
            if (ProcessHandle.of(pid).isEmpty()) {
                return pid;
            }
        }
    }

    @Test
    void otherCommandsFollowTheSameRule(@TempDir Path dir) throws IOException {
        Path log = Files.writeString(dir.resolve("train-log.csv"), "step,loss,lr,grad_norm,tokens_per_s,validation_loss\n1,5.0,1e-3,1.0,100,\n"
                + "2,4.0,1e-3,1.0,100,\n");
        refused(List.of(log), "--log input", "plot-log", "--log", log.toString(), "--out", log.toString());
        Path png = Files.writeString(dir.resolve("loss.png"), "an older plot");
        refused(List.of(log, png), "already exists; pass --force", "plot-log", "--log", log.toString(), "--out", png.toString());
        Object[] forced = run("plot-log", "--log", log.toString(), "--out", png.toString(), "--force");
        assertThat((int) forced[0]).as((String) forced[2]).isZero();

        refused(List.of(model, tokenizer), "--reference input", "eval", "--reference", model.toString(), "--candidate", model.toString(),
                "--tokenizer", tokenizer.toString(), "--out", model.toString());
        refused(List.of(model), "--model input", "inspect", "--model", model.toString(), "--json", model.toString());

        Path results = Files.createDirectories(dir.resolve("cmp"));
        Path earlier = Files.writeString(results.resolve("results.json"), "{}");
        refused(List.of(model, tokenizer, earlier), "earlier run", "compare", "--model", model.toString(), "--tokenizer", tokenizer.toString(),
                "--methods", "svd", "--allocations", "uniform", "--ratios", "0.5", "--out", results.toString());
    }

    @Test
    void trainingIntoAnExistingModelFolderNeedsForce(@TempDir Path dir) throws IOException {
        Path data = Files.writeString(dir.resolve("text.txt"), "Fellow citizens of the Senate and of the House of Representatives. ".repeat(40));
        String[] tiny = {"train", "--data", data.toString(), "--hidden", "16", "--layers", "1", "--heads", "2", "--kv-heads", "1", "--mlp", "32",
                "--context", "16", "--batch", "2", "--steps", "2", "--out"};
        Path out = dir.resolve("model");
        Object[] first = run(concat(tiny, out.toString()));
        assertThat((int) first[0]).as((String) first[2]).isZero();
        refused(List.of(data, out.resolve("model.safetensors"), out.resolve("config.json")), "already exists", concat(tiny, out.toString()));
        Object[] forced = run(concat(tiny, out.toString(), "--force"));
        assertThat((int) forced[0]).as((String) forced[2]).isZero();
        refused(List.of(data), "--data input", concat(tiny, data.toString()));
    }

    /** With --force an output may replace a file, but never one an input folder is read from (its weights, config, tokenizer). */
    @Test
    void noOutputIsAFileOfAnInputFolderEvenWithForce(@TempDir Path dir) throws IOException {
        Path base = CliRun.tinyDecoder(dir, 2, 1);
        Path text = Files.writeString(dir.resolve("text.txt"), "Fellow citizens of the Senate and of the House of Representatives. ".repeat(40));
        Path adapter = dir.resolve("adapter");
        Object[] tuned = run("finetune", "--model", base.toString(), "--data", text.toString(), "--out", adapter.toString(), "--rank", "2",
                "--steps", "1", "--batch", "2", "--context", "16", "--held-out", "0.2");
        assertThat((int) tuned[0]).as((String) tuned[2]).isZero();
        List<Path> inputs = List.of(adapter.resolve("adapter_model.safetensors"), adapter.resolve("adapter_config.json"),
                base.resolve("model.safetensors"), base.resolve("config.json"), base.resolve("tokenizer.json"));
        refused(inputs, "is a file the --adapter folder", "adapter", "squeeze", "--adapter", adapter.toString(), "--rank", "1", "--out",
                adapter.resolve("adapter_model.safetensors").toString(), "--force");
        refused(inputs, "is a file the --adapter folder", "adapter", "merge", "--model", base.toString(), "--adapter", adapter.toString(),
                "--out", adapter.resolve("adapter_config.json").toString(), "--force");
        refused(inputs, "is a file the --model folder", "adapter", "merge", "--model", base.toString(), "--adapter", adapter.toString(),
                "--out", base.resolve("model.safetensors").toString(), "--force");
        refused(inputs, "is a file the --model folder", "perplexity", "--model", base.toString(), "--text", text.toString(), "--json",
                base.resolve("config.json").toString(), "--force");
        // a record beside the model is still fine (models/sotu-decoder keeps its perplexity JSON files so)
        Object[] record = run("perplexity", "--model", base.toString(), "--text", text.toString(), "--json", base.resolve("perplexity.json").toString());
        assertThat((int) record[0]).as((String) record[2]).isZero();
    }

    /** An output folder is never made inside an input folder (the help says every output differs from every input). */
    @Test
    void noOutputFolderIsMadeInsideAnInputFolder(@TempDir Path dir) throws IOException {
        Path base = CliRun.tinyDecoder(dir, 2, 1);
        Path text = Files.writeString(dir.resolve("text.txt"), "Fellow citizens of the Senate and of the House of Representatives. ".repeat(40));
        List<Path> inputs = List.of(base.resolve("model.safetensors"), base.resolve("config.json"), base.resolve("tokenizer.json"));
        refused(inputs, "--out " + base.resolve("sub") + " is inside the --model folder " + base, "compress", "--model", base.toString(),
                "--method", "svd", "--ratio", "0.5", "--out", base.resolve("sub").toString());
        Path low = dir.resolve("c1");
        CliRun.ok("compress", "--model", base.toString(), "--method", "svd", "--ratio", "0.5", "--out", low.toString());
        refused(inputs, "--out " + low.resolve("sub") + " is inside the --compressed folder " + low, "recover", "--original", base.toString(),
                "--compressed", low.toString(), "--text", text.toString(), "--steps", "1", "--out", low.resolve("sub").toString());
        refused(inputs, "--out " + base.resolve("cmp") + " is inside the --model folder " + base, "compare", "--model", base.toString(),
                "--out", base.resolve("cmp").toString());
        assertThat(base.resolve("sub")).doesNotExist();
        assertThat(low.resolve("sub")).doesNotExist();
        assertThat(base.resolve("cmp")).doesNotExist();
        // a results folder whose parent is missing: the checks run before the parent is made (it was left behind in the model folder)
        refused(inputs, "--out " + base.resolve("new").resolve("cmp") + " is inside the --model folder " + base, "compare", "--model",
                base.toString(), "--out", base.resolve("new").resolve("cmp").toString());
        assertThat(base.resolve("new")).doesNotExist();
    }

    /** compare and demo make a missing parent of --out only once every check has passed: a refused run creates no folder. */
    @Test
    void aRefusedResultsRunCreatesNoFolder(@TempDir Path dir) throws IOException {
        Path base = CliRun.tinyDecoder(dir, 2, 1);
        List<Path> inputs = List.of(base.resolve("model.safetensors"), base.resolve("config.json"), base.resolve("tokenizer.json"));
        refused(inputs, "bogus", "compare", "--model", base.toString(), "--methods", "bogus", "--out", dir.resolve("a").resolve("cmp").toString());
        refused(List.of(), "evenly", "demo", "--allocation", "evenly", "--out", dir.resolve("b").resolve("demo").toString());
        Path latin1 = Files.write(dir.resolve("latin1.txt"), "The caf\u00e9 was na\u00efve.\n".repeat(20).getBytes(StandardCharsets.ISO_8859_1));
        refused(List.of(model, tokenizer, latin1), "latin1.txt", "compare", "--model", model.toString(), "--tokenizer", tokenizer.toString(),
                "--calib", latin1.toString(), "--out", dir.resolve("c").resolve("cmp").toString());
        refused(List.of(model, tokenizer, latin1), "latin1.txt", "compare", "--model", model.toString(), "--tokenizer", tokenizer.toString(),
                "--calib", latin1.toString(), "--out", dir.resolve("d").toString());
        assertThat(dir.resolve("a")).doesNotExist();
        assertThat(dir.resolve("b")).doesNotExist();
        assertThat(dir.resolve("c")).doesNotExist();
        assertThat(dir.resolve("d")).doesNotExist();
        // a parent that is a file is named as such, not created over
        Path file = Files.writeString(dir.resolve("notes.txt"), "x");
        refused(List.of(file), "--out " + file.resolve("x").resolve("cmp") + ": " + file + " is a file, not a folder", "demo", "--out",
                file.resolve("x").resolve("cmp").toString());
    }

    /** A --force run refused for a bad setting leaves the earlier output folder as it was (it used to be deleted first). */
    @Test
    void aRefusedForcedRunKeepsTheEarlierOutput(@TempDir Path dir) throws IOException {
        Path base = CliRun.tinyDecoder(dir, 2, 1);
        Path text = Files.writeString(dir.resolve("text.txt"), "Fellow citizens of the Senate and of the House of Representatives. ".repeat(40));
        Path adapter = dir.resolve("adapter");
        String[] tune = {"finetune", "--model", base.toString(), "--data", text.toString(), "--out", adapter.toString(), "--rank", "2",
            "--steps", "1", "--batch", "2", "--context", "16", "--held-out", "0.2", "--force"};
        Object[] first = run(tune);
        assertThat((int) first[0]).as((String) first[2]).isZero();
        List<Path> earlier = List.of(adapter.resolve("adapter_model.safetensors"), adapter.resolve("adapter_config.json"),
                adapter.resolve("checkpoint.safetensors"));
        refused(earlier, "--lr must be a positive number", concat(tune, "--lr", "NaN"));
        refused(earlier, "unknown adapter variant", concat(tune, "--adapter", "bogus"));
        refused(earlier, "match none of the model's", concat(tune, "--targets", "bogus_proj"));
        assertThat(earlier).allMatch(Files::isRegularFile);
        assertThat(dir).isDirectoryNotContaining("glob:**.old");

        Path model = dir.resolve("model");
        String[] train = {"train", "--data", text.toString(), "--hidden", "16", "--layers", "1", "--heads", "2", "--kv-heads", "1", "--mlp", "32",
            "--context", "16", "--batch", "2", "--steps", "2", "--out", model.toString(), "--force"};
        Object[] trained = run(train);
        assertThat((int) trained[0]).as((String) trained[2]).isZero();
        List<Path> trainedFiles = List.of(model.resolve("checkpoint.safetensors"), model.resolve("model.safetensors"), model.resolve("config.json"));
        refused(trainedFiles, "--lr must be a positive number", concat(train, "--lr", "NaN"));
        refused(trainedFiles, "unknown training method", concat(train, "--method", "bogus"));
        refused(trainedFiles, "--warmup must be 0 or more, got -1", concat(train, "--warmup", "-1"));
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
