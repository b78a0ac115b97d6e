package org.lowrank4j.nn.arch.mamba;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank4j.nn.GradientCheck;
import org.lowrank4j.nn.generate.DecoderCache;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.weight.LowRankWeight;

/** The Mamba language model: folder round trip, recurrent decoding against the parallel forward, config errors. */
class MambaModelTest {
    private static final MambaConfig TINY = MambaConfig.of(16, 2, 4, 24);

    private static MambaModel tiny(Precision precision, long seed) {
        MambaModel model = MambaModel.create(TINY, precision);
        model.initialize(new Random(seed));
        return model;
    }

    private static int[] ids(int count, long seed) {
        Random random = new Random(seed);
        int[] out = new int[count];
        for (int i = 0; i < count; i++) {
            out[i] = random.nextInt(256);
        }
        return out;
    }

    @Test
    void pinnedWeightsDecodeExactlyAsUnpinned() {
        MambaModel model = tiny(Precision.FLOAT32, 2);
        int[] prompt = ids(6, 3);
        double[] plain = model.decode(prompt, 1, prompt.length, model.newCache(1, 16)).toDoubleArray();
        try (org.lowrank4j.nn.generate.PinnedWeights pinned = org.lowrank4j.nn.generate.PinnedWeights.of(model)) {
            assertThat(pinned.count()).isPositive();
            assertThat(model.decode(prompt, 1, prompt.length, model.newCache(1, 16)).toDoubleArray()).containsExactly(plain);
        }
    }

    @Test
    void saveThenLoadGivesTheSameLogits(@TempDir Path dir) throws IOException {
        MambaModel model = tiny(Precision.FLOAT32, 1);
        model.mixer(1).xProj().setWeight(LowRankWeight.zeros(model.mixer(1).xProj().name(), 9, 32, 3, Precision.FLOAT32));
        model.mixer(1).xProj().weight().parameters().forEach(p -> {
            for (int i = 0; i < p.size(); i++) {
                p.value().set(i, 0.1 * Math.sin(i + 1));
            }
        });
        int[] ids = ids(2 * 20, 2);
        Tensor before = model.forward(ids, 2, 20);
        model.save(dir.resolve("m"));
        MambaModel loaded = MambaModel.load(dir.resolve("m"), Precision.FLOAT32);
        assertThat(loaded.mixer(1).xProj().weight()).isInstanceOf(LowRankWeight.class);
        assertThat(loaded.parameterCount()).isEqualTo(model.parameterCount());
        Tensor after = loaded.forward(ids, 2, 20);
        assertThat(after.toDoubleArray()).containsExactly(before.toDoubleArray());
    }

    @Test
    void recurrentDecodingEqualsTheParallelForward() {
        MambaModel model = tiny(Precision.FLOAT64, 3);
        int batch = 2, time = 12;
        int[] ids = ids(batch * time, 4);
        Tensor full = model.forward(ids, batch, time);
        // a prefill of 5 positions, then one position at a time
        DecoderCache cache = model.newCache(batch, time);
        Tensor decoded = Tensor.zeros(Precision.FLOAT64, batch, time, 256);
        int prefill = 5;
        int[] first = new int[batch * prefill];
        for (int b = 0; b < batch; b++) {
            System.arraycopy(ids, b * time, first, b * prefill, prefill);
        }
        copyRows(model.decode(first, batch, prefill, cache), decoded, batch, prefill, 0, time);
        for (int t = prefill; t < time; t++) {
            int[] one = {ids[t], ids[time + t]};
            copyRows(model.decode(one, batch, 1, cache), decoded, batch, 1, t, time);
        }
        double error = GradientCheck.compare(decoded, full);
        System.out.printf("Mamba decode vs forward: relative difference %.2e%n", error);
        assertThat(error).isLessThan(1e-12);
        assertThat(cache.length()).isEqualTo(time);
    }

    private static void copyRows(Tensor part, Tensor whole, int batch, int time, int offset, int wholeTime) {
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < time; t++) {
                for (int v = 0; v < 256; v++) {
                    whole.set((b * wholeTime + offset + t) * 256 + v, part.get((b * time + t) * 256 + v));
                }
            }
        }
    }

    @Test
    void modelGradientsMatchFiniteDifferences() {
        MambaModel model = tiny(Precision.FLOAT64, 5);
        int[] ids = ids(2 * 5, 6);
        GradientCheck.check("Mamba LM (2 layers, tied embeddings)", () -> model.forward(ids, 2, 5), dy -> {
            model.backward(dy);
            return null;
        }, null, model.parameters(), 7);
    }

    @Test
    void aConfigWithoutMambaFieldsIsNamed(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("config.json"), "{\"model_type\": \"mamba\", \"hidden_size\": 16, \"num_hidden_layers\": 2}");
        assertThatThrownBy(() -> MambaConfig.read(dir)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("lacks the Mamba field state_size");
        assertThat(MambaConfig.isMambaFolder(dir)).isTrue();
    }

    @Test
    void aLongerSequenceThanTheContextIsRefused() {
        MambaModel model = tiny(Precision.FLOAT32, 1);
        assertThatThrownBy(() -> model.forward(ids(30, 1), 1, 30)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("max_position_embeddings = 24");
    }
}
