package org.lowrank4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.lowrank4j.cli.CliRun.assertError;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank4j.compress.model.DecoderFolder;
import org.lowrank4j.compress.tokenize.HfTextTokenizer;
import org.lowrank4j.nn.generate.ByteTokenizer;

/** lowrank train / generate / perplexity on a tiny model: files, finite figures, resume, one-line errors. */
class DecoderCommandsTest {
    private static final String TEXT = """
            Fellow-Citizens of the Senate and of the House of Representatives: I embrace with great satisfaction the
            opportunity which now presents itself of congratulating you on the present favorable prospects of our public
            affairs. The recent accession of the important State of North Carolina to the Constitution of the United
            States gives me great pleasure. The Congress met in the capital and the treaty was signed in the spring.
            """.repeat(3);

    private static final String[] TINY = {"--hidden", "16", "--layers", "1", "--heads", "2", "--kv-heads", "1", "--mlp", "32",
            "--context", "32", "--batch", "2", "--lr", "3e-3", "--warmup", "2", "--validation-fraction", "0.2", "--validate-every", "2"};

    private static Object[] run(String... args) {
        return CliRun.run(args);
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = new String[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** "train", the tiny sizes, then {@code args}. */
    private static String[] train(String... args) {
        return concat(concat(new String[] {"train"}, TINY), args);
    }

    private static Object[] ok(String... args) {
        Object[] r = run(args);
        assertThat((int) r[0]).as("stderr: %s", r[2]).isZero();
        return r;
    }

    private static List<String> logRows(Path folder) throws IOException {
        List<String> lines = Files.readAllLines(folder.resolve(TrainCommand.LOG));
        assertThat(lines.get(0)).isEqualTo(TrainCommand.LOG_HEADER);
        return lines.subList(1, lines.size());
    }

    private static double loss(String row) {
        return Double.parseDouble(row.split(",")[1]);
    }

    @Test
    void trainThenGenerateThenPerplexity(@TempDir Path dir) throws IOException {
        Path data = Files.createDirectories(dir.resolve("sotu"));
        Files.writeString(data.resolve("1790_washington.txt"), TEXT);
        Files.writeString(data.resolve("1791_washington.txt"), TEXT.toUpperCase());
        Files.writeString(data.resolve("1990_bush.txt"), "not in the years");
        Path model = dir.resolve("model");
        Object[] train = ok(train("--data", data.toString(), "--from", "1790", "--to", "1791", "--out", model.toString(),
                "--steps", "5"));
        assertThat((String) train[1]).contains("trained 5 steps");
        for (String f : List.of("config.json", "model.safetensors", "tokenizer.json", TrainCommand.CHECKPOINT, TrainCommand.LOG)) {
            assertThat(model.resolve(f)).isRegularFile();
        }
        List<String> rows = logRows(model);
        assertThat(rows).hasSize(5);
        for (String row : rows) {
            String[] cells = row.split(",", -1);
            assertThat(cells).hasSize(6);
            for (int i = 1; i < 5; i++) {
                assertThat(Double.parseDouble(cells[i])).isFinite();
            }
        }
        assertThat(rows.get(1).split(",", -1)[5]).isNotEmpty(); // validation after step 2
        assertThat(Double.parseDouble(rows.get(1).split(",", -1)[5])).isFinite();

        Object[] generated = ok("generate", "--model", model.toString(), "--prompt", "The Congress", "--max-tokens", "20");
        assertThat((String) generated[1]).startsWith("The Congress");
        Object[] sampled = ok("generate", "--model", model.toString(), "--prompt", "The", "--max-tokens", "10", "--temperature", "0.8",
                "--top-p", "0.9", "--seed", "3");
        assertThat((String) sampled[1]).startsWith("The");

        Path json = dir.resolve("ppl.json");
        Object[] ppl = ok("perplexity", "--model", model.toString(), "--text", data.toString(), "--from", "1790", "--to", "1790",
                "--window", "32", "--json", json.toString());
        assertThat((String) ppl[1]).contains("perplexity").contains("bits per byte");
        JsonNode figures = new ObjectMapper().readTree(json.toFile());
        assertThat(figures.get("tokens").asLong()).isEqualTo(TEXT.getBytes(StandardCharsets.UTF_8).length - 1);
        assertThat(figures.get("perplexity").asDouble()).isFinite().isGreaterThan(1).isLessThan(300);
        assertThat(figures.get("bits_per_byte").asDouble()).isFinite().isPositive();
    }

    @Test
    void resumedRunContinuesWithTheSameLosses(@TempDir Path dir) throws IOException {
        Path text = Files.writeString(dir.resolve("text.txt"), TEXT);
        Path straight = dir.resolve("straight"), interrupted = dir.resolve("interrupted");
        ok(train("--data", text.toString(), "--out", straight.toString(), "--steps", "6"));
        ok(train("--data", text.toString(), "--out", interrupted.toString(), "--steps", "6", "--stop-after", "3"));
        assertThat(logRows(interrupted)).hasSize(3);
        ok(train("--data", text.toString(), "--out", interrupted.toString(), "--steps", "6", "--resume"));
        List<String> a = logRows(straight), b = logRows(interrupted);
        assertThat(b).hasSize(6);
        for (int i = 0; i < 6; i++) {
            assertThat(loss(b.get(i))).as("loss of step %d", i + 1).isEqualTo(loss(a.get(i)));
        }
        assertThat(Files.readAllBytes(interrupted.resolve("model.safetensors"))).isEqualTo(Files.readAllBytes(straight.resolve("model.safetensors")));

        // the run is finished: resuming it again trains nothing and must not write a zero-step record over its figures
        byte[] record = Files.readAllBytes(interrupted.resolve("train-record.json")), log = Files.readAllBytes(interrupted.resolve("train-log.csv"));
        assertError(run(train("--data", text.toString(), "--out", interrupted.toString(), "--steps", "6", "--resume")),
                "nothing left to train");
        assertThat(Files.readAllBytes(interrupted.resolve("train-record.json"))).isEqualTo(record);
        assertThat(Files.readAllBytes(interrupted.resolve("train-log.csv"))).isEqualTo(log);
    }

    @Test
    void byteTokenizerJsonRoundTripsAndHuggingFaceReadsItAsBytes(@TempDir Path dir) throws IOException {
        ByteTokenizer.writeJson(dir);
        assertThat(DecoderFolder.loadTokenizer(dir, 256)).isInstanceOf(ByteTokenizer.class);
        assertThat(DecoderFolder.loadTokenizer(dir, 256).vocabSize()).isEqualTo(ByteTokenizer.BYTES);
        String text = "Fellow-Citizens: the Union's state — naïve café, 1790.\n  Tabs\tand spaces.";
        try (HfTextTokenizer hf = HfTextTokenizer.load(dir.resolve(DecoderFolder.TOKENIZER))) {
            int[] ids = hf.encode(text);
            assertThat(ids).isEqualTo(new ByteTokenizer().encode(text));
            assertThat(hf.decode(ids)).isEqualTo(text);
        }
    }

    @Test
    void aWordPieceTokenizerJsonRunsThroughHuggingFace(@TempDir Path dir) throws IOException {
        Path model = dir.resolve("wordpiece-model");
        Files.createDirectories(model);
        try (var in = DecoderCommandsTest.class.getResourceAsStream("/all-minilm-l6-v2-tokenizer.json")) {
            Files.copy(in, model.resolve(DecoderFolder.TOKENIZER));
        }
        int vocab = 30522;
        org.lowrank4j.formats.hf.HfConfig config = org.lowrank4j.formats.hf.HfConfig.builder(org.lowrank4j.formats.hf.HfArchitecture.LLAMA)
                .hiddenSize(8).intermediateSize(16).numHiddenLayers(1).numAttentionHeads(2).numKeyValueHeads(1).vocabSize(vocab)
                .maxPositionEmbeddings(32).tieWordEmbeddings(true).build();
        var llama = org.lowrank4j.nn.arch.llama.LlamaModel.create(config, org.lowrank4j.nn.tensor.Precision.FLOAT32);
        llama.initialize(new java.util.Random(5));
        llama.save(model);
        Path text = Files.writeString(dir.resolve("t.txt"), TEXT);

        Path json = dir.resolve("ppl.json");
        ok("perplexity", "--model", model.toString(), "--text", text.toString(), "--max-bytes", "300", "--json", json.toString());
        JsonNode figures = new ObjectMapper().readTree(json.toFile());
        assertThat(figures.get("bytes").asLong()).isEqualTo(300);
        assertThat(figures.get("tokens").asLong()).isBetween(20L, 100L); // word pieces, not bytes
        assertThat(figures.get("bits_per_byte").asDouble())
                .isCloseTo(figures.get("total_nll").asDouble() / Math.log(2) / 300, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(figures.get("perplexity").asDouble()).isCloseTo(vocab, org.assertj.core.data.Percentage.withPercentage(50));

        Object[] generated = ok("generate", "--model", model.toString(), "--prompt", "the congress", "--max-tokens", "5");
        assertThat((String) generated[1]).startsWith("the congress");

        Path small = dir.resolve("small-vocab");
        Files.createDirectories(small);
        Files.copy(model.resolve(DecoderFolder.TOKENIZER), small.resolve(DecoderFolder.TOKENIZER));
        var tiny = org.lowrank4j.nn.arch.llama.LlamaModel.create(org.lowrank4j.formats.hf.HfConfig.builder(org.lowrank4j.formats.hf.HfArchitecture.LLAMA)
                .hiddenSize(8).intermediateSize(16).numHiddenLayers(1).numAttentionHeads(2).numKeyValueHeads(1).vocabSize(256)
                .maxPositionEmbeddings(32).tieWordEmbeddings(true).build(), org.lowrank4j.nn.tensor.Precision.FLOAT32);
        tiny.save(small);
        assertError(run("perplexity", "--model", small.toString(), "--text", text.toString()), "30522 token ids but the model");
    }

    @Test
    void initContinuesFromAnotherModelFolder(@TempDir Path dir) throws IOException {
        Path text = Files.writeString(dir.resolve("text.txt"), TEXT);
        Path first = dir.resolve("first"), second = dir.resolve("second");
        ok(train("--data", text.toString(), "--out", first.toString(), "--steps", "3"));
        byte[] before = Files.readAllBytes(first.resolve("model.safetensors"));
        Object[] r = ok(train("--data", text.toString(), "--init", first.toString(), "--out", second.toString(), "--steps", "2", "--seed", "7"));
        assertThat((String) r[1]).contains("trained 2 steps");
        assertThat(Files.readAllBytes(first.resolve("model.safetensors"))).isEqualTo(before); // the starting model is kept
        assertThat(Files.readString(second.resolve("config.json"))).isEqualTo(Files.readString(first.resolve("config.json")));
        assertThat(logRows(second)).hasSize(2);
        assertError(run(train("--data", text.toString(), "--init", first.toString(), "--out", first.toString(), "--steps", "2")),
                "is the --init input");
        assertError(run(train("--data", text.toString(), "--init", first.toString(), "--out", second.toString(), "--resume")),
                "exclude each other");
    }

    @Test
    void userMistakesAreOneLineErrors(@TempDir Path dir) throws IOException {
        Path empty = Files.writeString(dir.resolve("empty.txt"), "  \n");
        Path bare = Files.createDirectories(dir.resolve("bare"));
        assertError(run(train("--data", dir.resolve("missing").toString(), "--out", dir.resolve("m").toString())), "does not exist");
        assertError(run(train("--data", empty.toString(), "--out", dir.resolve("m").toString())), "holds no text");
        assertError(run(train("--data", dir.resolve("missing.txt").toString(), "--out", bare.toString(), "--resume")), "does not exist");
        Path text = Files.writeString(dir.resolve("t.txt"), TEXT);
        assertError(run(train("--data", text.toString(), "--out", bare.toString(), "--resume")), "checkpoint.safetensors");
        assertError(run("generate", "--model", bare.toString(), "--prompt", "x"), "config.json");
        assertError(run("perplexity", "--model", bare.toString(), "--text", text.toString()), "config.json");
        assertError(run("perplexity", "--model", bare.toString(), "--text", empty.toString()), "holds no text");
    }
}
