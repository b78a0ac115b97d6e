package org.lowrank4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank4j.formats.onnx.OnnxTensors;
import org.lowrank4j.formats.onnx.proto.Onnx;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.arch.llama.LlamaModel;
import org.lowrank4j.nn.generate.ByteTokenizer;
import org.lowrank4j.nn.tensor.Precision;

/**
 * The bad-input corpus: every verb given what a careless user gives it — missing files, folders for files, text that is
 * not UTF-8 or not text at all, FIFOs and devices, bad numbers, unknown names, truncated models, models and tokenizers
 * that do not belong together. Each case must end with exit code 2 and exactly one non-empty line on stderr that names
 * the file or option at fault, and must leave every input file as it was (SHA-256 before and after).
 *
 * <p>The models are tiny and built here: a two-MatMul ONNX "encoder" over the real MiniLM vocabulary (its
 * tokenizer.json comes from the bundled jar), its compressed copy, and a one-layer byte-level decoder trained for two
 * steps and its low-rank copy.
 */
class BadInputCorpusTest {
    @TempDir
    static Path fixtures;
    @TempDir
    static Path scratch;

    private static final String TEXT = """
            Fellow-Citizens of the Senate and of the House of Representatives: I embrace with great satisfaction the
            opportunity which now presents itself of congratulating you on the present favorable prospects of our public
            affairs. The recent accession of the important State of North Carolina to the Constitution of the United
            States gives me great pleasure. The Congress met in the capital and the treaty was signed in the spring.
            """.repeat(4);

    private static Path enc, encOther, encOutputs, encSvd, encSvdCopy, truncatedOnnx, tok, byteTok;
    private static Path text, latin1, binary, empty, blank, emptyDir, noTxtDir, yearsDir, fifo, devZero, notabTsv, latin1Tsv;
    private static Path dec, decOther, decLr, decLrCopy, decNan, decTruncated, decBadTokenizer, log, logLatin1, logBadNumber, logShortRow;

    @BeforeAll
    static void buildFixtures() throws Exception {
        enc = tinyEncoder(fixtures.resolve("enc.onnx"), 1, "last_hidden_state");
        encOther = tinyEncoder(fixtures.resolve("enc-other.onnx"), 2, "last_hidden_state");
        encOutputs = tinyEncoder(fixtures.resolve("enc-outputs.onnx"), 1, "sentence_embedding");
        try (InputStream in = BadInputCorpusTest.class.getResourceAsStream("/all-minilm-l6-v2-tokenizer.json")) {
            tok = fixtures.resolve("tokenizer.json");
            Files.copy(in, tok);
        }
        Path byteFolder = Files.createDirectories(fixtures.resolve("byte-tokenizer"));
        ByteTokenizer.writeJson(byteFolder);
        byteTok = byteFolder.resolve("tokenizer.json");
        encSvd = fixtures.resolve("enc-svd.onnx");
        ok("compress", "--model", enc.toString(), "--ratio", "0.5", "--method", "svd", "--allocation", "uniform", "--out", encSvd.toString());
        Files.delete(fixtures.resolve("enc-svd.json"));
        Files.delete(fixtures.resolve("enc-svd.html"));
        encSvdCopy = Files.copy(encSvd, fixtures.resolve("enc-svd-copy.onnx"));
        byte[] whole = Files.readAllBytes(enc);
        truncatedOnnx = Files.write(fixtures.resolve("truncated.onnx"), java.util.Arrays.copyOf(whole, whole.length / 2));

        text = Files.writeString(fixtures.resolve("text.txt"), TEXT);
        latin1 = Files.write(fixtures.resolve("latin1.txt"), "The caf\u00e9 was na\u00efve.\n".repeat(20).getBytes(StandardCharsets.ISO_8859_1));
        byte[] bin = TEXT.getBytes(StandardCharsets.UTF_8);
        bin[100] = 0;
        binary = Files.write(fixtures.resolve("binary.txt"), bin);
        empty = Files.write(fixtures.resolve("empty.txt"), new byte[0]);
        blank = Files.writeString(fixtures.resolve("blank.txt"), "  \n\t\n");
        emptyDir = Files.createDirectories(fixtures.resolve("empty-folder"));
        noTxtDir = Files.createDirectories(fixtures.resolve("no-txt-folder"));
        Files.writeString(noTxtDir.resolve("notes.md"), TEXT);
        yearsDir = Files.createDirectories(fixtures.resolve("years")); // compare's --data: a calibration year and a held-out one
        Files.writeString(yearsDir.resolve("1790_a.txt"), TEXT);
        Files.writeString(yearsDir.resolve("2001_b.txt"), TEXT);
        notabTsv = Files.writeString(fixtures.resolve("notab.tsv"), "label\ttext\nspam this line has no tab\n");
        latin1Tsv = Files.write(fixtures.resolve("latin1.tsv"), "a\tcaf\u00e9\nb\tna\u00efve\n".getBytes(StandardCharsets.ISO_8859_1));
        fifo = fixtures.resolve("fifo.txt");
        boolean haveFifo = new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor() == 0;
        devZero = Path.of("/dev/zero");
        Assumptions.assumeTrue(haveFifo && Files.exists(devZero), "needs mkfifo and /dev/zero (a Unix)");

        dec = fixtures.resolve("dec");
        decOther = fixtures.resolve("dec-other");
        String[] tiny = {"--hidden", "16", "--layers", "1", "--heads", "2", "--kv-heads", "1", "--mlp", "32", "--context", "32", "--batch",
                "2", "--steps", "2", "--warmup", "1", "--validation-fraction", "0", "--data", text.toString()};
        ok(concat(new String[] {"train", "--out", dec.toString()}, tiny));
        ok(concat(new String[] {"train", "--out", decOther.toString(), "--seed", "7"}, tiny));
        for (Path folder : List.of(dec, decOther)) { // keep the model folders only
            Files.delete(folder.resolve(TrainCommand.CHECKPOINT));
            Files.delete(folder.resolve(TrainCommand.LOG));
        }
        decLr = fixtures.resolve("dec-lr");
        ok("compress", "--model", dec.toString(), "--ratio", "0.5", "--method", "svd", "--allocation", "uniform", "--out", decLr.toString());
        Files.delete(fixtures.resolve("dec-lr.json"));
        Files.delete(fixtures.resolve("dec-lr.html"));
        decLrCopy = copyFolder(decLr, fixtures.resolve("dec-lr-copy"));
        decNan = fixtures.resolve("dec-nan");
        LlamaModel broken = LlamaModel.load(dec, Precision.FLOAT32);
        for (Parameter p : broken.parameters()) {
            p.value().set(0, Double.NaN);
        }
        broken.save(decNan);
        Files.copy(dec.resolve("tokenizer.json"), decNan.resolve("tokenizer.json"));
        decTruncated = copyFolder(dec, fixtures.resolve("dec-truncated"));
        byte[] weights = Files.readAllBytes(dec.resolve("model.safetensors"));
        Files.write(decTruncated.resolve("model.safetensors"), java.util.Arrays.copyOf(weights, weights.length / 3));
        decBadTokenizer = copyFolder(dec, fixtures.resolve("dec-bad-tokenizer"));
        Files.writeString(decBadTokenizer.resolve("tokenizer.json"), "{\"model\": nope}");

        log = Files.writeString(fixtures.resolve("train-log.csv"), TrainCommand.LOG_HEADER + "\n1,5.5,0.001,1.0,100,\n2,5.0,0.001,1.0,100,\n");
        logLatin1 = Files.write(fixtures.resolve("log-latin1.csv"), (TrainCommand.LOG_HEADER + "\n1,5.5,0.001,1.0,100,caf\u00e9\n")
                .getBytes(StandardCharsets.ISO_8859_1));
        logBadNumber = Files.writeString(fixtures.resolve("log-bad-number.csv"), TrainCommand.LOG_HEADER + "\n1,five,0.001,1.0,100,\n");
        logShortRow = Files.writeString(fixtures.resolve("log-short-row.csv"), TrainCommand.LOG_HEADER + "\n1\n");
    }

