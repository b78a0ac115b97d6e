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

/**
 * lowrank train --method sltrain | lost: trains, resumes bit for bit, records the factors' memory, writes an ordinary
 * decoder folder that perplexity and generate read; bad options in one line.
 */
class TrainSparseMethodsCommandTest {
    @Test
    void bothMethodsTrainResumeBitForBitAndWriteAFolderThatPerplexityAndGenerateRead(@TempDir Path dir) throws IOException {
        Path text = Files.writeString(dir.resolve("text.txt"), TEXT);
        Path fullRun = dir.resolve("full");
        okRun(train("--data", text.toString(), "--out", fullRun.toString(), "--steps", "2"));
        long fullWeights = new ObjectMapper().readTree(fullRun.resolve("train-record.json").toFile()).get("memory_bytes").get("weights").asLong();
        for (String method : List.of("sltrain:rank=2:density=0.05", "lost:rank=2:density=0.125")) {
            String name = method.substring(0, method.indexOf(':'));
            Path straight = dir.resolve(name + "-straight"), interrupted = dir.resolve(name + "-interrupted");
            Object[] r = okRun(train("--data", text.toString(), "--out", straight.toString(), "--steps", "6", "--method", method));
            assertThat((String) r[1] + r[2]).contains("method " + name + ":rank=2").contains("memory: weights");
            okRun(train("--data", text.toString(), "--out", interrupted.toString(), "--steps", "6", "--stop-after", "3", "--method", method));
            okRun(train("--data", text.toString(), "--out", interrupted.toString(), "--steps", "6", "--resume", "--method", method));
            assertThat(Files.readAllBytes(interrupted.resolve("model.safetensors"))).as(method)
                    .isEqualTo(Files.readAllBytes(straight.resolve("model.safetensors")));
            assertThat(Files.readAllBytes(interrupted.resolve("model.safetensors"))).as("an ordinary dense folder of the same size")
                    .hasSameSizeAs(Files.readAllBytes(fullRun.resolve("model.safetensors")));

            JsonNode record = new ObjectMapper().readTree(straight.resolve("train-record.json").toFile());
            assertThat(record.get("method").asText()).isEqualTo(name);
            long weights = record.get("memory_bytes").get("weights").asLong();
            assertThat(weights).as("rank 2 factors and a few sparse values instead of the dense projections").isLessThan(fullWeights);
            assertThat(record.get("memory_bytes").get("optimizer_state").asLong()).isEqualTo(2 * weights);

            Object[] ppl = okRun("perplexity", "--model", straight.toString(), "--text", text.toString());
            assertThat((String) ppl[1]).contains("perplexity").contains("bits per byte");
            Object[] gen = okRun("generate", "--model", straight.toString(), "--prompt", "The Congress", "--max-tokens", "5");
            assertThat((String) gen[1]).startsWith("The Congress");
        }
    }

    @Test
    void badOptionsAndAForeignCheckpointAreOneLineErrors(@TempDir Path dir) throws IOException {
        Path text = Files.writeString(dir.resolve("text.txt"), TEXT);
        Path out = dir.resolve("m");
        assertError(CliRun.run(train("--data", text.toString(), "--out", out.toString(), "--steps", "2", "--method", "sltrain:rank=9")),
                "sltrain: rank 9 exceeds min(out, in) = 8 of block 0 attention.key (8 x 16); choose rank <= 8");
        assertError(CliRun.run(train("--data", text.toString(), "--out", out.toString(), "--steps", "2", "--method", "lost:rank=9")),
                "lost: rank 9 exceeds min(out, in) = 8 of block 0 attention.key");
        assertError(CliRun.run(train("--data", text.toString(), "--out", out.toString(), "--steps", "2", "--method", "sltrain:density=0")),
                "sltrain: option density must be in (0, 1], got 0.0");
        assertError(CliRun.run(train("--data", text.toString(), "--out", out.toString(), "--steps", "2", "--method", "lost:density=1.5")),
                "lost: option density must be in (0, 1], got 1.5");
        assertError(CliRun.run(train("--data", text.toString(), "--out", out.toString(), "--steps", "2", "--method", "sltrain:sparsity=0.1")),
                "sltrain has no option 'sparsity'; sltrain takes rank, density, alpha");
        assertError(CliRun.run(train("--data", text.toString(), "--out", out.toString(), "--steps", "2", "--method", "lost:output-channels=2")),
                "lost: option output-channels must be 0");

        okRun(train("--data", text.toString(), "--out", out.toString(), "--steps", "4", "--stop-after", "2", "--method", "sltrain:rank=2"));
        assertError(CliRun.run(train("--data", text.toString(), "--out", out.toString(), "--steps", "4", "--resume", "--method", "lost:rank=2")),
                "was written by --method sltrain:rank=2:density=0.03:alpha=32.0, not lost");
        assertError(CliRun.run(train("--data", text.toString(), "--out", out.toString(), "--steps", "4", "--resume", "--method",
                "sltrain:rank=2:density=0.1")), "but this run asks for sltrain:rank=2:density=0.1:alpha=32.0");
    }
}
