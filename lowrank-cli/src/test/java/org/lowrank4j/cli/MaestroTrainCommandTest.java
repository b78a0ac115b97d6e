package org.lowrank4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.lowrank4j.cli.CliRun.assertError;
import static org.lowrank4j.cli.CliRun.okRun;
import static org.lowrank4j.cli.TinyTrain.TEXT;
import static org.lowrank4j.cli.TinyTrain.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** lowrank train --method maestro: trains, resumes bit for bit, records kept ranks and memory, writes a folder perplexity reads; bad options. */
class MaestroTrainCommandTest {
    @Test
    void maestroTrainsResumesBitForBitAndWritesAnOrdinaryDecoderFolder(@TempDir Path dir) throws IOException {
        Path text = Files.writeString(dir.resolve("text.txt"), TEXT);
        // shrinking every 2 steps with a threshold the tiny model's small components fall under, so it happens after the resume point
        String method = "maestro:lambda=0.01:threshold=0.02:shrink-every=2";
        Path straight = dir.resolve("straight"), interrupted = dir.resolve("interrupted");
        Object[] r = okRun(train("--data", text.toString(), "--out", straight.toString(), "--steps", "6", "--method", method));
        assertThat((String) r[1]).contains("memory: weights").contains("optimizer state");
        assertThat((String) r[2]).contains("ranks at the end: {block 0");
        okRun(train("--data", text.toString(), "--out", interrupted.toString(), "--steps", "6", "--stop-after", "3", "--method", method));
        okRun(train("--data", text.toString(), "--out", interrupted.toString(), "--steps", "6", "--resume", "--method", method));
        assertThat(Files.readAllBytes(interrupted.resolve("model.safetensors"))).isEqualTo(Files.readAllBytes(straight.resolve("model.safetensors")));

        JsonNode record = new ObjectMapper().readTree(straight.resolve("train-record.json").toFile());
        assertThat(record.get("method").asText()).isEqualTo("maestro");
        assertThat(record.get("method_options").asText()).isEqualTo("maestro:lambda=0.01:threshold=0.02:shrink-every=2");
        assertThat(record.get("memory_bytes").get("optimizer_state").asLong()).isPositive();
        JsonNode ranks = record.get("site_ranks");
        assertThat(ranks.size()).isEqualTo(7);
        int total = 0;
        for (JsonNode n : ranks) {
            total += n.asInt();
        }
        assertThat(total).isLessThan(16 + 8 + 8 + 16 + 16 + 16 + 16).isPositive(); // something was dropped
        assertThat(new ObjectMapper().readTree(interrupted.resolve("train-record.json").toFile()).get("site_ranks")).isEqualTo(ranks);

        Object[] p = okRun("perplexity", "--model", straight.toString(), "--text", text.toString());
        assertThat((String) p[1]).contains("bits per byte");
        String dense = new String(Files.readAllBytes(straight.resolve("model.safetensors")), java.nio.charset.StandardCharsets.ISO_8859_1);
        assertThat(dense).contains("model.layers.0.self_attn.q_proj.weight").doesNotContain("maestro_");
    }

    @Test
    void badOptionsAndAForeignCheckpointAreOneLineErrors(@TempDir Path dir) throws IOException {
        Path text = Files.writeString(dir.resolve("text.txt"), TEXT);
        Path out = dir.resolve("m");
        assertError(CliRun.run(train("--data", text.toString(), "--out", out.toString(), "--steps", "2", "--method", "maestro:lambda=-1")),
                "maestro: option lambda must be a finite number >= 0");
        assertError(CliRun.run(train("--data", text.toString(), "--out", out.toString(), "--steps", "2", "--method", "maestro:threshold=-1")),
                "maestro: option threshold must be a finite number >= 0");
        assertError(CliRun.run(train("--data", text.toString(), "--out", out.toString(), "--steps", "2", "--method", "maestro:shrink-every=0")),
                "maestro: option shrink-every must be >= 1");
        assertError(CliRun.run(train("--data", text.toString(), "--out", out.toString(), "--steps", "2", "--method", "maestro:rank=4")),
                "maestro has no option 'rank'; maestro takes lambda, threshold, shrink-every");
        okRun(train("--data", text.toString(), "--out", out.toString(), "--steps", "4", "--stop-after", "2", "--method", "maestro"));
        assertError(CliRun.run(train("--data", text.toString(), "--out", out.toString(), "--steps", "4", "--resume", "--method", "full")),
                "was written by --method maestro:lambda=0.005:threshold=1.0E-5:shrink-every=50, not full");
    }
}