    /** One bad command line: what it is, the arguments, and fragments of which the error line must contain at least one. */
    private record Case(String name, List<String> args, List<String> anyOf) {
        String verb() {
            return args.isEmpty() ? "" : args.get(0);
        }
    }

    private static final List<Case> CASES = new ArrayList<>();

    private static void add(String name, String anyOf, String... args) {
        CASES.add(new Case(name, List.of(args), List.of(anyOf.split("\\|"))));
    }

    private static String p(Path path) {
        return path.toString();
    }

    private static String out(String name) {
        return scratch.resolve(name).toString();
    }

    private static void compressCases() {
        String[] svd = {"--ratio", "0.2", "--method", "svd", "--out", out("c.onnx")};
        add("missing model", "nope.onnx", concat(new String[] {"compress", "--model", out("nope.onnx")}, svd));
        add("a folder that is no model folder", "empty-folder", concat(new String[] {"compress", "--model", p(emptyDir)}, svd));
        add("a truncated ONNX file", "truncated.onnx", concat(new String[] {"compress", "--model", p(truncatedOnnx)}, svd));
        add("a text file as model", "text.txt", concat(new String[] {"compress", "--model", p(text)}, svd));
        add("a FIFO as model", "fifo.txt", concat(new String[] {"compress", "--model", p(fifo)}, svd));
        add("/dev/zero as model", "/dev/zero", concat(new String[] {"compress", "--model", p(devZero)}, svd));
        add("ratio NaN", "--ratio", "compress", "--model", p(enc), "--ratio", "NaN", "--method", "svd", "--out", out("c.onnx"));
        add("more calibration windows than the text holds", "--calib-windows 100000 asks for more calibration windows than --calib", "compress",
                "--model", p(dec), "--ratio", "0.5", "--method", "asvd", "--calib", p(text), "--calib-windows", "100000", "--out", out("cd"));
        // every decoder route that cuts calibration windows refuses more windows than the text holds (they would repeat)
        // (each to an output of its own, so that a run that is not refused does not make the next case fail for its output)
        String[] tooManyWindows = {"--calib", p(text), "--calib-windows", "100000"};
        add("blockwise: more calibration windows than the text holds", "--calib-windows 100000 asks for more calibration windows than --calib",
                concat(new String[] {"compress", "--model", p(dec), "--ratio", "0.5", "--method", "asvd", "--blockwise", "--allocation", "uniform",
                        "--out", out("cd-blockwise")}, tooManyWindows));
        add("modegpt: more calibration windows than the text holds", "--calib-windows 100000 asks for more calibration windows than --calib",
                concat(new String[] {"compress", "--model", p(dec), "--ratio", "0.3", "--method", "modegpt", "--out", out("cd-modegpt")}, tooManyWindows));
        add("cskv: more calibration windows than the text holds", "--calib-windows 100000 asks for more calibration windows than --calib",
                concat(new String[] {"cskv", "--model", p(dec), "--init", "asvd", "--out", out("cd-cskv")}, tooManyWindows));
        add("calibration years without --calib", "--calib-from and --calib-to select the YEAR_*.txt files of a --calib folder; give --calib",
                "compress", "--model", p(dec), "--ratio", "0.5", "--method", "svd", "--calib-from", "2000", "--calib-to", "1990", "--out", out("cd"));
        add("ratio negative", "--ratio", "compress", "--model", p(enc), "--ratio", "-0.5", "--method", "svd", "--out", out("c.onnx"));
        add("ratio not a number", "--ratio", "compress", "--model", p(enc), "--ratio", "half", "--method", "svd", "--out", out("c.onnx"));
        add("target size without a unit", "--target-size|12 parsecs", "compress", "--model", p(enc), "--target-size", "12 parsecs",
                "--method", "svd", "--out", out("c.onnx"));
        add("unknown method", "frobenius", "compress", "--model", p(enc), "--ratio", "0.2", "--method", "frobenius", "--out", out("c.onnx"));
        add("unknown method option", "alpha|asvd", "compress", "--model", p(enc), "--ratio", "0.2", "--method", "asvd:alpha=lots",
                "--tokenizer", p(tok), "--calib", p(text), "--out", out("c.onnx"));
        add("unknown allocation", "evenly", "compress", "--model", p(enc), "--ratio", "0.2", "--method", "svd", "--allocation", "evenly",
                "--out", out("c.onnx"));
        add("unknown option", "--frobnicate", "compress", "--model", p(enc), "--ratio", "0.2", "--frobnicate", "--out", out("c.onnx"));
        add("whitened without a tokenizer for its calibration text", "--tokenizer", "compress", "--model", p(enc), "--ratio", "0.2", "--method", "whitened",
                "--out", out("c.onnx"));
        String[] whitened = {"compress", "--model", p(enc), "--ratio", "0.2", "--method", "whitened", "--tokenizer", p(tok), "--out", out("c.onnx")};
        add("a calibration unit that does not exist", "--calib-unit", concat(whitened, "--calib", p(text), "--calib-unit", "paragraphs"));
        add("zero calibration sequences", "--calib-sequences", concat(whitened, "--calib", p(text), "--calib-sequences", "0"));
        add("zero threads", "--threads", "compress", "--model", p(enc), "--ratio", "0.2", "--method", "svd", "--threads", "0", "--out", out("c.onnx"));
        add("basis sharing with a per-site sensitivity allocation", "sensitivity", concat(new String[] {"compress", "--model", p(enc), "--ratio",
                "0.2", "--method", "basis-sharing", "--allocation", "sensitivity", "--tokenizer", p(tok), "--calib", p(text), "--out", out("c.onnx")}));
        add("decoder options on an ONNX model", "--calib-windows", "compress", "--model", p(enc), "--ratio", "0.2", "--method", "svd",
                "--calib-windows", "8", "--out", out("c.onnx"));
        add("Latin-1 calibration", "latin1.txt", concat(whitened, "--calib", p(latin1)));
        add("binary calibration", "binary.txt", concat(whitened, "--calib", p(binary)));
        add("empty calibration file", "empty.txt", concat(whitened, "--calib", p(empty)));
        add("blank calibration file", "blank.txt", concat(whitened, "--calib", p(blank)));
        add("empty calibration folder", "empty-folder", concat(whitened, "--calib", p(emptyDir)));
        add("calibration folder without .txt", "no-txt-folder", concat(whitened, "--calib", p(noTxtDir)));
        add("FIFO calibration", "fifo.txt", concat(whitened, "--calib", p(fifo)));
        add("/dev/zero calibration", "/dev/zero", concat(whitened, "--calib", p(devZero)));
        add("byte tokenizer for a word-piece encoder", "byte-tokenizer", "compress", "--model", p(enc), "--ratio", "0.2", "--method",
                "whitened", "--tokenizer", p(byteTok), "--calib", p(text), "--out", out("c.onnx"));
        add("text file as tokenizer", "text.txt", "compress", "--model", p(enc), "--ratio", "0.2", "--method", "whitened",
                "--tokenizer", p(text), "--calib", p(text), "--out", out("c.onnx"));
        add("folder as tokenizer", "--tokenizer|empty-folder", "compress", "--model", p(enc), "--ratio", "0.2", "--method", "whitened",
                "--tokenizer", p(emptyDir), "--calib", p(text), "--out", out("c.onnx"));
        add("decoder option for an ONNX model", "--calib-windows", "compress", "--model", p(enc), "--ratio", "0.2", "--method", "svd",
                "--calib-windows", "4", "--out", out("c.onnx"));
        String[] decoderSvd = {"--ratio", "0.2", "--method", "svd", "--allocation", "uniform", "--out", out("d")};
        add("decoder folder given a tokenizer", "--tokenizer", concat(new String[] {"compress", "--model", p(dec), "--tokenizer", p(tok)}, decoderSvd));
        add("decoder already low-rank", "dec-lr", concat(new String[] {"compress", "--model", p(decLr)}, decoderSvd));
        add("decoder calibration windows zero", "--calib-windows", concat(new String[] {"compress", "--model", p(dec), "--calib-windows", "0"},
                decoderSvd));
        add("decoder Latin-1 calibration", "latin1.txt", "compress", "--model", p(dec), "--ratio", "0.2", "--method", "whitened", "--calib",
                p(latin1), "--out", out("d"));
        add("decoder truncated safetensors", "dec-truncated|model.safetensors", concat(new String[] {"compress", "--model", p(decTruncated)},
                decoderSvd));
    }

