package org.lowrank4j.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank4j.formats.hf.HfArchitecture;
import org.lowrank4j.formats.hf.HfConfig;
import org.lowrank4j.nn.arch.llama.LlamaModel;
import org.lowrank4j.nn.tensor.Precision;

/** The folder {@code lowrank export} writes, its record and check, and its refusals. */
class DecoderExportTest {
    @TempDir
    Path dir;

    private Path decoderFolder(String name) throws Exception {
        HfConfig config = HfConfig.builder(HfArchitecture.LLAMA).hiddenSize(16).intermediateSize(24).numHiddenLayers(2).numAttentionHeads(4)
                .numKeyValueHeads(2).vocabSize(30).maxPositionEmbeddings(24).tieWordEmbeddings(true).build();
        LlamaModel model = LlamaModel.create(config, Precision.FLOAT32);
        model.initialize(new Random(7));
        Path folder = dir.resolve(name);
        Files.createDirectories(folder);
        model.save(folder);
        Files.writeString(folder.resolve("tokenizer.json"), "{\"model\": {}}\n");
        return folder;
    }

    @Test
    void writesTheTransformersJsLayoutWithARecordOfTheCheck() throws Exception {
        Path model = decoderFolder("m");
        Path out = dir.resolve("m-onnx");
        DecoderExport.Report report = DecoderExport.run(new DecoderExport.Request(model, out, false, 10, 4, 3), s -> { });

        assertThat(out.resolve("onnx/model.onnx")).isRegularFile();
        assertThat(out.resolve("tokenizer.json")).hasSameTextualContentAs(model.resolve("tokenizer.json"));
        assertThat(out.resolve("config.json")).hasSameTextualContentAs(model.resolve("config.json"));
        assertThat(new ObjectMapper().readTree(out.resolve("tokenizer_config.json").toFile()).path("model_max_length").asInt()).isEqualTo(24);
        assertThat(report.check().passed()).isTrue();
        assertThat(report.check().promptTokens()).isEqualTo(10);
        assertThat(report.check().steps()).isEqualTo(4);
        assertThat(report.check().maxLogit()).isGreaterThan(0);
        assertThat(report.onnxBytes()).isEqualTo(Files.size(out.resolve("onnx/model.onnx")));
        assertThat(report.sites()).hasSize(2 * 7 + 1);

        JsonNode record = new ObjectMapper().readTree(out.resolve("export.json").toFile());
        assertThat(record.path("projections")).hasSize(15);
        assertThat(record.path("check").path("passed").asBoolean()).isTrue();
        assertThat(record.path("check").path("max_logit_difference").asDouble()).isEqualTo(report.check().maxDifference());
        // the written file runs on its own, from what the folder holds
        try (OnnxDecoder decoder = OnnxDecoder.open(out.resolve("onnx/model.onnx"), 1); OnnxDecoder.Sequence s = decoder.start()) {
            assertThat(decoder.layers()).isEqualTo(2);
            assertThat(s.append(new int[] {1, 2, 3})[2]).hasSize(30);
        }
    }

    @Test
    void aModelOverTheLimitKeepsItsWeightsInTheDataFileBeside() throws Exception {
        Path model = decoderFolder("m");
        Path out = dir.resolve("ext");
        DecoderExport.Report report = DecoderExport.run(new DecoderExport.Request(model, out, false, 6, 2, 1), s -> { }, 10_000);
        assertThat(report.externalData()).isTrue();
        assertThat(report.check().passed()).isTrue(); // ONNX Runtime read the weights from the data file
        long data = Files.size(out.resolve("onnx/model.onnx_data"));
        assertThat(data).isGreaterThan(4L * 30 * 16); // the embedding table at least
        assertThat(report.onnxBytes()).isEqualTo(data + Files.size(out.resolve("onnx/model.onnx")));
    }

    @Test
    void theCheckCoversNoMoreThanTheModelsPositions() throws Exception {
        Path model = decoderFolder("m");
        DecoderExport.Report report = DecoderExport.run(new DecoderExport.Request(model, dir.resolve("o"), false, 20, 10, 3), s -> { });
        assertThat(report.check().promptTokens() + report.check().steps()).isEqualTo(24);
    }

    @Test
    void theCheckFailsAgainstAnotherModelsFile() throws Exception {
        Path model = decoderFolder("m");
        Path out = dir.resolve("o");
        DecoderExport.run(new DecoderExport.Request(model, out, false, 0, 0, 1), s -> { });
        LlamaModel other = LlamaModel.load(model, Precision.FLOAT32);
        other.initialize(new Random(8));
        DecoderExport.Check check = DecoderExport.check(other, out.resolve("onnx/model.onnx"), 8, 2, 1);
        assertThat(check.passed()).isFalse();
        assertThat(check.maxDifference()).isGreaterThan(DecoderExport.TOLERANCE * Math.max(1, check.maxLogit()));
        DecoderExport.Check same = DecoderExport.check(LlamaModel.load(model, Precision.FLOAT32), out.resolve("onnx/model.onnx"), 8, 2, 1);
        assertThat(same.passed()).isTrue();
    }

    @Test
    void refusesAnExistingOutputWithoutForceAndKeepsIt() throws Exception {
        Path model = decoderFolder("m");
        Path out = dir.resolve("taken");
        Files.createDirectories(out);
        Files.writeString(out.resolve("keep.txt"), "mine");
        assertThatThrownBy(() -> DecoderExport.run(new DecoderExport.Request(model, out, false, 0, 0, 1), s -> { }))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--force");
        assertThat(out.resolve("keep.txt")).hasContent("mine");
        DecoderExport.run(new DecoderExport.Request(model, out, true, 0, 0, 1), s -> { });
        assertThat(out.resolve("keep.txt")).doesNotExist();
        assertThat(out.resolve("onnx/model.onnx")).isRegularFile();
        assertThat(out.resolve("export.json")).content().doesNotContain("\"check\"");
    }

    @Test
    void refusesAnOutputInsideTheInput() throws Exception {
        Path model = decoderFolder("m");
        assertThatThrownBy(() -> DecoderExport.run(new DecoderExport.Request(model, model, true, 0, 0, 1), s -> { }))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--out");
        assertThat(model.resolve("model.safetensors")).isRegularFile();
    }

    @Test
    void refusesOtherArchitecturesInOneLine() throws Exception {
        Path bert = dir.resolve("bert");
        Files.createDirectories(bert);
        Files.writeString(bert.resolve("config.json"), "{\"model_type\": \"bert\", \"hidden_size\": 16, \"num_hidden_layers\": 1,"
                + " \"num_attention_heads\": 2, \"intermediate_size\": 32, \"vocab_size\": 30, \"max_position_embeddings\": 16}");
        Files.writeString(bert.resolve("model.safetensors"), "");
        assertThatThrownBy(() -> DecoderExport.run(new DecoderExport.Request(bert, dir.resolve("o"), false, 0, 0, 1), s -> { }))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bert").hasMessageContaining("LLaMA-family")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
        assertThat(dir.resolve("o")).doesNotExist();
    }

    @Test
    void refusesAFolderWithoutAModel() {
        assertThatThrownBy(() -> DecoderExport.run(new DecoderExport.Request(dir.resolve("nothing"), dir.resolve("o"), false, 0, 0, 1), s -> { }))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("nothing");
    }
}
