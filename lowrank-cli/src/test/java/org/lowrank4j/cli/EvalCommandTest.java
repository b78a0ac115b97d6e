package org.lowrank4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank4j.compress.eval.EvalReport;

/** {@code lowrank eval}: one line per text set (in-domain held-out, then each out-of-domain set), the worst, and the JSON with all of them. */
class EvalCommandTest {

    private static Path copy(String resource, Path target) throws IOException {
        try (InputStream in = EvalCommandTest.class.getResourceAsStream(resource)) {
            Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
        }
        return target;
    }

    @Test
    void printsEverySetAndTheWorstAndWritesThemAll(@TempDir Path dir) throws IOException {
        Path model = copy("/all-minilm-l6-v2.onnx", dir.resolve("minilm.onnx"));
        Path candidate = Files.copy(model, dir.resolve("same.onnx"));
        Path tokenizer = copy("/all-minilm-l6-v2-tokenizer.json", dir.resolve("tokenizer.json"));
        Path json = dir.resolve("eval.json");

        Object[] r = CliRun.run("eval", "--reference", model.toString(), "--candidate", candidate.toString(), "--tokenizer", tokenizer.toString(),
                "--sentences", "20", "--threads", "2", "--out", json.toString());

        assertThat((int) r[0]).as((String) r[2]).isZero();
        List<String> lines = ((String) r[1]).lines().toList();
        assertThat(lines.stream().filter(l -> l.startsWith("fidelity on ")).toList()).hasSize(3)
                .anySatisfy(l -> assertThat(l).contains("held-out", "(in-domain)", "20 sentences", "mean cosine 1.0000", "recall@10 1.0000"))
                .anySatisfy(l -> assertThat(l).contains("moby-dick-narrative", "(out-of-domain)"))
                .anySatisfy(l -> assertThat(l).contains("moby-dick-dialogue", "(out-of-domain)"));
        assertThat(lines).anySatisfy(l -> assertThat(l).startsWith("worst set: mean cosine 1.0000 ("));
        EvalReport report = EvalReport.readJson(json);
        assertThat(report.sets()).hasSize(3);
        assertThat(report.worstOutOfDomain()).isNotNull();

        Object[] only = CliRun.run("eval", "--reference", model.toString(), "--candidate", candidate.toString(), "--tokenizer", tokenizer.toString(),
                "--sentences", "20", "--threads", "2", "--no-out-of-domain");
        assertThat((int) only[0]).as((String) only[2]).isZero();
        assertThat((String) only[1]).contains("fidelity on held-out").doesNotContain("moby-dick").doesNotContain("worst set");
    }

    @Test
    void anotherToolsFileNeedsOtherToolAndThenIsMeasured(@TempDir Path dir) throws IOException {
        Path model = copy("/all-minilm-l6-v2.onnx", dir.resolve("minilm.onnx"));
        Path tokenizer = copy("/all-minilm-l6-v2-tokenizer.json", dir.resolve("tokenizer.json"));
        // a file another tool rewrote: one table holds other values, as a quantizer's dequantized table would
        org.lowrank4j.formats.onnx.OnnxModel graph = org.lowrank4j.formats.onnx.OnnxModel.read(model);
        String table = "embeddings.position_embeddings.weight";
        float[] values = graph.initializerFloats(table);
        values[0] += 1e-3f;
        graph.putInitializer(table, graph.initializerShape(table), values, org.lowrank4j.formats.onnx.proto.Onnx.TensorProto.DataType.FLOAT);
        Path other = dir.resolve("other.onnx");
        graph.write(other);

        Object[] refused = CliRun.run("eval", "--reference", model.toString(), "--candidate", other.toString(), "--tokenizer", tokenizer.toString(),
                "--sentences", "12", "--threads", "2", "--no-out-of-domain");
        assertThat((int) refused[0]).isNotZero();
        assertThat((String) refused[2]).contains("is not a compression of --reference").doesNotContain("Exception");

        Object[] measured = CliRun.run("eval", "--reference", model.toString(), "--candidate", other.toString(), "--tokenizer", tokenizer.toString(),
                "--sentences", "12", "--threads", "2", "--no-out-of-domain", "--other-tool");
        assertThat((int) measured[0]).as((String) measured[2]).isZero();
        assertThat((String) measured[1]).contains("fidelity on held-out");
    }

    @Test
    void userSetsAreMeasuredBesideTheOthersAndBadSpecsAreNamed(@TempDir Path dir) throws IOException {
        Path model = copy("/all-minilm-l6-v2.onnx", dir.resolve("minilm.onnx"));
        Path tokenizer = copy("/all-minilm-l6-v2-tokenizer.json", dir.resolve("tokenizer.json"));
        StringBuilder mine = new StringBuilder();
        for (int i = 0; i < 14; i++) {
            mine.append("Reminder number ").append(i).append(": the meeting moved to room ").append(100 + i).append(".\n");
        }
        Path text = Files.writeString(dir.resolve("mine.txt"), mine.toString());
        String[] base = {"eval", "--reference", model.toString(), "--candidate", model.toString(), "--tokenizer", tokenizer.toString(),
                "--sentences", "20", "--threads", "2", "--no-out-of-domain"};

        Object[] r = CliRun.run(concat(base, "--set", "memos=" + text));
        assertThat((int) r[0]).as((String) r[2]).isZero();
        assertThat((String) r[1]).contains("fidelity on memos").contains("(out-of-domain)  14 sentences");

        Object[] noName = CliRun.run(concat(base, "--set", text.toString()));
        assertThat((int) noName[0]).isNotZero();
        assertThat((String) noName[2]).contains("--set expects NAME=FILE").doesNotContain("Exception");
        Object[] reserved = CliRun.run(concat(base, "--set", "held-out=" + text));
        assertThat((String) reserved[2]).contains("--set name held-out is the in-domain set's");
        Object[] missing = CliRun.run(concat(base, "--set", "x=" + dir.resolve("nothing.txt")));
        assertThat((String) missing[2]).contains("nothing.txt").contains("does not exist");
        Object[] overwrite = CliRun.run(concat(base, "--set", "memos=" + text, "--out", text.toString(), "--force"));
        assertThat((int) overwrite[0]).isNotZero();
        assertThat(Files.readString(text)).isEqualTo(mine.toString());
    }

    private static String[] concat(String[] a, String... b) {
        String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}