    private static void recoverCases() {
        String[] tail = {"--out", out("r.onnx"), "--steps", "1", "--batch", "2", "--eval-sentences", "0"};
        add("student of another teacher", "is not a compression", concat(new String[] {"recover", "--original", p(encOther), "--compressed",
                p(encSvd), "--tokenizer", p(tok)}, tail));
        add("teacher already compressed", "already compressed", concat(new String[] {"recover", "--original", p(encSvdCopy), "--compressed",
                p(encSvd), "--tokenizer", p(tok)}, tail));
        add("student with other outputs", "is not a compression", concat(new String[] {"recover", "--original", p(encOutputs),
                "--compressed", p(encSvd), "--tokenizer", p(tok)}, tail));
        add("byte tokenizer for the encoder", "byte-tokenizer", concat(new String[] {"recover", "--original", p(enc), "--compressed",
                p(encSvd), "--tokenizer", p(byteTok)}, tail));
        add("Latin-1 training text", "latin1.txt", concat(new String[] {"recover", "--original", p(enc), "--compressed", p(encSvd),
                "--tokenizer", p(tok), "--text", p(latin1)}, tail));
        add("/dev/zero training text", "/dev/zero", concat(new String[] {"recover", "--original", p(enc), "--compressed", p(encSvd),
                "--tokenizer", p(tok), "--text", p(devZero)}, tail));
        add("unknown schedule", "--schedule", concat(new String[] {"recover", "--original", p(enc), "--compressed", p(encSvd),
                "--tokenizer", p(tok), "--schedule", "v-then-u"}, tail));
        add("missing compressed model", "--compressed", concat(new String[] {"recover", "--original", p(enc), "--compressed", out("gone.onnx"),
                "--tokenizer", p(tok)}, tail));
        add("zero threads", "--threads", concat(new String[] {"recover", "--original", p(enc), "--compressed", p(encSvd), "--tokenizer",
                p(tok), "--threads", "0"}, tail));
        add("decoder option for ONNX", "--window", concat(new String[] {"recover", "--original", p(enc), "--compressed", p(encSvd),
                "--tokenizer", p(tok), "--window", "8"}, tail));
        add("steps not a number", "--steps", "recover", "--original", p(enc), "--compressed", p(encSvd), "--steps", "many", "--out", out("r.onnx"));
        String[] decTail = {"--out", out("rd"), "--steps", "1", "--batch", "2", "--text", p(text)};
        add("decoder student of another teacher", "is not a compression", concat(new String[] {"recover", "--original", p(decOther),
                "--compressed", p(decLr)}, decTail));
        add("decoder teacher already compressed", "already compressed", concat(new String[] {"recover", "--original", p(decLrCopy),
                "--compressed", p(decLr)}, decTail));
        add("decoder Latin-1 text", "latin1.txt", "recover", "--original", p(dec), "--compressed", p(decLr), "--out", out("rd"), "--steps",
                "1", "--batch", "2", "--text", p(latin1));
        add("decoder FIFO text", "fifo.txt", "recover", "--original", p(dec), "--compressed", p(decLr), "--out", out("rd"), "--steps",
                "1", "--batch", "2", "--text", p(fifo));
        add("decoder without text", "--text", "recover", "--original", p(dec), "--compressed", p(decLr), "--out", out("rd"));
        add("negative state weight", "--state-weight must be a finite number >= 0, got -1.0", "recover", "--original", p(dec), "--compressed",
                p(decLr), "--text", p(text), "--out", out("rd"), "--state-weight", "-1");
    }

