package org.lowrank4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code lowrank recover}: a short run that is interrupted and resumed, and each user mistake as one line. */
class RecoverCommandTest {
    @TempDir
    static Path dir;
    private static Path model, tokenizer, compressed;

    @BeforeAll
    static void compressMiniLm() throws IOException {
        model = copy("/all-minilm-l6-v2.onnx", dir.resolve("minilm.onnx"));
        tokenizer = copy("/all-minilm-l6-v2-tokenizer.json", dir.resolve("tokenizer.json"));
        compressed = dir.resolve("minilm-svd50.onnx");
        Object[] r = run("compress", "--model", model.toString(), "--ratio", "0.5", "--method", "svd", "--allocation", "uniform",
                "--out", compressed.toString());
        assertThat((int) r[0]).as((String) r[2]).isZero();
    }

    private static Path copy(String resource, Path target) throws IOException {
        try (InputStream in = RecoverCommandTest.class.getResourceAsStream(resource)) {
            Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
        }
        return target;
    }

    private static Object[] run(String... args) {
        return CliRun.run(args);
    }

    private static String[] recover(Path out, String... more) {
        List<String> args = new java.util.ArrayList<>(List.of("recover", "--original", model.toString(), "--tokenizer", tokenizer.toString(),
                "--compressed", compressed.toString(), "--out", out.toString(), "--steps", "2", "--batch", "2", "--max-tokens", "16",
                "--threads", "2"));
        args.addAll(List.of(more));
        return args.toArray(String[]::new);
    }

    private static void assertOneLineError(Object[] result, String fragment) {
        String err = (String) result[2];
        assertThat((int) result[0]).as(err).isEqualTo(2);
        List<String> lines = err.lines().filter(l -> l.startsWith("lowrank ")).toList();
        assertThat(lines).hasSize(1);
        assertThat(lines.get(0)).contains(fragment);
        assertThat(err).doesNotContain("Exception").doesNotContain("\tat ");
    }

    @Test
    void anInterruptedRunResumesAndWritesTheModelAndItsRecord() throws IOException {
        Path out = dir.resolve("recovered.onnx");
        Object[] first = run(recover(out, "--eval-sentences", "0", "--stop-after", "1"));
        assertThat((int) first[0]).as((String) first[2]).isZero();
        assertThat((String) first[1]).contains("stopped after step 1 of 2");
        assertThat(out).doesNotExist();
        assertOneLineError(run(recover(out, "--eval-sentences", "0")), "use --resume");

        Object[] rest = run(recover(out, "--eval-sentences", "12", "--resume"));
        assertThat((int) rest[0]).as((String) rest[2]).isZero();
        String printed = (String) rest[1];
        assertThat(printed).contains("recovered 1 steps").contains("before fidelity on 12 held-out sentences")
                .contains("after  fidelity on 12 held-out sentences")
                .contains("out of domain, moby-dick-narrative (12 sentences)").contains("out of domain, moby-dick-dialogue (12 sentences)");
        assertThat(out).exists();
        assertThat(Files.readString(dir.resolve("recovered.json"))).contains("\"endStep\" : 2").contains("\"outOfDomain\"").contains("moby-dick-dialogue").contains("\"meanCosine\"")
                .contains("\"weightDistanceBefore\"").contains("\"weightDistanceAfter\"").contains("\"maxEntry\"");
    }

    @Test
    void userMistakesAreOneLine() throws IOException {
        Path out = dir.resolve("never.onnx");
        Path plain = Files.copy(model, dir.resolve("plain.onnx"), StandardCopyOption.REPLACE_EXISTING);
        assertOneLineError(run("recover", "--original", model.toString(), "--tokenizer", tokenizer.toString(), "--compressed", plain.toString(),
                "--out", out.toString(), "--eval-sentences", "0"), "plain.onnx was not compressed by lowrank4j");
        assertOneLineError(run(recover(compressed)), "input; choose another path");
        Path shortText = Files.writeString(dir.resolve("short.txt"), "Only one sentence here. And a second one.");
        assertOneLineError(run("recover", "--original", model.toString(), "--tokenizer", tokenizer.toString(), "--compressed",
                compressed.toString(), "--out", out.toString(), "--text", shortText.toString()), "too few to fill one batch of 16");
        assertOneLineError(run(recover(out, "--schedule", "v-then-u")), "--schedule must be joint or u-then-v");
        // numbers are named by their options (the message used to list DistillOptions' fields: "steps >= 1, batch size >= 1, ...")
        assertOneLineError(run("recover", "--original", model.toString(), "--tokenizer", tokenizer.toString(), "--compressed",
                compressed.toString(), "--out", out.toString(), "--steps", "-1"), "--steps must be 1 or more, got -1");
        assertOneLineError(run(recover(out, "--lr", "NaN")), "--lr must be a positive number, got NaN");
        assertOneLineError(run(recover(out, "--checkpoint-every", "-1")), "--checkpoint-every must be 0 (only at the end) or more");
        assertOneLineError(run(recover(out, "--teacher-cache-mb", "-1")), "--teacher-cache-mb must be 0 (no cache) or more");
        assertOneLineError(run(recover(out, "--pela", "-1")), "--pela must be a finite number >= 0");
        assertThat(out).doesNotExist();
    }

    @Test
    void aDivergingRunStopsNamingTheStepAndKeepsItsLastCheckpoint() {
        Path out = dir.resolve("diverged.onnx");
        Object[] r = run("recover", "--original", model.toString(), "--tokenizer", tokenizer.toString(), "--compressed", compressed.toString(),
                "--out", out.toString(), "--steps", "3", "--batch", "2", "--max-tokens", "16", "--lr", "1e30", "--checkpoint-every", "1",
                "--eval-sentences", "0");
        assertOneLineError(r, "at step 2 of 3");
        assertThat(((String) r[2]).lines().filter(l -> l.startsWith("lowrank ")).findFirst().orElseThrow())
                .contains("became").contains("last good checkpoint (after step 1)");
        assertThat(out).doesNotExist();
        assertThat(dir.resolve("diverged.recover.safetensors")).exists();
    }
}
