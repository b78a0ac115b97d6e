package org.lowrank4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.lowrank4j.cli.CliRun.ok;
import static org.lowrank4j.cli.CliRun.refused;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** lowrank finetune --adapter loca|s2lora, then adapter inspect|perplexity|merge on their folders; one-line refusals. */
class LocaS2CommandsTest {
    private static final String TEXT = """
            Call me Ishmael. Some years ago, never mind how long precisely, having little or no money in my purse, and
            nothing particular to interest me on shore, I thought I would sail about a little and see the watery part of
            the world.
            """.repeat(5);

    private static String[] finetune(Path base, Path text, Path out, String adapter) {
        return new String[] {"finetune", "--model", base.toString(), "--data", text.toString(), "--out", out.toString(), "--rank", "4",
            "--alpha", "8", "--steps", "4", "--batch", "2", "--context", "16", "--lr", "1e-2", "--warmup", "1", "--held-out", "0.2",
            "--adapter", adapter};
    }

    @Test
    void locaAndS2LoraTrainInspectScoreAndMerge(@TempDir Path dir) throws IOException {
        Path base = CliRun.tinyDecoder(dir, 2, 1);
        Path text = Files.writeString(dir.resolve("text.txt"), TEXT);
        for (String[] v : new String[][] {{"loca:frequencies=12", "LoCA, scale = 1.0"}, {"s2lora:xi=1e-2", "S2-LoRA, r_max = 4"}}) {
            String name = v[0].split(":")[0];
            Path adapter = dir.resolve(name);
            String out = ok(finetune(base, text, adapter, v[0]));
            assertThat(out).contains("bytes on disk").contains("trainable values");
            String adapted = out.lines().filter(l -> l.startsWith("adapted")).findFirst().orElseThrow();
            assertThat(ok("adapter", "inspect", "--adapter", adapter.toString())).contains(v[1]).contains("bytes on disk");
            String scored = ok("adapter", "perplexity", "--model", base.toString(), "--adapter", adapter.toString(), "--data", text.toString(),
                    "--held-out", "0.2", "--no-base");
            assertThat(scored.strip()).isEqualTo(adapted.strip());
            Path merged = dir.resolve(name + "-merged");
            assertThat(ok("adapter", "merge", "--model", base.toString(), "--adapter", adapter.toString(), "--out", merged.toString()))
                    .contains("merged " + name);
            assertThat(merged.resolve("model.safetensors")).exists();
        }
    }

    @Test
    void badOptionsAreOneClearLine(@TempDir Path dir) throws IOException {
        Path base = CliRun.tinyDecoder(dir, 2, 1);
        Path text = Files.writeString(dir.resolve("text.txt"), TEXT);
        assertThat(refused(finetune(base, text, dir.resolve("a"), "loca:budget=2"))).contains("budget of 2").contains("no layer one frequency");
        assertThat(refused(finetune(base, text, dir.resolve("b"), "loca:frequncies=3"))).contains("no option 'frequncies'");
        assertThat(refused(finetune(base, text, dir.resolve("c"), "s2lora:budget=5"))).contains("budget of 5").contains("no layer one rank");
        assertThat(refused(finetune(base, text, dir.resolve("d"), "s2lora:sparsity=l2"))).contains("sparsity must be one of");
    }
}