    private static void evalCases() {
        add("candidate of another model", "is not a compression", "eval", "--reference", p(encOther), "--candidate", p(encSvd),
                "--tokenizer", p(tok));
        add("candidate with other outputs", "is not a compression", "eval", "--reference", p(enc), "--candidate", p(encOutputs),
                "--tokenizer", p(tok));
        add("truncated candidate", "truncated.onnx", "eval", "--reference", p(enc), "--candidate", p(truncatedOnnx), "--tokenizer", p(tok));
        add("byte tokenizer", "byte-tokenizer", "eval", "--reference", p(enc), "--candidate", p(encSvd), "--tokenizer", p(byteTok));
        add("unknown pooling", "--pooling", "eval", "--reference", p(enc), "--candidate", p(encSvd), "--tokenizer", p(tok), "--pooling", "max");
        add("binary held-out text", "binary.txt", "eval", "--reference", p(enc), "--candidate", p(encSvd), "--tokenizer", p(tok),
                "--text", p(binary));
        add("empty held-out folder", "empty-folder", "eval", "--reference", p(enc), "--candidate", p(encSvd), "--tokenizer", p(tok),
                "--text", p(emptyDir));
        add("probe without tabs", "notab.tsv", "eval", "--reference", p(enc), "--candidate", p(encSvd), "--tokenizer", p(tok),
                "--probe", p(notabTsv));
        add("Latin-1 probe", "latin1.tsv", "eval", "--reference", p(enc), "--candidate", p(encSvd), "--tokenizer", p(tok),
                "--probe", p(latin1Tsv));
        add("FIFO probe", "fifo.txt", "eval", "--reference", p(enc), "--candidate", p(encSvd), "--tokenizer", p(tok), "--probe", p(fifo));
        add("sentences not a number", "--sentences", "eval", "--reference", p(enc), "--candidate", p(encSvd), "--tokenizer", p(tok),
                "--sentences", "lots");
        add("zero threads", "--threads must be at least 1, got 0", "eval", "--reference", p(enc), "--candidate", p(encSvd), "--tokenizer",
                p(tok), "--threads", "0");
        add("negative sentences", "--sentences must be at least 1, got -1", "eval", "--reference", p(enc), "--candidate", p(encSvd),
                "--tokenizer", p(tok), "--sentences", "-1");
    }

