package org.lowrank4j.nn.arch.llama;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank4j.formats.hf.HfArchitecture;
import org.lowrank4j.formats.hf.HfConfig;
import org.lowrank4j.formats.safetensors.SafetensorsModel;
import org.lowrank4j.formats.safetensors.SafetensorsWriter;
import org.lowrank4j.nn.GradientCheck;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.generate.DecoderCache;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.layers.RopeScaling;
import org.lowrank4j.nn.layers.RotaryEmbedding;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.weight.LowRankWeight;

/** Whole-model gradients, cached decoding, checkpoints and bad input for the LLaMA family. */
class LlamaModelTest {
    private static final Precision F64 = Precision.FLOAT64;
    private static final Precision F32 = Precision.FLOAT32;

    /** C=8, 4 query heads of 2 over 2 key/value heads (GQA), MLP 12, 2 layers, V=11, tied embeddings. */
    static HfConfig tiny() {
        return HfConfig.builder(HfArchitecture.LLAMA).hiddenSize(8).intermediateSize(12).numHiddenLayers(2).numAttentionHeads(4)
                .numKeyValueHeads(2).vocabSize(11).maxPositionEmbeddings(16).tieWordEmbeddings(true).build();
    }

    /** Qwen2 naming: q/k/v biases, untied lm_head. */
    static HfConfig tinyQwen2() {
        return HfConfig.builder(HfArchitecture.LLAMA).modelType("qwen2").hiddenSize(8).intermediateSize(12).numHiddenLayers(2)
                .numAttentionHeads(4).numKeyValueHeads(2).vocabSize(11).maxPositionEmbeddings(16).tieWordEmbeddings(false).build();
    }

    /** Qwen3: an RMSNorm over every query and key head before RoPE; heads of 4 (head_dim given), no biases, untied lm_head. */
    static HfConfig tinyQwen3() {
        return HfConfig.builder(HfArchitecture.LLAMA).modelType("qwen3").hiddenSize(8).intermediateSize(12).numHiddenLayers(2)
                .numAttentionHeads(4).numKeyValueHeads(2).headDim(4).vocabSize(11).maxPositionEmbeddings(16).tieWordEmbeddings(false).build();
    }

