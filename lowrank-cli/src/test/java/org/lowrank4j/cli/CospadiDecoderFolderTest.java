package org.lowrank4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank4j.formats.safetensors.SafetensorsModel;
import org.lowrank4j.nn.arch.llama.LlamaModel;
import org.lowrank4j.nn.arch.llama.LowRankFolder;
import org.lowrank4j.nn.generate.DictionaryTensors;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.weight.DictionaryWeight;

/** {@code compress --method cospadi} on a decoder folder: a folder of sparse dictionaries that loads, counts its indices, and runs. */
class CospadiDecoderFolderTest {
    private static final String TEXT = """
            Fellow-Citizens of the Senate and of the House of Representatives: I embrace with great satisfaction the
            opportunity which now presents itself of congratulating you on the present favorable prospects of our public
            affairs. The recent accession of the important State of North Carolina to the Constitution of the United
            States gives me great pleasure. The Congress met in the capital and the treaty was signed in the spring.
            """;

    @TempDir
    Path dir;

    @Test
    void writesDictionariesThatLoadAsSparseWeightsWithTheReportedCounts() throws IOException {
        Path dense = DecoderFolderCompressRecoverTest.tinyDecoder(dir.resolve("dense"));
        Path text = Files.writeString(dir.resolve("calib.txt"), TEXT.repeat(3));
        Path out = dir.resolve("cospadi");
        Object[] r = CliRun.run("compress", "--model", dense.toString(), "--calib", text.toString(), "--calib-windows", "4", "--ratio", "0.3",
                "--method", "cospadi:iterations=2", "--threads", "1", "--out", out.toString());
        assertThat((int) r[0]).as("stderr: %s", r[2]).isZero();

        LlamaModel loaded = LlamaModel.load(out, Precision.FLOAT32);
        List<Linear> sites = List.copyOf(loaded.linearSites().values());
        assertThat(sites).allMatch(l -> l.weight() instanceof DictionaryWeight);
        long stored = sites.stream().mapToLong(l -> ((DictionaryWeight) l.weight()).storedUnits()).sum();
        LowRankFolder.Manifest m = LowRankFolder.readManifest(out).orElseThrow();
        assertThat(m.method()).isEqualTo("cospadi:iterations=2");
        assertThat(m.parametersTargetedAfter()).isEqualTo(stored);
        assertThat(m.ratioTargetedLayers()).isGreaterThanOrEqualTo(0.3);
        assertThat(m.ranks()).hasSize(sites.size());
        JsonNode record = new ObjectMapper().readTree(dir.resolve("cospadi.json").toFile());
        assertThat(record.get("parameters_targeted_after").asLong()).isEqualTo(stored);
        try (SafetensorsModel st = SafetensorsModel.open(out)) {
            String base = sites.get(0).name();
            assertThat(st.contains(base + DictionaryTensors.INDEX)).isTrue();
            assertThat(st.contains(base + ".weight")).isFalse();
        }
        Object[] ppl = CliRun.run("perplexity", "--model", out.toString(), "--text", text.toString());
        assertThat((int) ppl[0]).as("stderr: %s", ppl[2]).isZero();
        assertThat((String) ppl[1]).contains("perplexity");
    }

    @Test
    void sharedDictionariesAreRefusedForFoldersInOneLine() throws IOException {
        Path dense = DecoderFolderCompressRecoverTest.tinyDecoder(dir.resolve("dense"));
        Path text = Files.writeString(dir.resolve("calib.txt"), TEXT.repeat(3));
        Object[] r = CliRun.run("compress", "--model", dense.toString(), "--calib", text.toString(), "--ratio", "0.3", "--method", "cospadi:group=2",
                "--out", dir.resolve("x").toString());
        assertThat((int) r[0]).isEqualTo(2);
        assertThat((String) r[2]).contains("cospadi:group=2").contains("lowrank compare").doesNotContain("Exception");
        assertThat(dir.resolve("x")).doesNotExist();
    }
}