    private static void inspectCases() {
        add("missing model", "gone.onnx", "inspect", "--model", out("gone.onnx"));
        add("a folder that holds no model", "has no config.json", "inspect", "--model", p(emptyDir));
        add("a decoder folder's whitened spectra without calibration text", "need --calib", "inspect", "--model", p(dec), "--method", "whitened");
        add("a decoder folder given a tokenizer", "brings its own tokenizer.json", "inspect", "--model", p(dec), "--tokenizer", p(tok));
        add("whitened without tokenizer", "--tokenizer", "inspect", "--model", p(enc), "--method", "whitened");
        add("ranks not numbers", "--ranks", "inspect", "--model", p(enc), "--ranks", "16,lots");
        add("a negative rank", "--ranks must list ranks of at least 1, got -5", "inspect", "--model", p(enc), "--ranks", "-5");
        add("rank zero", "--ranks must list ranks of at least 1, got 0", "inspect", "--model", p(enc), "--ranks", "16,0");
        add("unknown method", "bogus", "inspect", "--model", p(enc), "--method", "bogus");
        add("Latin-1 calibration", "latin1.txt", "inspect", "--model", p(enc), "--method", "whitened", "--tokenizer", p(tok), "--calib", p(latin1));
        add("byte tokenizer", "byte-tokenizer", "inspect", "--model", p(enc), "--method", "whitened", "--tokenizer", p(byteTok), "--calib", p(text));
        add("zero calibration windows", "--calib-sequences must be at least 1, got 0", "inspect", "--model", p(dec), "--method", "asvd",
                "--calib", p(text), "--calib-sequences", "0");
    }

    private static void compareCases() {
        add("unknown method in the list", "bogus", "compare", "--model", p(enc), "--tokenizer", p(tok), "--methods", "svd,bogus", "--out", out("cmp"));
        add("zero ratio in the list", "--ratio", "compare", "--model", p(enc), "--tokenizer", p(tok), "--ratios", "0,0.2", "--out", out("cmp"));
        add("a ratio twice", "names a ratio twice", "compare", "--model", p(enc), "--tokenizer", p(tok), "--ratios", "0.3", "--ratios", "0.3,0.3",
                "--out", out("cmp"));
        add("unknown allocation", "nope", "compare", "--model", p(enc), "--tokenizer", p(tok), "--allocations", "nope", "--out", out("cmp"));
        add("missing model", "--model", "compare", "--model", out("gone.onnx"), "--tokenizer", p(tok), "--out", out("cmp"));
        add("ONNX without tokenizer", "--tokenizer", "compare", "--model", p(enc), "--out", out("cmp"));
        add("binary held-out text", "binary.txt", "compare", "--model", p(enc), "--tokenizer", p(tok), "--text", p(binary), "--out", out("cmp"));
        add("more calibration windows than the calibration years hold", "--calib-windows 100000 asks for more calibration windows than --data "
                + p(yearsDir) + " (calibration years 1790-1790)", "compare", "--model", p(dec), "--data", p(yearsDir), "--calib-from", "1790",
                "--calib-to", "1790", "--eval-from", "2001", "--eval-to", "2001", "--methods", "svd", "--ratios", "0.2", "--calib-windows", "100000",
                "--out", out("cmp-windows"));
        add("a file as the decoder's data folder", "--data " + p(text) + " is a file; compare splits a folder", "compare", "--model", p(dec),
                "--data", p(text), "--out", out("cmp"));
    }