    static int[] ids(int n, int vocab, long seed) {
        Random random = new Random(seed);
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) {
            ids[i] = random.nextInt(vocab);
        }
        return ids;
    }

    static void gradientCheck(String label, LlamaModel model, long seed) {
        GradientCheck.randomize(model, new Random(seed), 0.4);
        int[] ids = ids(2 * 5, model.vocabSize(), seed + 1);
        double error = GradientCheck.check(label, () -> model.forward(ids, 2, 5), dy -> {
            model.backward(dy);
            return null;
        }, null, model.parameters(), seed + 2);
        assertThat(error).isLessThanOrEqualTo(GradientCheck.TOLERANCE);
    }

    @Test
    void runningTheFirstBlocksGivesTheirOutputOfTheFullPass() {
        LlamaModel model = LlamaModel.create(tiny(), F64);
        GradientCheck.randomize(model, new Random(21), 0.4);
        int[] ids = ids(2 * 5, model.vocabSize(), 22);
        var full = model.forwardHiddenStates(ids, 2, 5);
        assertThat(model.forwardBlocks(ids, 2, 5, 1).toDoubleArray()).containsExactly(full.get(0).toDoubleArray());
        assertThat(model.forwardBlocks(ids, 2, 5, 2).toDoubleArray()).containsExactly(full.get(1).toDoubleArray());
        assertThatThrownBy(() -> model.forwardBlocks(ids, 2, 5, 0)).hasMessageContaining("block count 0");
    }

    @Test
    void gradientsOfTiedGqaModelMatchFiniteDifferences() {
        LlamaModel model = LlamaModel.create(tiny(), F64);
        assertThat(model.tiedEmbeddings()).isTrue();
        gradientCheck("model LLaMA (GQA, tied embeddings)", model, 1);
    }

    @Test
    void gradientsOfQwen2WithBiasesMatchFiniteDifferences() {
        LlamaModel model = LlamaModel.create(tinyQwen2(), F64);
        assertThat(model.parameters()).extracting(Parameter::name).contains("model.layers.1.self_attn.k_proj.bias", "lm_head.weight");
        gradientCheck("model Qwen2 (q/k/v biases, untied head)", model, 11);
    }

    @Test
    void qwen3HeadNormsTrainSaveAndLoadUnderTheirHuggingFaceNames(@TempDir Path dir) throws IOException {
        LlamaModel model = LlamaModel.create(tinyQwen3(), F64);
        assertThat(model.block(0).attention().queryNorm().weight().name()).isEqualTo("model.layers.0.self_attn.q_norm.weight");
        assertThat(model.block(1).attention().keyNorm().weight().value().size()).isEqualTo(4);
        assertThat(model.block(0).attention().query().outFeatures()).isEqualTo(16); // 4 heads of head_dim 4, wider than C = 8
        gradientCheck("model Qwen3 (per-head q/k RMSNorm, head_dim 4 over C = 8)", model, 7);
        model.save(dir);
        try (SafetensorsModel saved = SafetensorsModel.open(dir)) {
            assertThat(saved.contains("model.layers.1.self_attn.k_norm.weight")).isTrue();
        }
        LlamaModel loaded = LlamaModel.load(dir, F64);
        int[] ids = ids(2 * 5, model.vocabSize(), 8);
        assertThat(GradientCheck.compare(loaded.forward(ids, 2, 5), model.forward(ids, 2, 5))).isLessThan(1e-6); // saved as float32
        // the norms are not the identity once trained: with them at 1 the logits move
        loaded.block(0).attention().queryNorm().weight().value().fill(1);
        assertThat(GradientCheck.compare(loaded.forward(ids, 2, 5), model.forward(ids, 2, 5))).isGreaterThan(1e-3);
        assertThatThrownBy(() -> new LlamaModel(tinyQwen3(), F32, false, java.util.Collections.nCopies(2, BlockShape.full(12, 4, 2))))
                .hasMessageContaining("narrowed heads are not supported");
        // nor can CSKV's shrunk keys or the tiled forward keep the per-head norms: both refuse the model
        assertThatThrownBy(() -> new org.lowrank4j.nn.cskv.CskvModel(model, java.util.Collections.nCopies(2, null), 4))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("qwen3");
        assertThatThrownBy(() -> org.lowrank4j.nn.stream.StreamingAttention.forward(model.block(0).attention(), Tensor.zeros(F64, 1, 3, 8), null,
                org.lowrank4j.nn.stream.Tiles.DEFAULT, new org.lowrank4j.nn.stream.TransientMemory()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("per-head query/key norms");
    }

    @Test
    void gradientsWithLowRankWeightsMatchFiniteDifferences() {
        LlamaModel model = LlamaModel.create(tiny(), F64);
        for (Map.Entry<String, Linear> site : model.linearSites().entrySet()) {
            Linear l = site.getValue();
            l.setWeight(LowRankWeight.zeros(l.name() + ".weight", l.outFeatures(), l.inFeatures(), 2, F64));
        }
        gradientCheck("model LLaMA, every linear low-rank (r=2)", model, 21);
    }

    @Test
    void linearSitesNameEveryProjection() {
        LlamaModel model = LlamaModel.create(tiny(), F64);
        assertThat(model.linearSites()).hasSize(2 * 7).containsKeys("block 0 attention.query", "block 1 mlp.down");
        assertThat(model.linearSites().get("block 1 attention.key").name()).isEqualTo("model.layers.1.self_attn.k_proj");
        assertThat(model.parameters()).extracting(Parameter::name).doesNotHaveDuplicates();
        // tied: embedding (88) + 2 × (norm 8 + q 64 + k 32 + v 32 + o 64 + norm 8 + MLP 3·96) + final norm 8
        assertThat(model.parameterCount()).isEqualTo(88 + 2 * 496 + 8);
    }

    @Test
    void cachedDecodingGivesTheFullForwardLogits() {
        for (HfConfig config : new HfConfig[] {tiny(), tinyQwen2(), tinyQwen3()}) {
            double worst = cachedDecodingError(config);
            System.out.printf("LLaMA %s: cached decoding vs full forward, max abs difference %.2e%n", config.modelType(), worst);
            assertThat(worst).isLessThan(1e-12);
        }
    }

    /**
     * A random float64 model of {@code config}, 2 sequences of 7 tokens: the largest difference between the full forward's
     * logits and those of cached decoding in steps of 3, 1, 1 and 2 tokens.
     */
    static double cachedDecodingError(HfConfig config) {
        LlamaModel model = LlamaModel.create(config, F64);
        GradientCheck.randomize(model, new Random(5), 0.4);
        int batch = 2, time = 7;
        int[] ids = ids(batch * time, model.vocabSize(), 6);
        Tensor full = model.forward(ids, batch, time); // (B,T,V)
        DecoderCache cache = model.newCache(batch, time);
        double worst = 0;
        int t = 0;
        for (int step : new int[] {3, 1, 1, 2}) { // a prompt of 3, then single tokens, then 2
            int[] chunk = new int[batch * step];
            for (int b = 0; b < batch; b++) {
                System.arraycopy(ids, b * time + t, chunk, b * step, step);
            }
            Tensor logits = model.decode(chunk, batch, step, cache);
            worst = Math.max(worst, maxDifference(full, logits, t, step));
            t += step;
        }
        assertThat(cache.length()).isEqualTo(time);
        return worst;
    }

    /** Largest |full[b, t0 + s, :] - part[b, s, :]|. */
    static double maxDifference(Tensor full, Tensor part, int t0, int steps) {
        int batch = full.dim(0), time = full.dim(1), vocab = full.dim(2);
        double worst = 0;
        for (int b = 0; b < batch; b++) {
            for (int s = 0; s < steps; s++) {
                for (int v = 0; v < vocab; v++) {
                    double d = full.get((b * time + t0 + s) * vocab + v) - part.get((b * steps + s) * vocab + v);
                    worst = Math.max(worst, Math.abs(d));
                }
            }
        }
        return worst;
    }

    @Test
    void saveThenLoadGivesIdenticalLogits(@TempDir Path dir) throws IOException {
        for (HfConfig config : new HfConfig[] {tiny(), tinyQwen2()}) {
            LlamaModel model = LlamaModel.create(config, F32);
            model.initialize(new Random(7));
            GradientCheck.randomize(model, new Random(8), 0.3); // biases and norms too
            Path folder = dir.resolve(config.modelType());
            model.save(folder);
            assertThat(folder.resolve("config.json")).exists();
            LlamaModel loaded = LlamaModel.load(folder, F32);
            int[] ids = ids(2 * 6, model.vocabSize(), 9);
            Tensor a = model.forward(ids, 2, 6), b = loaded.forward(ids, 2, 6);
            assertThat(b.toDoubleArray()).containsExactly(a.toDoubleArray());
            assertThat(loaded.config().modelType()).isEqualTo(config.modelType());
            assertThat(loaded.parameterCount()).isEqualTo(model.parameterCount());
        }
    }

    @Test
    void savingLowRankWeightsWritesThemMultipliedOut(@TempDir Path dir) throws IOException {
        LlamaModel model = LlamaModel.create(tiny(), F64);
        GradientCheck.randomize(model, new Random(3), 0.4);
        Linear site = model.linearSites().get("block 0 mlp.up");
        LowRankWeight lowRank = LowRankWeight.zeros("factor", site.outFeatures(), site.inFeatures(), 3, F64);
        GradientCheck.randomize(lowRank, new Random(4), 0.4);
        site.setWeight(lowRank);
        model.save(dir);
        LlamaModel loaded = LlamaModel.load(dir, F64);
        int[] ids = ids(5, model.vocabSize(), 2);
        double diff = GradientCheck.compare(model.forward(ids, 1, 5), loaded.forward(ids, 1, 5));
        assertThat(diff).isLessThan(1e-6); // float32 storage
    }

    @Test
    void missingTensorIsNamed(@TempDir Path dir) throws IOException {
        LlamaModel.create(tiny(), F32).save(dir);
        dropTensor(dir, "model.layers.1.mlp.down_proj.weight");
        assertThatThrownBy(() -> LlamaModel.load(dir, F32)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("missing tensor 'model.layers.1.mlp.down_proj.weight'");
        LlamaModel.create(tinyQwen2(), F32).save(dir);
        dropTensor(dir, "lm_head.weight");
        assertThatThrownBy(() -> LlamaModel.load(dir, F32)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("lm_head.weight");
    }

    @Test
    void shapeThatDoesNotMatchTheConfigIsNamed(@TempDir Path dir) throws IOException {
        LlamaModel.create(tiny(), F32).save(dir);
        HfConfig wider = HfConfig.builder(HfArchitecture.LLAMA).hiddenSize(8).intermediateSize(10).numHiddenLayers(2).numAttentionHeads(4)
                .numKeyValueHeads(2).vocabSize(11).maxPositionEmbeddings(16).tieWordEmbeddings(true).build();
        wider.write(dir.resolve("config.json"));
        assertThatThrownBy(() -> LlamaModel.load(dir, F32)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("model.layers.0.mlp.gate_proj.weight").hasMessageContaining("[10, 8]");
    }

    @Test
    void unknownOrForeignArchitectureIsRefused(@TempDir Path dir) throws IOException {
        LlamaModel.create(tiny(), F32).save(dir);
        String json = Files.readString(dir.resolve("config.json")).replace("\"llama\"", "\"mamba\"");
        Files.writeString(dir.resolve("config.json"), json);
        assertThatThrownBy(() -> LlamaModel.load(dir, F32)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("model_type")
                .hasMessageContaining("mamba");
        HfConfig gpt2 = HfConfig.builder(HfArchitecture.GPT2).hiddenSize(8).numHiddenLayers(1).numAttentionHeads(2).vocabSize(11).build();
        gpt2.write(dir.resolve("config.json"));
        assertThatThrownBy(() -> LlamaModel.load(dir, F32)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("model_type")
                .hasMessageContaining("gpt2");
    }

    /** C=16, 4 heads of 4 over 2 key/value heads, 2 layers, 64 positions, with the given rope_scaling (or rope_parameters). */
    static HfConfig scaled(String field, Map<String, Object> scaling) {
        return HfConfig.builder(HfArchitecture.LLAMA).hiddenSize(16).intermediateSize(12).numHiddenLayers(2).numAttentionHeads(4)
                .numKeyValueHeads(2).vocabSize(11).maxPositionEmbeddings(64).put(field, scaling).build();
    }

    private static final Map<String, Object> LLAMA3 = Map.of("rope_type", "llama3", "factor", 8.0, "low_freq_factor", 1.0,
            "high_freq_factor", 4.0, "original_max_position_embeddings", 16);

    @Test
    void ropeScalingSetsTheTablesEveryBlockShares(@TempDir Path dir) throws IOException {
        LlamaModel model = LlamaModel.create(scaled("rope_scaling", LLAMA3), F64);
        RotaryEmbedding rope = model.block(0).attention().rope();
        assertThat(model.block(1).attention().rope()).isSameAs(rope);
        double[] want = RopeScaling.of(model.config().raw().get("rope_scaling"), "rope_scaling", 4, 10000, 64).inverse();
        assertThat(want[1]).isLessThan(RotaryEmbedding.standardFrequencies(4, 10000)[1]); // the slow pair is scaled here
        for (int i = 0; i < 2; i++) {
            assertThat(rope.cos(0, 9, i)).isCloseTo(Math.cos(9 * want[i]), within(1e-15));
        }
        // the same scaling given the newer way, inside rope_parameters, and through a save and load
        LlamaModel nested = LlamaModel.create(scaled("rope_parameters", LLAMA3), F64);
        assertThat(nested.block(0).attention().rope().cos(0, 9, 1)).isEqualTo(rope.cos(0, 9, 1));
        GradientCheck.randomize(model, new Random(3), 0.4);
        int[] ids = ids(2 * 7, model.vocabSize(), 4);
        model.save(dir);
        LlamaModel loaded = LlamaModel.load(dir, F64);
        Tensor logits = model.forward(ids, 2, 7);
        assertThat(GradientCheck.compare(loaded.forward(ids, 2, 7), logits)).isLessThan(1e-6); // saved as float32
        LlamaModel plain = LlamaModel.create(scaled("rope_scaling", Map.of("rope_type", "default")), F64);
        for (int i = 0; i < model.parameters().size(); i++) {
            plain.parameters().get(i).value().copyFrom(model.parameters().get(i).value());
        }
        assertThat(GradientCheck.compare(plain.forward(ids, 2, 7), logits)).isGreaterThan(1e-3);
    }

    private static HfConfig windowed(String type, int layers, Map<String, Object> fields) {
        org.lowrank4j.formats.hf.HfConfigBuilder b = HfConfig.builder(HfArchitecture.LLAMA).modelType(type).hiddenSize(8).intermediateSize(12).numHiddenLayers(layers)
                .numAttentionHeads(2).vocabSize(11).maxPositionEmbeddings(64).put("sliding_window", 4);
        fields.forEach(b::put);
        return b.build();
    }

    /** Each block's sliding window (0: full attention). */
    static int[] windows(LlamaModel model) {
        int[] out = new int[model.config().numHiddenLayers()];
        for (int i = 0; i < out.length; i++) {
            out[i] = model.block(i).attention().window();
        }
        return out;
    }

    /** The logits of the last position of one sequence. */
    static double[] lastRow(LlamaModel model, int[] ids) {
        double[] all = model.forward(ids, 1, ids.length).toDoubleArray();
        return java.util.Arrays.copyOfRange(all, all.length - model.vocabSize(), all.length);
    }

    /** Largest |a[i] − b[i]|. */
    static double maxDifference(double[] a, double[] b) {
        double worst = 0;
        for (int i = 0; i < a.length; i++) {
            worst = Math.max(worst, Math.abs(a[i] - b[i]));
        }
        return worst;
    }

    /** Copies every parameter of {@code from} into the same-shaped {@code to} (the same layout, another config). */
    static void copyWeights(LlamaModel from, LlamaModel to) {
        for (int i = 0; i < from.parameters().size(); i++) {
            to.parameters().get(i).value().copyFrom(from.parameters().get(i).value());
        }
    }

    @Test
    void slidingWindowsMaskTheLayersHuggingFaceSays() {
        // Mistral: every layer slides; the model keeps its whole context
        LlamaModel mistral = LlamaModel.create(windowed("mistral", 2, Map.of()), F64);
        assertThat(windows(mistral)).containsExactly(4, 4);
        assertThat(mistral.maxPositions()).isEqualTo(64);
        assertThat(mistral.defaultWindow()).isEqualTo(64);
        // up to the window it is the plain causal model; past it, not
        LlamaModel plain = LlamaModel.create(windowed("llama", 2, Map.of()), F64);
        assertThat(windows(plain)).containsExactly(0, 0); // LLaMA has no window
        GradientCheck.randomize(mistral, new Random(3), 0.4);
        for (int i = 0; i < mistral.parameters().size(); i++) {
            plain.parameters().get(i).value().copyFrom(mistral.parameters().get(i).value());
        }
        int[] ids = ids(9, 11, 4);
        double[] windowedLogits = mistral.forward(ids, 1, 9).toDoubleArray(), causal = plain.forward(ids, 1, 9).toDoubleArray();
        assertThat(java.util.Arrays.copyOf(windowedLogits, 4 * 11)).containsExactly(java.util.Arrays.copyOf(causal, 4 * 11));
        assertThat(Math.abs(windowedLogits[8 * 11] - causal[8 * 11]) + Math.abs(windowedLogits[8 * 11 + 1] - causal[8 * 11 + 1])).isGreaterThan(1e-9);
        assertThat(cachedDecodingError(windowed("mistral", 2, Map.of()))).isLessThan(1e-12);
        // Qwen2 (and Qwen3): only with use_sliding_window, on the layers from max_window_layers on (28 by default)
        assertThat(windows(LlamaModel.create(windowed("qwen2", 3, Map.of("use_sliding_window", false)), F32))).containsExactly(0, 0, 0);
        assertThat(windows(LlamaModel.create(windowed("qwen2", 3, Map.of("use_sliding_window", true)), F32))).containsExactly(0, 0, 0);
        assertThat(windows(LlamaModel.create(windowed("qwen2", 3, Map.of("use_sliding_window", true, "max_window_layers", 1)), F32)))
                .containsExactly(0, 4, 4);
        assertThat(windows(LlamaModel.create(windowed("qwen2", 3, Map.of("use_sliding_window", false, "layer_types",
                List.of("sliding_attention", "sliding_attention", "sliding_attention"))), F32))).containsExactly(0, 0, 0);
        // layer_types, when listed, decide
        assertThat(windows(LlamaModel.create(windowed("mistral", 3, Map.of("layer_types", List.of("full_attention", "sliding_attention",
                "full_attention"))), F32))).containsExactly(0, 4, 0);
        assertThatThrownBy(() -> LlamaModel.create(windowed("mistral", 1, Map.of("sliding_window", 0)), F32)).hasMessageContaining("sliding_window");
        assertThat(LlamaModel.create(scaled("rope_scaling", LLAMA3), F32).defaultWindow()).isEqualTo(64);
        assertThat(org.lowrank4j.nn.generate.CausalLanguageModel.defaultWindow(131072)).isEqualTo(2048);
    }

    @Test
    void gradientsWithYarnScaledTablesMatchFiniteDifferences() {
        gradientCheck("model LLaMA (YaRN, attention factor 1.14)", LlamaModel.create(scaled("rope_scaling", Map.of("rope_type", "yarn", "factor", 4.0)), F64), 5);
    }

    @Test
    void unsupportedRopeScalingIsRefused() {
        assertThatThrownBy(() -> LlamaModel.create(scaled("rope_scaling", Map.of("rope_type", "dynamic", "factor", 2.0)), F32))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("config field rope_scaling has rope_type \"dynamic\"");
        assertThatThrownBy(() -> LlamaModel.create(scaled("rope_parameters", Map.of("rope_type", "llama3", "factor", 8.0)), F32))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("config field rope_parameters (rope_type llama3) needs");
        HfConfig partial = HfConfig.builder(HfArchitecture.LLAMA).hiddenSize(16).intermediateSize(12).numHiddenLayers(1).numAttentionHeads(4)
                .vocabSize(11).put("partial_rotary_factor", 0.5).build();
        assertThatThrownBy(() -> LlamaModel.create(partial, F32)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("config field partial_rotary_factor = 0.5 is not supported");
    }

    @Test
    void float32ForwardAgreesWithFloat64() {
        LlamaModel wide = LlamaModel.create(tinyQwen2(), F64), narrow = LlamaModel.create(tinyQwen2(), F32);
        GradientCheck.randomize(wide, new Random(12), 0.4);
        for (int i = 0; i < wide.parameters().size(); i++) {
            narrow.parameters().get(i).value().copyFrom(wide.parameters().get(i).value());
        }
        int[] ids = ids(2 * 6, wide.vocabSize(), 13);
        double error = GradientCheck.compare(narrow.forward(ids, 2, 6), wide.forward(ids, 2, 6));
        System.out.printf("LLaMA float32 vs float64 logits: relative difference %.2e%n", error);
        assertThat(error).isLessThan(1e-5);
    }

    /** Rewrites the folder's model.safetensors without one tensor. */
    static void dropTensor(Path dir, String name) throws IOException {
        Map<String, float[]> values = new LinkedHashMap<>();
        Map<String, long[]> shapes = new LinkedHashMap<>();
        try (SafetensorsModel source = SafetensorsModel.open(dir)) {
            for (String n : source.names()) {
                values.put(n, source.readFloats(n));
                shapes.put(n, source.info(n).shape());
            }
        }
        assertThat(values).containsKey(name);
        SafetensorsWriter writer = new SafetensorsWriter();
        values.forEach((n, v) -> {
            if (!n.equals(name)) {
                writer.add(n, shapes.get(n), v);
            }
        });
        writer.write(dir.resolve("model.safetensors"));
    }
}
