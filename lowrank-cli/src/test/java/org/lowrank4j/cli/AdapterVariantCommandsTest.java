package org.lowrank4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.lowrank4j.cli.CliRun.ok;
import static org.lowrank4j.cli.CliRun.refused;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** lowrank finetune --adapter nola|sora and lowrank adapter inspect|merge|perplexity on their folders; one-line refusals. */
class AdapterVariantCommandsTest {
    private static final String TEXT = """
            Call me Ishmael. Some years ago, never mind how long precisely, having little or no money in my purse, and
            nothing particular to interest me on shore, I thought I would sail about a little and see the watery part of
            the world.
            """.repeat(5);

    private static String[] finetune(Path base, Path text, Path out, String adapter, String lr) {
        return new String[] {"finetune", "--model", base.toString(), "--data", text.toString(), "--out", out.toString(), "--rank", "4",
            "--alpha", "8", "--steps", "4", "--batch", "2", "--context", "16", "--lr", lr, "--warmup", "1", "--held-out", "0.2",
            "--adapter", adapter};
    }

    @Test
    void nolaAndSoraTrainInspectMergeAndScore(@TempDir Path dir) throws IOException {
        Path base = CliRun.tinyDecoder(dir, 2, 1);
        Path text = Files.writeString(dir.resolve("text.txt"), TEXT);
        java.util.Map<String, String> described = java.util.Map.of("nola", "NOLA, generator version 1", "sora", "SoRA, r_max = 4", "salt",
                "SALT, r = 4 singular values", "loldu", "LoLDU, r = 4 pivots");
        for (String[] v : new String[][] {{"nola:basis=8", "1e-1"}, {"sora:xi=1e-2", "1e-2"}, {"salt", "1e-2"}, {"loldu", "1e-2"}}) {
            String name = v[0].split(":")[0];
            Path adapter = dir.resolve(name);
            String out = ok(finetune(base, text, adapter, v[0], v[1]));
            assertThat(out).contains("bytes on disk").contains("trainable values");
            String adapted = out.lines().filter(l -> l.startsWith("adapted")).findFirst().orElseThrow();
            String inspect = ok("adapter", "inspect", "--adapter", adapter.toString());
            assertThat(inspect).contains(described.get(name)).contains("bytes on disk");
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
    void badInputIsOneClearLine(@TempDir Path dir) throws IOException {
        Path base = CliRun.tinyDecoder(dir, 2, 1);
        Path text = Files.writeString(dir.resolve("text.txt"), TEXT);
        assertThat(refused(finetune(base, text, dir.resolve("a"), "dora", "1e-2"))).contains("unknown adapter variant 'dora'");
        assertThat(refused(finetune(base, text, dir.resolve("b"), "sora:budget=10", "1e-2"))).contains("budget of 10").contains("no layer one rank");
        assertThat(refused(finetune(base, text, dir.resolve("c"), "nola:basis=0", "1e-2"))).contains("basis must be a whole number >= 1");

        Path nola = dir.resolve("nola");
        ok(finetune(base, text, nola, "nola:basis=4", "1e-1"));
        Path config = nola.resolve("adapter_config.json");
        Files.writeString(config, Files.readString(config).replace("\"generator_version\" : 1", "\"generator_version\" : 7"));
        assertThat(refused("adapter", "inspect", "--adapter", nola.toString())).contains("generator version 7");
        assertThat(refused("adapter", "merge", "--model", base.toString(), "--adapter", nola.toString(), "--out", dir.resolve("m").toString()))
                .contains("generator version 7");
        String good = Files.readString(config).replace("\"generator_version\" : 7", "\"generator_version\" : 1");
        Files.writeString(config, good.replaceFirst("\"r\" : 4", "\"r\" : 0")); // inspect printed "r = 0" and exited 0
        assertThat(refused("adapter", "inspect", "--adapter", nola.toString())).contains("adapter folder " + nola + ": adapter_config.json")
                .contains("needs r >= 1").contains("it has r = 0");
        assertThat(refused("adapter", "merge", "--model", base.toString(), "--adapter", nola.toString(), "--out", dir.resolve("m").toString()))
                .contains("adapter folder " + nola + ": adapter_config.json").contains("needs r >= 1");
        Files.writeString(config, good.replace("LOWRANK4J_NOLA", "LOWRANK4J_MYSTERY"));
        assertThat(refused("adapter", "inspect", "--adapter", nola.toString())).contains("LOWRANK4J_MYSTERY").contains("unknown adapter variant");
    }
}