    private static void trainCases() {
        String[] tiny = {"--hidden", "16", "--layers", "1", "--heads", "2", "--kv-heads", "1", "--mlp", "32", "--context", "32", "--steps", "1",
                "--out", out("t")};
        add("Latin-1 data", "latin1.txt", concat(new String[] {"train", "--data", p(latin1)}, tiny));
        add("/dev/zero data", "/dev/zero", concat(new String[] {"train", "--data", p(devZero)}, tiny));
        add("FIFO data", "fifo.txt", concat(new String[] {"train", "--data", p(fifo)}, tiny));
        add("empty data folder", "empty-folder", concat(new String[] {"train", "--data", p(emptyDir)}, tiny));
        add("empty data file", "empty.txt", concat(new String[] {"train", "--data", p(empty)}, tiny));
        add("binary data", "binary.txt", concat(new String[] {"train", "--data", p(binary)}, tiny));
        add("zero steps", "--steps", "train", "--data", p(text), "--steps", "0", "--out", out("t"));
        // a batch of more windows than the text holds ran out of memory at the first step
        add("a batch of more windows than the text holds", "--batch 100000 is more than the", "train", "--data", p(text), "--batch", "100000",
                "--hidden", "16", "--layers", "1", "--heads", "2", "--kv-heads", "1", "--mlp", "32", "--context", "32", "--steps", "1", "--out",
                out("t-batch"));
        add("out under a file", p(text) + " is a file, not a folder", "train", "--data", p(text), "--out", p(text) + "/sub");
        add("init from an ONNX file", "enc.onnx", concat(new String[] {"train", "--data", p(text), "--init", p(enc)}, tiny));
    }

    private static void generateCases() {
        add("a damaged tokenizer.json", "tokenizer.json is not valid JSON: Unrecognized token 'nope'", "generate", "--model", p(decBadTokenizer),
                "--prompt", "The");
        add("NaN weights", "NaN|non-finite", "generate", "--model", p(decNan), "--prompt", "The", "--max-tokens", "4");
        add("negative temperature", "--temperature", "generate", "--model", p(dec), "--prompt", "The", "--temperature", "-1");
        add("NaN temperature", "--temperature", "generate", "--model", p(dec), "--prompt", "The", "--temperature", "NaN");
        add("infinite temperature", "--temperature must be a finite number", "generate", "--model", p(dec), "--prompt", "The", "--temperature",
                "Infinity");
        add("a missing adapter", "adapter 'default': adapter folder", "generate", "--model", p(dec), "--prompt", "The", "--adapter",
                out("no-adapter"));
        add("top-p above one", "--top-p", "generate", "--model", p(dec), "--prompt", "The", "--temperature", "0.5", "--top-p", "2");
        add("zero new tokens", "--max-tokens", "generate", "--model", p(dec), "--prompt", "The", "--max-tokens", "0");
        add("empty prompt", "--prompt", "generate", "--model", p(dec), "--prompt", "");
        add("an ONNX file as model folder", "enc.onnx", "generate", "--model", p(enc), "--prompt", "The");
    }

    private static void perplexityCases() {
        add("NaN weights", "NaN|non-finite", "perplexity", "--model", p(decNan), "--text", p(text));
        add("Latin-1 text", "latin1.txt", "perplexity", "--model", p(dec), "--text", p(latin1));
        add("/dev/zero text", "/dev/zero", "perplexity", "--model", p(dec), "--text", p(devZero));
        add("one byte", "--max-bytes", "perplexity", "--model", p(dec), "--text", p(text), "--max-bytes", "1");
        add("a window of no tokens", "--window must be at least 1", "perplexity", "--model", p(dec), "--text", p(text), "--window", "0");
        add("a window past the model's positions", "--window 100000 is longer than the model's", "perplexity", "--model", p(dec), "--text", p(text),
                "--window", "100000");
        add("years with a file", "--from", "perplexity", "--model", p(dec), "--text", p(text), "--from", "1800");
        add("truncated safetensors", "dec-truncated|model.safetensors", "perplexity", "--model", p(decTruncated), "--text", p(text));
    }

    private static void otherCases() {
        add("negative check tokens", "--check-tokens must be at least 0, got -1", "export", "--model", p(dec), "--out", out("ex"),
                "--check-tokens", "-1");
        add("missing log", "--log", "plot-log", "--log", out("gone.csv"), "--out", out("loss.png"));
        add("a plot named .pdf", "must end in .png", "plot-log", "--log", p(log), "--out", out("loss.pdf"));
        add("Latin-1 log", "log-latin1.csv", "plot-log", "--log", p(logLatin1), "--out", out("loss.png"));
        add("log with a word for a number", "log-bad-number.csv", "plot-log", "--log", p(logBadNumber), "--out", out("loss.png"));
        add("log with a short row", "log-short-row.csv", "plot-log", "--log", p(logShortRow), "--out", out("loss.png"));
        add("text file as log", "text.txt", "plot-log", "--log", p(text), "--out", out("loss.png"));
        add("FIFO as log", "fifo.txt", "plot-log", "--log", p(fifo), "--out", out("loss.png"));
        add("bench size zero", "--size", "bench", "--size", "0");
        add("bench rank above size", "--rank", "bench", "--size", "16", "--rank", "17");
        add("bench size not a number", "--size", "bench", "--size", "big");
        add("demo ratio above one", "--ratio", "demo", "--ratio", "1.5", "--out", out("demo"));
        add("demo unknown allocation", "evenly", "demo", "--allocation", "evenly", "--out", out("demo"));
        add("unknown verb", "frobnicate", "frobnicate", "--model", p(enc));
    }

