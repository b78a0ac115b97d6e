package org.lowrank4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.lowrank4j.cli.CliRun.ok;
import static org.lowrank4j.cli.CliRun.refused;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code adapter rmm} / {@code adapter revert} and {@code finetune --adapter full} through the CLI. */
class AdapterRmmAndFullCommandsTest {
    private static final String TEXT = """
            The sea was calm that morning and the boats went out early; by noon the wind had turned and the harbour filled with
            sails again, and the old men on the wall counted them in one by one as they had done for forty years.
            """.repeat(5);
    private static final Pattern ADAPTED = Pattern.compile("adapted held-out perplexity ([0-9.]+) per byte");

    private static double adapted(String output) {
        Matcher m = ADAPTED.matcher(output);
        assertThat(m.find()).as(output).isTrue();
        return Double.parseDouble(m.group(1));
    }

    @Test
    void reversibleMergeRevertsEachAdapter(@TempDir Path dir) throws IOException {
        Path base = CliRun.tinyDecoder(dir, 2, 1), text = Files.writeString(dir.resolve("text.txt"), TEXT);
        String[] tune = {"finetune", "--model", base.toString(), "--data", text.toString(), "--rank", "4", "--alpha", "8", "--steps", "3",
            "--batch", "2", "--context", "16", "--lr", "2e-2", "--warmup", "1", "--held-out", "0.2"};
        Path first = dir.resolve("first"), second = dir.resolve("second");
        ok(concat(tune, "--out", first.toString(), "--seed", "1"));
        ok(concat(tune, "--out", second.toString(), "--seed", "2", "--targets", "q_proj,v_proj"));
        Path merged = dir.resolve("merged");
        assertThat(ok("adapter", "rmm", "--adapter", "one=" + first, "--adapter", "two=" + second, "--bases", "2", "--out", merged.toString()))
                .contains("merged 2 adapters [one, two] into 2 bases");
        for (String task : new String[] {"one", "two"}) {
            Path original = task.equals("one") ? first : second, reverted = dir.resolve("reverted-" + task);
            assertThat(ok("adapter", "revert", "--merged", merged.toString(), "--task", task, "--out", reverted.toString())).contains("task " + task);
            String[] score = {"adapter", "perplexity", "--model", base.toString(), "--data", text.toString(), "--held-out", "0.2", "--no-base",
                "--adapter"};
            double want = adapted(ok(concat(score, original.toString()))), got = adapted(ok(concat(score, reverted.toString())));
            assertThat(got).isCloseTo(want, org.assertj.core.data.Offset.offset(1e-4 * want)); // k = n: exact up to float32 storage
        }
        Path one = dir.resolve("one-basis");
        ok("adapter", "rmm", "--adapter", first.toString(), "--adapter", second.toString(), "--bases", "1", "--out", one.toString());
        assertThat(ok("adapter", "revert", "--merged", one.toString(), "--task", "0", "--out", dir.resolve("r0").toString())).contains("task first");

        assertThat(refused("adapter", "rmm", "--adapter", first.toString(), "--adapter", second.toString(), "--bases", "3", "--out",
                dir.resolve("x").toString())).contains("1..2");
        assertThat(refused("adapter", "rmm", "--adapter", first.toString(), "--adapter", second.toString(), "--bases", "0", "--out",
                dir.resolve("x").toString())).contains("--bases must be in 1..2");
        // an adapter whose config names another base, as combine refuses it
        Path other = Files.createDirectories(dir.resolve("other-base"));
        Files.copy(second.resolve("adapter_model.safetensors"), other.resolve("adapter_model.safetensors"));
        Files.writeString(other.resolve("adapter_config.json"), Files.readString(second.resolve("adapter_config.json"))
                .replace(base.toAbsolutePath().normalize().toString(), "/models/some-other-base"));
        assertThat(refused("adapter", "rmm", "--adapter", first.toString(), "--adapter", other.toString(), "--bases", "1", "--out",
                dir.resolve("x").toString())).contains("other-base").contains("/models/some-other-base").contains("only adapters of one base");
        assertThat(dir.resolve("x")).doesNotExist();
        assertThat(refused("adapter", "rmm", "--adapter", first.toString(), "--bases", "1", "--out", dir.resolve("x").toString()))
                .contains("two or more");
        assertThat(refused("adapter", "revert", "--merged", merged.toString(), "--task", "three", "--out", dir.resolve("x").toString()))
                .contains("[one, two]");
        assertThat(refused("adapter", "revert", "--merged", first.toString(), "--task", "0", "--out", dir.resolve("x").toString()))
                .contains("not a reversible-merge folder");
    }

    @Test
    void fullFineTuningWritesADecoderFolder(@TempDir Path dir) throws IOException {
        Path base = CliRun.tinyDecoder(dir, 2, 1), text = Files.writeString(dir.resolve("text.txt"), TEXT), out = dir.resolve("full");
        String printed = ok("finetune", "--model", base.toString(), "--data", text.toString(), "--adapter", "full", "--steps", "3", "--batch", "2",
                "--context", "16", "--lr", "1e-2", "--warmup", "1", "--held-out", "0.2", "--out", out.toString());
        assertThat(printed).contains("tuned   held-out perplexity").contains("trainable of");
        assertThat(ok("adapter", "perplexity", "--model", out.toString(), "--data", text.toString(), "--held-out", "0.2"))
                .contains("model   held-out perplexity");
        assertThat(Files.readString(out.resolve("finetune.json"))).contains("\"method\" : \"full\"").contains("\"optimizer_state\"");
        assertThat(refused("finetune", "--model", base.toString(), "--data", text.toString(), "--adapter", "full", "--init", "pissa", "--out",
                dir.resolve("x").toString())).contains("--adapter full");
    }

    private static String[] concat(String[] head, String... tail) {
        String[] all = java.util.Arrays.copyOf(head, head.length + tail.length);
        System.arraycopy(tail, 0, all, head.length, tail.length);
        return all;
    }
}
