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

/** lowrank train --method galore | galore-dct | fira: trains, resumes bit for bit, records memory; bad options in one line. */
class TrainMethodsCommandTest {
    @Test
    void everyMethodTrainsAndResumesBitForBit(@TempDir Path dir) throws IOException {
        Path text = Files.writeString(dir.resolve("text.txt"), TEXT);
        for (String method : List.of("galore:rank=4:gap=2", "galore-dct:rank=4:gap=2:scale=1", "fira:rank=4:gap=2")) {
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
            long state = record.get("memory_bytes").get("optimizer_state").asLong();
            long weights = record.get("memory_bytes").get("weights").asLong();
            assertThat(state).isPositive().isLessThan(2 * weights); // below AdamW's two moments per weight
            assertThat(record.get("optimizer_seconds").get("projection_choice").asDouble()).isPositive();
        }
    }

    @Test
    void badMethodOptionsAndAForeignCheckpointAreOneLineErrors(@TempDir Path dir) throws IOException {
        Path text = Files.writeString(dir.resolve("text.txt"), TEXT);
        Path out = dir.resolve("m");
        assertError(CliRun.run(train("--data", text.toString(), "--out", out.toString(), "--steps", "2", "--method", "galore:rank=9")),
                "galore: rank 9 is above the dimensions of model.layers.0.self_attn.k_proj.weight (8×16)");
        assertError(CliRun.run(train("--data", text.toString(), "--out", out.toString(), "--steps", "2", "--method", "fira:gap=0")),
                "fira: option gap must be >= 1");
        assertError(CliRun.run(train("--data", text.toString(), "--out", out.toString(), "--steps", "2", "--method", "galore-dct:rnak=4")),
                "galore-dct has no option 'rnak'; galore-dct takes rank, gap, scale");
        assertError(CliRun.run(train("--data", text.toString(), "--out", out.toString(), "--steps", "2", "--method", "lora")),
                "unknown training method 'lora'");

        okRun(train("--data", text.toString(), "--out", out.toString(), "--steps", "4", "--stop-after", "2", "--method", "galore:rank=4"));
        assertError(CliRun.run(train("--data", text.toString(), "--out", out.toString(), "--steps", "4", "--resume")),
                "was written by --method galore:rank=4:gap=200:scale=0.25, not full");
        assertError(CliRun.run(train("--data", text.toString(), "--out", out.toString(), "--steps", "4", "--resume", "--method",
                "galore:rank=2")), "but this run asks for galore:rank=2:gap=200:scale=0.25");
        Path dense = dir.resolve("dense");
        okRun(train("--data", text.toString(), "--out", dense.toString(), "--steps", "4", "--stop-after", "2"));
        assertError(CliRun.run(train("--data", text.toString(), "--out", dense.toString(), "--steps", "4", "--resume", "--method", "fira:rank=4")),
                "was written by --method full, not fira");
    }
}