    private static void algorithmCases() {
        add("text file as image", "text.txt", "complete", "--image", p(text), "--hide", "0.5", "--rank", "2", "--out", out("o.png"));
        add("FIFO as image", "fifo.txt", "complete", "--image", p(fifo), "--hide", "0.5", "--rank", "2", "--out", out("o.png"));
        add("/dev/zero as table", "/dev/zero", "complete", "--csv", p(devZero), "--rank", "2", "--out", out("o.csv"));
        add("Latin-1 table", "latin1.txt", "complete", "--csv", p(latin1), "--rank", "1", "--out", out("o.csv"));
        add("binary table", "binary", "complete", "--csv", p(binary), "--rank", "1", "--out", out("o.csv"));
        add("image and table together", "mutually exclusive", "complete", "--image", p(text), "--csv", p(text), "--rank", "1", "--out", out("o.csv"));
        add("hidden fraction of one", "hidden fraction", "complete", "--csv", p(text), "--hide", "1", "--rank", "1", "--out", out("o.csv"));
        add("table written over its input", "--csv", "complete", "--csv", p(text), "--rank", "1", "--out", p(text), "--force");
        add("unknown transform", "--transform", "butterfly", "--transform", "wavelet", "--size", "16");
        add("butterfly size not a power of two", "--size", "butterfly", "--transform", "dft", "--size", "100");
        add("unknown permutation", "permutation", "butterfly", "--transform", "dft", "--size", "16", "--permutation", "random");
        add("unknown butterfly objective", "--objective", "butterfly", "--transform", "dct", "--size", "16", "--objective", "imaginary");
        add("tensor csv without its index", "--index", "tensor", "--csv", p(text), "--ranks", "2,2");
        add("tensor text file as image", "text.txt", "tensor", "--image", p(text), "--ranks", "2,2,2");
        add("tensor smooth mode that is not an index", "--smooth", "tensor", "--csv", p(text), "--index", "a,b", "--value", "c", "--ranks", "2,2",
                "--hide", "0.2", "--smooth", "z=3");
        add("tensor held-out fraction of one", "held-out fraction|--index|text.txt", "tensor", "--image", p(text), "--ranks", "2,2,2", "--hide", "1");
        add("tensor unknown method", "--method", "tensor", "--image", p(text), "--method", "tt", "--ranks", "2");
        add("bayes-prune text file as model", "text.txt", "bayes-prune", "--model", p(text), "--out", out("pruned"));
        add("bayes-prune fine-tune batch of more windows than the text holds", "--batch 100000 is more than the", "bayes-prune", "--model",
                p(dec), "--data", p(text), "--steps", "1", "--batch", "100000", "--out", out("pruned-batch"));
        add("bayes-prune unknown method", "--method", "bayes-prune", "--model", p(text), "--method", "lottery", "--out", out("pruned"));
    }

    @TestFactory
    Stream<DynamicTest> everyBadInputIsOneLineAndChangesNothing() throws IOException {
        CASES.clear();
        compressCases();
        recoverCases();
        evalCases();
        inspectCases();
        compareCases();
        trainCases();
        generateCases();
        perplexityCases();
        otherCases();
        algorithmCases();
        Map<String, String> before = hashes(fixtures);
        return CASES.stream().map(c -> DynamicTest.dynamicTest(c.verb() + ": " + c.name(), () -> {
            Object[] r = run(c.args().toArray(String[]::new));
            String err = (String) r[2];
            List<String> lines = err.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
            assertThat((int) r[0]).as("exit code; stderr:%n%s", err).isEqualTo(2);
            assertThat(lines).as("stderr lines").hasSize(1);
            assertThat(lines.get(0)).as("the error line").satisfiesAnyOf(
                    c.anyOf().stream().map(f -> (org.assertj.core.api.ThrowingConsumer<String>) l -> assertThat(l).contains(f))
                            .toArray(org.assertj.core.api.ThrowingConsumer[]::new));
            assertThat(hashes(fixtures)).as("inputs after the run").isEqualTo(before);
        }));
    }

    /** At least 60 cases, over every verb. */
    @org.junit.jupiter.api.Test
    void theCorpusCoversEveryVerb() {
        CASES.clear();
        compressCases();
        recoverCases();
        evalCases();
        inspectCases();
        compareCases();
        trainCases();
        generateCases();
        perplexityCases();
        otherCases();
        algorithmCases();
        assertThat(CASES).hasSizeGreaterThanOrEqualTo(60);
        assertThat(CASES.stream().map(Case::verb).distinct()).contains("compress", "recover", "eval", "inspect", "compare", "train",
                "generate", "perplexity", "plot-log", "bench", "demo", "complete", "butterfly", "tensor");
    }

