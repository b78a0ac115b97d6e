package org.lowrank4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.lowrank4j.cli.CliRun.ok;
import static org.lowrank4j.cli.CliRun.refused;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** lowrank finetune --adapter flora:… in both views, adapter inspect|merge|perplexity on its folder, and one-line refusals. */
class FloraCommandsTest {
    private static final String TEXT = """
            Call me Ishmael. Some years ago, never mind how long precisely, having little or no money in my purse, and
            nothing particular to interest me on shore, I thought I would sail about a little and see the watery part of
            the world.
            """.repeat(5);

    private static String[] finetune(Path base, Path text, Path out, String adapter) {
        return new String[] {"finetune", "--model", base.toString(), "--data", text.toString(), "--out", out.toString(), "--rank", "4",
            "--alpha", "8", "--steps", "4", "--batch", "2", "--context", "16", "--lr", "1e-2", "--warmup", "1", "--held-out", "0.2",
            "--targets", "q_proj,k_proj,v_proj,o_proj", "--adapter", adapter};
    }

    @Test
    void floraTrainsInBothViewsAndItsFolderIsInspectedMergedAndScored(@TempDir Path dir) throws IOException {
        Path base = CliRun.tinyDecoder(dir, 4, 2);
        Path text = Files.writeString(dir.resolve("text.txt"), TEXT);
        for (String spec : new String[] {"flora:view=heads:ranks=2,4,4", "flora:view=matrix:budget=500"}) {
            Path adapter = dir.resolve(spec.contains("heads") ? "heads" : "matrix");
            String out = ok(finetune(base, text, adapter, spec));
            assertThat(out).contains("bytes on disk").contains("trainable values").contains("FLoRA view");
            String adapted = out.lines().filter(l -> l.startsWith("adapted")).findFirst().orElseThrow();
            String inspect = ok("adapter", "inspect", "--adapter", adapter.toString());
            assertThat(inspect).contains("FLoRA, view").contains("bytes on disk");
            if (spec.contains("heads")) {
                assertThat(inspect).contains("[heads 2, head_dim 4, in 16], core [2, 4, 4]").contains("[out 16, heads 4, head_dim 4], core [4, 2, 4]");
            }
            String scored = ok("adapter", "perplexity", "--model", base.toString(), "--adapter", adapter.toString(), "--data", text.toString(),
                    "--held-out", "0.2", "--no-base");
            assertThat(scored.strip()).isEqualTo(adapted.strip());
            Path merged = dir.resolve(adapter.getFileName() + "-merged");
            assertThat(ok("adapter", "merge", "--model", base.toString(), "--adapter", adapter.toString(), "--out", merged.toString()))
                    .contains("merged flora");
            assertThat(merged.resolve("model.safetensors")).exists();
        }
    }

    @Test
    void badFloraOptionsAreOneClearLine(@TempDir Path dir) throws IOException {
        Path base = CliRun.tinyDecoder(dir, 4, 2);
        Path text = Files.writeString(dir.resolve("text.txt"), TEXT);
        assertThat(refused(finetune(base, text, dir.resolve("a"), "flora:budget=50"))).contains("a budget of 50 trainable values gives no layer rank 1");
        assertThat(refused(finetune(base, text, dir.resolve("b"), "flora:view=heads:ranks=4,4,4"))).contains("rank 4 of mode heads is above its size 2");
        assertThat(refused(finetune(base, text, dir.resolve("c"), "flora:view=heads:heads=3"))).contains("not divisible by 3 heads");
        assertThat(refused(finetune(base, text, dir.resolve("d"), "flora:view=cube"))).contains("view must be one of");
    }
}
