package org.lowrank4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank4j.formats.onnx.OnnxTensors;
import org.lowrank4j.formats.onnx.proto.Onnx;

/** Every user mistake of issue 3's list: one line on stderr, exit code 2, no file left behind. */
class CliErrorsTest {
    private static Path model, tokenizer, calib;

    @BeforeAll
    static void extractModel() throws IOException {
        Path folder = Files.createDirectories(Path.of("target", "test-models"));
        model = copy("/all-minilm-l6-v2.onnx", folder.resolve("minilm.onnx"));
        tokenizer = copy("/all-minilm-l6-v2-tokenizer.json", folder.resolve("minilm-tokenizer.json"));
        calib = Files.writeString(folder.resolve("calib.txt"), "The Congress met in the capital. The treaty was signed in the spring.\n");
    }

    private static Path copy(String resource, Path target) throws IOException {
        return CliRun.resource(resource, target);
    }

    /** Runs the CLI, returns {exit code, stderr}. */
    private static Object[] run(String... args) {
        Object[] r = CliRun.run(args);
        return new Object[] {r[0], r[2]};
    }

    private static void assertOneLineError(Object[] result, String... fragments) {
        assertThat((int) result[0]).as((String) result[1]).isEqualTo(2);
        List<String> lines = ((String) result[1]).lines().filter(l -> l.startsWith("lowrank ")).toList();
        assertThat(lines).hasSize(1);
        assertThat((String) result[1]).doesNotContain("Exception").doesNotContain("\tat ");
        for (String f : fragments) {
            assertThat(lines.get(0)).contains(f);
        }
    }

    private static List<String> listing(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    /** --version names the BLAS and whether products copy their operands, and why (Java 17-21) or not (22+). */
    @Test
    void versionSaysHowProductsReachTheBlas() {
        String out = CliRun.ok("--version");
        assertThat(out).contains("Java " + System.getProperty("java.version")).contains("BLAS: ").contains("OpenBLAS");
        if (Runtime.version().feature() >= 22) {
            assertThat(out).contains("reading the Java arrays in place");
        } else {
            assertThat(out).contains("copying operands (needs Java 22 or later");
        }
    }

    @Test
    void notAnOnnxFile(@TempDir Path dir) throws IOException {
        Path fake = Files.writeString(dir.resolve("model.onnx"), "definitely not protobuf");
        assertOneLineError(run("compress", "--model", fake.toString(), "--ratio", "0.2", "--method", "svd", "--out", dir.resolve("o.onnx").toString()),
                "model.onnx");
        assertThat(listing(dir)).containsExactly("model.onnx");
    }

    @Test
    void modelWithoutLinearSites(@TempDir Path dir) throws IOException {
        Onnx.GraphProto.Builder graph = Onnx.GraphProto.newBuilder().setName("tiny")
                .addInput(info("X", 4)).addOutput(info("Y", 4))
                .addInitializer(OnnxTensors.fromFloats("W", new long[] {4, 4}, new float[16], Onnx.TensorProto.DataType.FLOAT))
                .addNode(Onnx.NodeProto.newBuilder().setOpType("MatMul").addInput("X").addInput("W").addOutput("Y"));
        Path tiny = dir.resolve("tiny.onnx");
        Files.write(tiny, Onnx.ModelProto.newBuilder().setIrVersion(8).setGraph(graph)
                .addOpsetImport(Onnx.OperatorSetIdProto.newBuilder().setVersion(13)).build().toByteArray());
        assertOneLineError(run("compress", "--model", tiny.toString(), "--ratio", "0.2", "--method", "svd", "--out", dir.resolve("o.onnx").toString()),
                "no linear sites");
        assertThat(listing(dir)).containsExactly("tiny.onnx");
    }

    @Test
    void ratioOutsideTheOpenInterval(@TempDir Path dir) throws IOException {
        for (String ratio : new String[] {"0", "1", "1.5", "-0.2"}) {
            assertOneLineError(run("compress", "--model", model.toString(), "--ratio", ratio, "--out", dir.resolve("o.onnx").toString()), "(0, 1)");
        }
        assertThat(listing(dir)).isEmpty();
    }

    @Test
    void outputEqualToInput() {
        assertOneLineError(run("compress", "--model", model.toString(), "--ratio", "0.2", "--method", "svd", "--out", model.toString()),
                "is the --model input");
    }

    @Test
    void tokenizerThatDoesNotMatch(@TempDir Path dir) throws IOException {
        Path wrong = Files.writeString(dir.resolve("tokenizer.json"), """
                {"version": "1.0", "truncation": null, "padding": null, "added_tokens": [],
                 "normalizer": null, "pre_tokenizer": {"type": "Whitespace"}, "post_processor": null, "decoder": null,
                 "model": {"type": "WordLevel", "unk_token": "[UNK]", "vocab": {"[UNK]": 0, "the": 40000, "congress": 40001}}}
                """);
        assertOneLineError(run("compress", "--model", model.toString(), "--tokenizer", wrong.toString(), "--calib", calib.toString(),
                "--ratio", "0.2", "--out", dir.resolve("o.onnx").toString()), "does not match");
        assertThat(listing(dir)).containsExactly("tokenizer.json");
    }

    @Test
    void unwritableOrMissingOutputFolder(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("plain.txt"), "x");
        assertOneLineError(run("compress", "--model", model.toString(), "--ratio", "0.2", "--method", "svd", "--out", file.resolve("o.onnx").toString()),
                file + " is a file, not a folder");
        assertOneLineError(run("compress", "--model", model.toString(), "--ratio", "0.2", "--method", "svd", "--out",
                dir.resolve("missing").resolve("o.onnx").toString()), "does not exist");
        assertThat(listing(dir)).containsExactly("plain.txt");
    }

