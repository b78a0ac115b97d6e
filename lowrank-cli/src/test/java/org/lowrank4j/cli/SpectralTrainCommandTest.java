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
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** lowrank train --method sst | trp: trains, resumes bit for bit, records memory, writes a folder perplexity reads; bad options in one line. */
class SpectralTrainCommandTest {
    @Test
    void sstAndTrpTrainResumeBitForBitAndWriteAnOrdinaryDecoderFolder(@TempDir Path dir) throws IOException {
        Path text = Files.writeString(dir.resolve("text.txt"), TEXT);
        // sst: period 2, so indices are drawn again after the resume point (step 3) and the k/v weights (p = 8, round 2) re-decomposed at 4
        for (String method : List.of("sst:rank=4:period=2", "trp:period=2:energy=0.8:nuclear=0.01")) {
            String name = method.substring(0, method.indexOf(':'));
            Path straight = dir.resolve(name + "-straight"), interrupted = dir.resolve(name + "-interrupted");
            Object[] r = okRun(train("--data", text.toString(), "--out", straight.toString(), "--steps", "6", "--method", method));
            assertThat((String) r[1]).contains("memory: weights").contains("optimizer state");
            okRun(train("--data", text.toString(), "--out", interrupted.toString(), "--steps", "6", "--stop-after", "3", "--method", method));
            okRun(train("--data", text.toString(), "--out", interrupted.toString(), "--steps", "6", "--resume", "--method", method));
            assertThat(Files.readAllBytes(interrupted.resolve("model.safetensors"))).as(method)
                    .isEqualTo(Files.readAllBytes(straight.resolve("model.safetensors")));

            JsonNode record = new ObjectMapper().readTree(straight.resolve("train-record.json").toFile());
            assertThat(record.get("method").asText()).isEqualTo(name);
            assertThat(record.get("memory_bytes").get("optimizer_state").asLong()).isPositive();
            assertThat(record.get("optimizer_seconds").get(name.equals("sst") ? "resvd" : "truncation").asDouble()).isPositive();

            // the folder holds the dense weights: perplexity reads it like any decoder folder
            Object[] p = okRun("perplexity", "--model", straight.toString(), "--text", text.toString());
            assertThat((String) p[1]).contains("bits per byte");
            String dense = new String(Files.readAllBytes(straight.resolve("model.safetensors")), java.nio.charset.StandardCharsets.ISO_8859_1);
            assertThat(dense).contains("model.layers.0.self_attn.q_proj.weight").doesNotContain("sst_");
        }
    }

    @Test
    void badOptionsAndAForeignCheckpointAreOneLineErrors(@TempDir Path dir) throws IOException {
        Path text = Files.writeString(dir.resolve("text.txt"), TEXT);
        Path out = dir.resolve("m");
        assertError(CliRun.run(train("--data", text.toString(), "--out", out.toString(), "--steps", "2", "--method", "sst:rank=9")),
                "sst: rank 9 is above the dimensions of model.layers.0.self_attn.k_proj (8×16); the rank must be at most 8");
        assertError(CliRun.run(train("--data", text.toString(), "--out", out.toString(), "--steps", "2", "--method", "sst:period=0")),
                "sst: option period must be >= 1");
        assertError(CliRun.run(train("--data", text.toString(), "--out", out.toString(), "--steps", "2", "--method", "trp:period=0")),
                "trp: option period must be >= 1");
        assertError(CliRun.run(train("--data", text.toString(), "--out", out.toString(), "--steps", "2", "--method", "sst:rnak=4")),
                "sst has no option 'rnak'; sst takes rank, period");
        assertError(CliRun.run(train("--data", text.toString(), "--out", out.toString(), "--steps", "2", "--method", "trp:lambda=1")),
                "trp has no option 'lambda'; trp takes period, energy, nuclear");

        okRun(train("--data", text.toString(), "--out", out.toString(), "--steps", "4", "--stop-after", "2", "--method", "sst:rank=4"));
        assertError(CliRun.run(train("--data", text.toString(), "--out", out.toString(), "--steps", "4", "--resume", "--method", "trp")),
                "was written by --method sst:rank=4:period=200, not trp");
        assertError(CliRun.run(train("--data", text.toString(), "--out", out.toString(), "--steps", "4", "--resume", "--method", "sst:rank=2")),
                "but this run asks for sst:rank=2:period=200");
    }
}
