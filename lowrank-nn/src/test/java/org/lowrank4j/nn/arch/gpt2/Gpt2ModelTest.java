package org.lowrank4j.nn.arch.gpt2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
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
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;

/** Whole-model gradients, cached decoding, the Conv1D / fused-qkv checkpoint layout and bad input for GPT-2. */
class Gpt2ModelTest {
    private static final Precision F64 = Precision.FLOAT64;
    private static final Precision F32 = Precision.FLOAT32;

    /** C=8, 2 heads, MLP 4C, 2 layers, V=11, 16 positions, tied. */
    static HfConfig tiny() {
        return HfConfig.builder(HfArchitecture.GPT2).hiddenSize(8).numHiddenLayers(2).numAttentionHeads(2).vocabSize(11)
                .maxPositionEmbeddings(16).build();
    }

    static int[] ids(int n, int vocab, long seed) {
        Random random = new Random(seed);
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) {
            ids[i] = random.nextInt(vocab);
        }
        return ids;
    }

    @Test
    void gradientsMatchFiniteDifferences() {
        Gpt2Model model = new Gpt2Model(tiny(), F64);
        assertThat(model.tiedEmbeddings()).isTrue();
        GradientCheck.randomize(model, new Random(1), 0.4);
        int[] ids = ids(2 * 5, model.vocabSize(), 2);
        double error = GradientCheck.check("model GPT-2 (tied wte, wpe)", () -> model.forward(ids, 2, 5), dy -> {
            model.backward(dy);
            return null;
        }, null, model.parameters(), 3);
        assertThat(error).isLessThanOrEqualTo(GradientCheck.TOLERANCE);
    }

    @Test
    void sitesAndParameters() {
        Gpt2Model model = new Gpt2Model(tiny(), F64);
        assertThat(model.linearSites()).hasSize(2 * 6).containsKeys("block 0 attention.value", "block 1 mlp.up");
        assertThat(model.parameters()).extracting(Parameter::name).doesNotHaveDuplicates();
        // wte 88 + wpe 128 + 2 × (ln 16 + qkv 3·72 + proj 72 + ln 16 + fc 8·32+32 + proj 32·8+8) + ln_f 16
        assertThat(model.parameterCount()).isEqualTo(88 + 128 + 2 * (16 + 216 + 72 + 16 + 288 + 264) + 16);
    }

    @Test
    void cachedDecodingGivesTheFullForwardLogits() {
        Gpt2Model model = new Gpt2Model(tiny(), F64);
        GradientCheck.randomize(model, new Random(5), 0.4);
        double worst = cachedDecodingError(model, 6);
        System.out.printf("GPT-2: cached decoding vs full forward, max abs difference %.2e%n", worst);
        assertThat(worst).isLessThan(1e-12);
    }

    /** The largest difference between a full forward of 2 × 7 random tokens and decoding them in chunks of 3, 1, 1, 2. */
    static double cachedDecodingError(Gpt2Model model, long seed) {
        int batch = 2, time = 7;
        int[] ids = ids(batch * time, model.vocabSize(), seed);
        Tensor full = model.forward(ids, batch, time);
        DecoderCache cache = model.newCache(batch, time);
        double worst = 0;
        int t = 0;
        for (int step : new int[] {3, 1, 1, 2}) {
            int[] chunk = new int[batch * step];
            for (int b = 0; b < batch; b++) {
                System.arraycopy(ids, b * time + t, chunk, b * step, step);
            }
            worst = Math.max(worst, maxDifference(full, model.decode(chunk, batch, step, cache), t, step));
            t += step;
        }
        return worst;
    }

    static double maxDifference(Tensor full, Tensor part, int t0, int steps) {
        int batch = full.dim(0), time = full.dim(1), vocab = full.dim(2);
        double worst = 0;
        for (int b = 0; b < batch; b++) {
            for (int s = 0; s < steps; s++) {
                for (int v = 0; v < vocab; v++) {
                    worst = Math.max(worst, Math.abs(full.get((b * time + t0 + s) * vocab + v) - part.get((b * steps + s) * vocab + v)));
                }
            }
        }
        return worst;
    }

    @Test
    void saveThenLoadGivesIdenticalLogits(@TempDir Path dir) throws IOException {
        Gpt2Model model = new Gpt2Model(tiny(), F32);
        GradientCheck.randomize(model, new Random(8), 0.3);
        model.save(dir);
        Gpt2Model loaded = Gpt2Model.load(dir, F32);
        int[] ids = ids(2 * 6, model.vocabSize(), 9);
        assertThat(loaded.forward(ids, 2, 6).toDoubleArray()).containsExactly(model.forward(ids, 2, 6).toDoubleArray());
    }

    @Test
    void checkpointUsesTheHuggingFaceConv1DLayout(@TempDir Path dir) throws IOException {
        Gpt2Model model = new Gpt2Model(tiny(), F32);
        GradientCheck.randomize(model, new Random(8), 0.3);
        model.save(dir);
        Linear key = model.linearSites().get("block 1 attention.key");     // (8 out, 8 in)
        Linear fc = model.linearSites().get("block 0 mlp.up");              // (32 out, 8 in)
        try (SafetensorsModel file = SafetensorsModel.open(dir)) {
            assertThat(file.info("transformer.h.1.attn.c_attn.weight").shape()).containsExactly(8, 24);
            assertThat(file.info("transformer.h.0.mlp.c_fc.weight").shape()).containsExactly(8, 32);
            float[] fused = file.readFloats("transformer.h.1.attn.c_attn.weight");
            float[] fusedBias = file.readFloats("transformer.h.1.attn.c_attn.bias");
            float[] conv = file.readFloats("transformer.h.0.mlp.c_fc.weight");
            Tensor wk = key.weight().toDense(), wfc = fc.weight().toDense();
            assertThat((double) fused[3 * 24 + 8 + 5]).isEqualTo(wk.get(5 * 8 + 3));   // k[out 5][in 3] at row 3, column C + 5
            assertThat((double) fusedBias[8 + 2]).isEqualTo(key.bias().value().get(2));
            assertThat((double) conv[6 * 32 + 17]).isEqualTo(wfc.get(17 * 8 + 6));    // fc[out 17][in 6] at row 6, column 17
            assertThat(file.contains("lm_head.weight")).isFalse();
        }
    }

    @Test
    void loadsNamesWithoutTheTransformerPrefix(@TempDir Path dir) throws IOException {
        Gpt2Model model = new Gpt2Model(tiny(), F32);
        GradientCheck.randomize(model, new Random(4), 0.3);
        model.save(dir);
        rewrite(dir, null, "transformer.");
        Gpt2Model loaded = Gpt2Model.load(dir, F32);
        int[] ids = ids(4, model.vocabSize(), 9);
        assertThat(loaded.forward(ids, 1, 4).toDoubleArray()).containsExactly(model.forward(ids, 1, 4).toDoubleArray());
    }

    @Test
    void missingTensorWrongShapeAndForeignConfigAreNamed(@TempDir Path dir) throws IOException {
        new Gpt2Model(tiny(), F32).save(dir);
        rewrite(dir, "transformer.h.1.attn.c_attn.bias", null);
        assertThatThrownBy(() -> Gpt2Model.load(dir, F32)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("missing tensor 'transformer.h.1.attn.c_attn.bias'");
        new Gpt2Model(tiny(), F32).save(dir);
        HfConfig longer = HfConfig.builder(HfArchitecture.GPT2).hiddenSize(8).numHiddenLayers(2).numAttentionHeads(2).vocabSize(11)
                .maxPositionEmbeddings(32).build();
        longer.write(dir.resolve("config.json"));
        assertThatThrownBy(() -> Gpt2Model.load(dir, F32)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("transformer.wpe.weight").hasMessageContaining("[32, 8]");
        String json = Files.readString(dir.resolve("config.json")).replace("\"gpt2\"", "\"gpt_neox\"");
        Files.writeString(dir.resolve("config.json"), json);
        assertThatThrownBy(() -> Gpt2Model.load(dir, F32)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("model_type")
                .hasMessageContaining("gpt_neox");
        HfConfig llama = HfConfig.builder(HfArchitecture.LLAMA).hiddenSize(8).intermediateSize(8).numHiddenLayers(1).numAttentionHeads(2)
                .vocabSize(11).build();
        assertThatThrownBy(() -> new Gpt2Model(llama, F32)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("model_type")
                .hasMessageContaining("llama");
    }

    /** Rewrites the folder's model.safetensors without tensor {@code drop} (may be null) and names without the prefix {@code strip} (may be null). */
    static void rewrite(Path dir, String drop, String strip) throws IOException {
        Map<String, float[]> values = new LinkedHashMap<>();
        Map<String, long[]> shapes = new LinkedHashMap<>();
        try (SafetensorsModel source = SafetensorsModel.open(dir)) {
            for (String n : source.names()) {
                values.put(n, source.readFloats(n));
                shapes.put(n, source.info(n).shape());
            }
        }
        SafetensorsWriter writer = new SafetensorsWriter();
        values.forEach((n, v) -> {
            if (!n.equals(drop)) {
                writer.add(strip != null && n.startsWith(strip) ? n.substring(strip.length()) : n, shapes.get(n), v);
            }
        });
        writer.write(dir.resolve("model.safetensors"));
    }
}
