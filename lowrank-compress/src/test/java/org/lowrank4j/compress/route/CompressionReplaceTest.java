package org.lowrank4j.compress.route;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.lowrank4j.compress.Listener;
import org.lowrank4j.compress.text.TextCorpus;
import org.lowrank4j.formats.hf.HfArchitecture;
import org.lowrank4j.formats.hf.HfConfig;
import org.lowrank4j.nn.arch.llama.LlamaModel;
import org.lowrank4j.nn.generate.ByteTokenizer;
import org.lowrank4j.nn.tensor.Precision;

/** compress --force over an earlier output: a refused run keeps it whole, and every kind of decoder output can be replaced. */
class CompressionReplaceTest {

    private static Path tinyDecoder(Path dir) throws Exception {
        Path model = Files.createDirectories(dir.resolve("decoder"));
        HfConfig config = HfConfig.builder(HfArchitecture.LLAMA).hiddenSize(32).intermediateSize(40).numHiddenLayers(3).numAttentionHeads(4)
                .numKeyValueHeads(2).vocabSize(ByteTokenizer.BYTES).maxPositionEmbeddings(24).tieWordEmbeddings(true).build();
        LlamaModel decoder = LlamaModel.create(config, Precision.FLOAT32);
        decoder.initialize(new Random(4));
        decoder.save(model);
        ByteTokenizer.writeJson(model);
        return model;
    }

    @Test
    void aForcedRunRefusedForAMistakeKeepsTheEarlierRecordAndReport(@TempDir Path dir) throws Exception {
        Path model = tinyDecoder(dir), out = dir.resolve("lr");
        CompressionRun first = Compression.run(CompressionRequest.builder().model(model).method("svd").ratio(0.3).out(out).build(), Listener.NONE);
        byte[] record = Files.readAllBytes(first.record()), report = Files.readAllBytes(first.report());

        assertThatThrownBy(() -> Compression.run(CompressionRequest.builder().model(model).method("whitened").ratio(0.3).out(out).force(true).build(),
                Listener.NONE)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--calib");

        assertThat(Files.readAllBytes(first.record())).isEqualTo(record); // the model stays, and so does what describes it
        assertThat(Files.readAllBytes(first.report())).isEqualTo(report);
        try (var left = Files.list(dir)) {
            assertThat(left.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("decoder", "lr", "lr.json", "lr.html");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"hierarchical-prune:blocks=1:order=position", "modegpt:allocation=uniform"})
    void forceReplacesAnEarlierPrunedOrNarrowedFolder(String method, @TempDir Path dir) throws Exception {
        Path model = tinyDecoder(dir), out = dir.resolve("small");
        Path calib = Files.writeString(dir.resolve("calib.txt"), String.join("\n", TextCorpus.calibration().first(60)));
        CompressionRequest.Builder request = CompressionRequest.builder().model(model).calibration(calib).method(method).ratio(0.25)
                .calibrationWindows(4).out(out);
        if (method.startsWith("hierarchical-prune")) {
            request.ratio(null);
        }
        Compression.run(request.build(), Listener.NONE);
        CompressionRun again = Compression.run(request.force(true).build(), Listener.NONE); // was refused: "not a low-rank model folder"
        assertThat(again.record()).exists();
        assertThat(LlamaModel.load(out, Precision.FLOAT32).parameterCount()).isEqualTo(again.outcome().modelParametersAfter());
    }
}