    @Test
    void methodNeedingCalibrationWithoutATokenizer(@TempDir Path dir) {
        // without --calib the vendored mix is read, which needs the tokenizer
        assertOneLineError(run("compress", "--model", model.toString(), "--ratio", "0.2", "--method", "whitened", "--out", dir.resolve("o.onnx").toString()),
                "--tokenizer", "calibration text");
    }

    @Test
    void sensitivityAllocationWithoutATokenizer(@TempDir Path dir) {
        assertOneLineError(run("compress", "--model", model.toString(), "--ratio", "0.2", "--method", "svd", "--allocation", "sensitivity",
                "--out", dir.resolve("o.onnx").toString()), "--allocation sensitivity", "--tokenizer");
        assertOneLineError(run("compress", "--model", model.toString(), "--ratio", "0.2", "--method", "svd", "--allocation", "sensitivty",
                "--out", dir.resolve("o.onnx").toString()), "unknown allocation");
    }

    @Test
    void aTargetSizeIsReachedOrRefusedInOneLine(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("small.onnx");
        long target = 80_000_000L;
        PrintStream saved = System.out;
        System.setOut(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        Object[] r;
        try {
            r = run("compress", "--model", model.toString(), "--target-size", "80MB", "--method", "svd", "--allocation", "uniform",
                    "--out", out.toString());
        } finally {
            System.setOut(saved);
        }
        assertThat((int) r[0]).as((String) r[1]).isZero();
        assertThat(Files.size(out)).isLessThanOrEqualTo(target).isGreaterThan(target - 1_000_000L);
        assertOneLineError(run("compress", "--model", model.toString(), "--target-size", "5MB", "--method", "svd",
                "--out", dir.resolve("tiny.onnx").toString()), "smallest reachable");
        assertOneLineError(run("compress", "--model", model.toString(), "--target-size", "80MB", "--ratio", "0.2", "--method", "svd",
                "--out", dir.resolve("both.onnx").toString()), "either --ratio", "--target-size");
        assertOneLineError(run("compress", "--model", model.toString(), "--method", "svd", "--out", dir.resolve("none.onnx").toString()),
                "either --ratio");
        assertThat(listing(dir)).containsExactly("small.html", "small.json", "small.onnx");
    }

    private static Onnx.ValueInfoProto info(String name, int width) {
        return Onnx.ValueInfoProto.newBuilder().setName(name).setType(Onnx.TypeProto.newBuilder().setTensorType(
                Onnx.TypeProto.Tensor.newBuilder().setElemType(Onnx.TensorProto.DataType.FLOAT.getNumber())
                        .setShape(Onnx.TensorShapeProto.newBuilder().addDim(Onnx.TensorShapeProto.Dimension.newBuilder().setDimValue(1))
                                .addDim(Onnx.TensorShapeProto.Dimension.newBuilder().setDimValue(width))))).build();
    }
}
