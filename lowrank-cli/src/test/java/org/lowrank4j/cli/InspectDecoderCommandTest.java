package org.lowrank4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank4j.nn.generate.ByteTokenizer;

/** {@code inspect} on a decoder folder: its block projections' spectra, plain and whitened on calibration windows. */
class InspectDecoderCommandTest {
    @Test
    void aDecoderFolderShowsItsBlockProjectionsSpectra(@TempDir Path dir) throws Exception {
        Path model = Gpt2FolderCommandsTest.tinyOpt(dir.resolve("opt"));
        ByteTokenizer.writeJson(model);
        Path json = dir.resolve("svd.json");
        Object[] r = CliRun.run("inspect", "--model", model.toString(), "--ranks", "4,8", "--json", json.toString());
        assertThat((int) r[0]).as("stderr: %s", r[2]).isZero();
        assertThat(((String) r[1]).lines().filter(l -> l.startsWith("block "))).hasSize(2 * 6);
        JsonNode svd = new ObjectMapper().readTree(json.toFile());
        assertThat(svd.get("sites")).hasSize(12);
        JsonNode up = svd.get("sites").get(4); // block 0 mlp.up: 64 × 16, so 16 singular values
        assertThat(up.get("out_features").asInt()).isEqualTo(64);
        assertThat(up.get("spectrum")).hasSize(16);
        assertThat(up.get("energy_at_rank").get("8").asDouble()).isBetween(0.0, 1.0);

        Path text = Files.writeString(dir.resolve("calib.txt"), "The Congress met in the capital and the treaty was signed. ".repeat(20));
        Path whitenedJson = dir.resolve("whitened.json");
        r = CliRun.run("inspect", "--model", model.toString(), "--method", "whitened", "--calib", text.toString(), "--calib-sequences", "4",
                "--ranks", "4,8", "--json", whitenedJson.toString());
        assertThat((int) r[0]).as("stderr: %s", r[2]).isZero();
        // whitening weighs the spectrum by the activations: the same site's singular values differ from the weight's
        JsonNode whitened = new ObjectMapper().readTree(whitenedJson.toFile()).get("sites").get(4).get("spectrum");
        assertThat(whitened.get(0).asDouble()).isNotEqualTo(up.get("spectrum").get(0).asDouble());

        assertThat(CliRun.refused("inspect", "--model", model.toString(), "--method", "whitened")).contains("need --calib");
        assertThat(CliRun.refused("inspect", "--model", model.toString(), "--tokenizer", model.resolve("tokenizer.json").toString()))
                .contains("brings its own tokenizer.json");
    }
}
