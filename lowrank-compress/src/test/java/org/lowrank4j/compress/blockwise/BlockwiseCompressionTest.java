package org.lowrank4j.compress.blockwise;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.lowrank4j.compress.Listener;
import org.lowrank4j.compress.route.Compression;
import org.lowrank4j.compress.route.CompressionRequest;
import org.lowrank4j.compress.route.CompressionRun;
import org.lowrank4j.compress.text.TextCorpus;
import org.lowrank4j.formats.hf.HfArchitecture;
import org.lowrank4j.formats.hf.HfConfig;
import org.lowrank4j.formats.safetensors.SafetensorsModel;
import org.lowrank4j.nn.arch.DenseDecoders;
import org.lowrank4j.nn.arch.gpt2.Gpt2Model;
import org.lowrank4j.nn.arch.llama.LlamaModel;
import org.lowrank4j.nn.arch.llama.LowRankFolder;
import org.lowrank4j.nn.generate.ByteTokenizer;
import org.lowrank4j.nn.tensor.Precision;

/**
 * The blockwise route against the in-memory route on a decoder that fits both ways: the same tensors, bit for bit, and
 * the same manifest, for a method without data, one on the input Grams, a sequential one and one with the cross moment;
 * on LLaMA-family decoders and on the GPT-2 family's three layouts (GPT-2, OPT, OPT-350M's).
 */
class BlockwiseCompressionTest {

    static Path tinyDecoder(Path dir, boolean tied) throws Exception {
        Path model = Files.createDirectories(dir.resolve("decoder"));
        HfConfig config = HfConfig.builder(HfArchitecture.LLAMA).hiddenSize(32).intermediateSize(48).numHiddenLayers(3).numAttentionHeads(4)
                .numKeyValueHeads(2).vocabSize(ByteTokenizer.BYTES).maxPositionEmbeddings(24).tieWordEmbeddings(tied).build();
        LlamaModel decoder = LlamaModel.create(config, Precision.FLOAT32);
        decoder.initialize(new Random(5));
        decoder.save(model);
        ByteTokenizer.writeJson(model);
        return model;
    }

    /** GPT-2 (tied), OPT (ReLU, untied) or OPT-350M's layout (norms after the residual adds, rows projected in and out). */
    static Path tinyGpt2Family(Path dir, String kind) throws Exception {
        Path model = Files.createDirectories(dir.resolve("decoder"));
        HfConfig config = switch (kind) {
            case "gpt2" -> HfConfig.builder(HfArchitecture.GPT2).hiddenSize(32).intermediateSize(48).numHiddenLayers(3).numAttentionHeads(4)
                    .vocabSize(ByteTokenizer.BYTES).maxPositionEmbeddings(24).build();
            case "opt" -> HfConfig.parse(opt(32, true), "test");
            case "opt-350m" -> HfConfig.parse(opt(24, false), "test");
            default -> throw new IllegalArgumentException(kind);
        };
        Gpt2Model decoder = new Gpt2Model(config, Precision.FLOAT32);
        decoder.initialize(new Random(5));
        decoder.save(model);
        ByteTokenizer.writeJson(model);
        return model;
    }

    private static String opt(int tokenWidth, boolean normsBefore) {
        return "{\"model_type\": \"opt\", \"hidden_size\": 32, \"ffn_dim\": 48, \"num_hidden_layers\": 3, \"num_attention_heads\": 4,"
                + " \"vocab_size\": 256, \"max_position_embeddings\": 24, \"word_embed_proj_dim\": " + tokenWidth + ", \"activation_function\":"
                + " \"relu\", \"tie_word_embeddings\": false, \"do_layer_norm_before\": " + normsBefore + "}";
    }

    static Path calibration(Path dir) throws Exception {
        return Files.writeString(dir.resolve("calib.txt"), String.join("\n", TextCorpus.calibration().first(60)));
    }

    @ParameterizedTest
    @CsvSource({"svd, false", "whitened, false", "whitened, true", "svd-llm, false", "saes, true"})
    void blockwiseWritesTheTensorsOfTheInMemoryRoute(String method, boolean tied, @TempDir Path dir) throws Exception {
        assertTheRoutesAgree(tinyDecoder(dir, tied), method, dir);
    }

    @ParameterizedTest
    @CsvSource({"gpt2, svd", "gpt2, whitened", "gpt2, saes", "opt, whitened", "opt, svd-llm", "opt-350m, whitened", "opt-350m, saes"})
    void blockwiseWritesTheTensorsOfTheInMemoryRouteForTheGpt2Family(String kind, String method, @TempDir Path dir) throws Exception {
        assertTheRoutesAgree(tinyGpt2Family(dir, kind), method, dir);
    }

    private static void assertTheRoutesAgree(Path model, String method, Path dir) throws Exception {
        Path calib = calibration(dir);
        CompressionRequest.Builder request = CompressionRequest.builder().model(model).calibration(calib).method(method).allocation("uniform")
                .ratio(0.3).calibrationWindows(20);
        CompressionRun memory = Compression.run(request.out(dir.resolve("memory")).build(), Listener.NONE);
        CompressionRun blockwise = Compression.run(request.blockwise(true).out(dir.resolve("blockwise")).build(), Listener.NONE);

        assertThat(Files.exists(dir.resolve("blockwise").resolve(SafetensorsModel.INDEX_FILE))).isTrue();
        try (SafetensorsModel a = SafetensorsModel.open(dir.resolve("memory")); SafetensorsModel b = SafetensorsModel.open(dir.resolve("blockwise"))) {
            assertThat(b.names()).isEqualTo(a.names());
            assertThat(b.shards()).hasSize(3 + 2);
            for (String name : a.names()) {
                assertThat(b.info(name).shape()).as(name).isEqualTo(a.info(name).shape());
                assertThat(b.readFloats(name)).as(name).containsExactly(a.readFloats(name)); // bitwise: Float.equals compares bits
            }
        }
        LowRankFolder.Manifest m = LowRankFolder.readManifest(dir.resolve("memory")).orElseThrow();
        LowRankFolder.Manifest w = LowRankFolder.readManifest(dir.resolve("blockwise")).orElseThrow();
        assertThat(w.ranks()).isEqualTo(m.ranks()).isNotEmpty();
        assertThat(w.denseSites()).isEqualTo(m.denseSites());
        assertThat(w.parametersModelAfter()).isEqualTo(m.parametersModelAfter());
        assertThat(w.parametersModelBefore()).isEqualTo(m.parametersModelBefore());
        assertThat(w.parametersTargetedAfter()).isEqualTo(m.parametersTargetedAfter());
        assertThat(blockwise.outcome().result().targetedParametersAfter()).isEqualTo(memory.outcome().result().targetedParametersAfter());
        assertThat(blockwise.outcome().modelParametersAfter()).isEqualTo(memory.outcome().modelParametersAfter());
        // the sharded folder is what perplexity, generate and compress load
        assertThat(DenseDecoders.load(dir.resolve("blockwise"), Precision.FLOAT32).parameterCount())
                .isEqualTo(m.parametersModelAfter());
        try (Stream<Path> left = Files.list(dir)) { // no spilled activations or hidden folders stay behind
            assertThat(left.map(p -> p.getFileName().toString())).allMatch(n -> !n.startsWith(".") && !n.endsWith(".f32"));
        }
    }
}