    /** No verb: the usage on stderr and exit code 2; help texts format without picocli warnings. */
    @org.junit.jupiter.api.Test
    void noVerbIsAMistakeAndHelpHasNoFormatWarning() {
        Object[] r = run();
        assertThat((int) r[0]).isEqualTo(2);
        assertThat((String) r[1]).isEmpty();
        assertThat((String) r[2]).contains("Usage: lowrank");
        Object[] help = run("inspect", "--help");
        assertThat((int) help[0]).isZero();
        assertThat((String) help[1]).contains("90%/99%");
        assertThat((String) help[2]).doesNotContain("WARN").doesNotContain("SLF4J");
    }

    // ------------------------------------------------------------------------------------------------ helpers

    /** SHA-256 of every regular file under {@code root} (FIFOs and other special files are not opened). */
    private static Map<String, String> hashes(Path root) throws IOException {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path f : walk.filter(Files::isRegularFile).toList()) {
                try {
                    out.put(root.relativize(f).toString(), HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(f))));
                } catch (java.security.NoSuchAlgorithmException e) {
                    throw new AssertionError(e);
                }
            }
        }
        return out;
    }

    private static Object[] run(String... args) {
        return CliRun.run(args);
    }

    private static void ok(String... args) {
        Object[] r = run(args);
        assertThat((int) r[0]).as("setup %s: %s", String.join(" ", args), r[2]).isZero();
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = new String[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static Path copyFolder(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path f : files.toList()) {
                Files.copy(f, to.resolve(f.getFileName()), StandardCopyOption.COPY_ATTRIBUTES);
            }
        }
        return to;
    }

    /**
     * A tiny encoder over the MiniLM vocabulary: word embedding (30522, 16) gathered by input_ids, then two 16×16
     * MatMuls with a bias between them, named as a Hugging Face export names its query and key projections.
     */
    static Path tinyEncoder(Path file, long seed, String output) throws IOException {
        int vocab = 30522, width = 16;
        Random random = new Random(seed);
        Onnx.GraphProto.Builder g = Onnx.GraphProto.newBuilder().setName("tiny")
                .addInput(info("input_ids", Onnx.TensorProto.DataType.INT64, "batch", "sequence"))
                .addInput(info("attention_mask", Onnx.TensorProto.DataType.INT64, "batch", "sequence"))
                .addInput(info("token_type_ids", Onnx.TensorProto.DataType.INT64, "batch", "sequence"))
                .addOutput(info(output, Onnx.TensorProto.DataType.FLOAT, "batch", "sequence", String.valueOf(width)))
                .addInitializer(tensor("embeddings.word_embeddings.weight", random, vocab, width))
                .addInitializer(tensor("onnx::MatMul_1", random, width, width))
                .addInitializer(tensor("encoder.layer.0.attention.self.query.bias", random, width))
                .addInitializer(tensor("onnx::MatMul_2", random, width, width))
                .addNode(node("/embeddings/word_embeddings/Gather", "Gather", "embeddings.word_embeddings.weight", "input_ids", "embedded"))
                .addNode(node("/encoder/layer.0/attention/self/query/MatMul", "MatMul", "embedded", "onnx::MatMul_1", "q"))
                .addNode(node("/encoder/layer.0/attention/self/query/Add", "Add", "q", "encoder.layer.0.attention.self.query.bias", "qb"))
                .addNode(node("/encoder/layer.0/attention/self/key/MatMul", "MatMul", "qb", "onnx::MatMul_2", output));
        Files.write(file, Onnx.ModelProto.newBuilder().setIrVersion(8).setGraph(g)
                .addOpsetImport(Onnx.OperatorSetIdProto.newBuilder().setVersion(14)).build().toByteArray());
        return file;
    }

    private static Onnx.TensorProto tensor(String name, Random random, int... dims) {
        int n = 1;
        long[] shape = new long[dims.length];
        for (int i = 0; i < dims.length; i++) {
            n *= dims[i];
            shape[i] = dims[i];
        }
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = (float) (0.2 * random.nextGaussian());
        }
        return OnnxTensors.fromFloats(name, shape, values, Onnx.TensorProto.DataType.FLOAT);
    }

    private static Onnx.NodeProto node(String name, String op, String a, String b, String out) {
        return Onnx.NodeProto.newBuilder().setName(name).setOpType(op).addInput(a).addInput(b).addOutput(out).build();
    }

    private static Onnx.ValueInfoProto info(String name, Onnx.TensorProto.DataType type, String... dims) {
        Onnx.TensorShapeProto.Builder shape = Onnx.TensorShapeProto.newBuilder();
        for (String d : dims) {
            shape.addDim(d.chars().allMatch(Character::isDigit) ? Onnx.TensorShapeProto.Dimension.newBuilder().setDimValue(Long.parseLong(d))
                    : Onnx.TensorShapeProto.Dimension.newBuilder().setDimParam(d));
        }
        return Onnx.ValueInfoProto.newBuilder().setName(name).setType(Onnx.TypeProto.newBuilder().setTensorType(
                Onnx.TypeProto.Tensor.newBuilder().setElemType(type.getNumber()).setShape(shape))).build();
    }
}
