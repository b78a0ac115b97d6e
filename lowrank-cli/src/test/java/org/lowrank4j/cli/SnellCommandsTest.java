package org.lowrank4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** lowrank finetune --adapter snell|snella and lowrank adapter inspect|merge|perplexity on their folders; one-line refusals. */
class SnellCommandsTest {
    private static final String TEXT = """
            Call me Ishmael. Some years ago, never mind how long precisely, having little or no money in my purse, and
            nothing particular to interest me on shore, I thought I would sail about a little and see the watery part of
            the world.
            """.repeat(5);

    private static Object[] run(int expected, String... args) {
        Object[] r = CliRun.run(args);
        assertThat((int) r[0]).as("stdout %s stderr %s", r[1], r[2]).isEqualTo(expected);
        return r;
    }

    private static String[] finetune(Path base, Path text, Path out, String adapter) {
        return new String[] {"finetune", "--model", base.toString(), "--data", text.toString(), "--out", out.toString(), "--rank", "4",
            "--alpha", "8", "--steps", "4", "--batch", "2", "--context", "16", "--lr", "1e-1", "--warmup", "1", "--held-out", "0.2",
            "--adapter", adapter};
    }

    @Test
    void snellAndSnellaTrainInspectMergeAndScore(@TempDir Path dir) throws IOException {
        Path base = CliRun.tinyDecoder(dir, 2, 1);
        Path text = Files.writeString(dir.resolve("text.txt"), TEXT);
        for (String[] v : new String[][] {{"snell:sparsity=0.5", "SNELL, q = 4 over 2 heads"}, {"snella", "SNELLA (mixed kernel, allocated budgets)"}}) {
            String name = v[0].split(":")[0];
            Path adapter = dir.resolve(name);
            String out = (String) run(0, finetune(base, text, adapter, v[0]))[1];
            assertThat(out).contains("bytes on disk").contains("trainable values").contains("storage: ΔW keeps");
            String adapted = out.lines().filter(l -> l.startsWith("adapted")).findFirst().orElseThrow();
            String inspect = (String) run(0, "adapter", "inspect", "--adapter", adapter.toString())[1];
            assertThat(inspect).contains(v[1]).contains("bytes on disk");
            String scored = (String) run(0, "adapter", "perplexity", "--model", base.toString(), "--adapter", adapter.toString(), "--data",
                    text.toString(), "--held-out", "0.2", "--no-base")[1];
            assertThat(scored.strip()).isEqualTo(adapted.strip());
            Path merged = dir.resolve(name + "-merged");
            assertThat((String) run(0, "adapter", "merge", "--model", base.toString(), "--adapter", adapter.toString(), "--out", merged.toString())[1])
                    .contains("merged " + name);
            assertThat(merged.resolve("model.safetensors")).exists();
        }
    }

    @Test
    void badOptionsAreOneClearLine(@TempDir Path dir) throws IOException {
        Path base = CliRun.tinyDecoder(dir, 2, 1);
        Path text = Files.writeString(dir.resolve("text.txt"), TEXT);
        for (String[] v : new String[][] {{"snell:budget=10", "gives no layer one kernel dimension per head"}, {"snella:budget=50", "budget of 50"},
            {"snell:sparsity=1", "in [0, 1)"}, {"snella:target=0.5", "snella has no option 'target'"}}) {
            String err = ((String) run(2, finetune(base, text, dir.resolve("x"), v[0]))[2]).strip();
            assertThat(err).contains(v[1]).doesNotContain("\n");
        }
    }
}
