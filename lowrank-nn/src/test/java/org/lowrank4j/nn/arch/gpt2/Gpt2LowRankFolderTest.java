package org.lowrank4j.nn.arch.gpt2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank4j.formats.safetensors.SafetensorsDtype;
import org.lowrank4j.formats.safetensors.SafetensorsModel;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.weight.DenseWeight;
import org.lowrank4j.nn.weight.LowRankWeight;

/**
 * GPT-2's low-rank checkpoint ({@link Gpt2Model#saveFactors}): factorised projections come back as the same factors,
 * dense ones as they were, q/k/v fused while all dense and apart otherwise, and the reloaded model's logits are the
 * written model's.
 */
class Gpt2LowRankFolderTest {

    private static Gpt2Model model(long seed) {
        Gpt2Model m = new Gpt2Model(Gpt2ModelTest.tiny(), Precision.FLOAT32);
        m.initialize(new Random(seed));
        return m;
    }

    /** Replaces a site's weight by random rank-r factors. */
    static void factorise(Linear linear, int rank, Random random) {
        LowRankWeight w = LowRankWeight.zeros(linear.name(), linear.outFeatures(), linear.inFeatures(), rank, Precision.FLOAT32);
        for (Tensor t : new Tensor[] {w.left().value(), w.right().value()}) {
            for (int i = 0; i < t.size(); i++) {
                t.set(i, 0.2 * random.nextGaussian());
            }
        }
        linear.setWeight(w);
    }

    @Test
    void factorsRoundTripAndTheReloadedModelGivesTheSameLogits(@TempDir Path dir) throws Exception {
        Gpt2Model model = model(3);
        Map<String, Linear> sites = model.linearSites();
        Random random = new Random(9);
        factorise(sites.get("block 0 attention.key"), 3, random);   // one of q/k/v: the block's c_attn is stored apart
        factorise(sites.get("block 1 mlp.up"), 4, random);
        factorise(sites.get("block 1 attention.output"), 2, random);
        model.saveFactors(dir, SafetensorsDtype.F32);

        try (SafetensorsModel st = SafetensorsModel.open(dir)) {
            assertThat(st.contains("transformer.h.0.attn.c_attn.weight")).isFalse();
            assertThat(st.contains("transformer.h.0.attn.c_attn.k.lowrank_A")).isTrue();
            assertThat(st.contains("transformer.h.0.attn.c_attn.q.weight")).isTrue();
            assertThat(st.contains("transformer.h.1.attn.c_attn.weight")).isTrue(); // block 1's q/k/v are dense: fused
            assertThat(st.contains("transformer.h.1.mlp.c_fc.weight")).isFalse();
        }
        Gpt2Model loaded = Gpt2Model.load(dir, Precision.FLOAT32);
        for (Map.Entry<String, Linear> e : sites.entrySet()) {
            Linear back = loaded.linearSites().get(e.getKey());
            assertThat(back.weight().getClass()).as(e.getKey()).isEqualTo(e.getValue().weight().getClass());
            if (back.weight() instanceof LowRankWeight f) {
                assertThat(f.rank()).isEqualTo(((LowRankWeight) e.getValue().weight()).rank());
            } else {
                assertThat(back.weight()).isInstanceOf(DenseWeight.class);
            }
        }
        int[] ids = Gpt2ModelTest.ids(12, 11, 5);
        Tensor a = model.forward(ids, 1, 12), b = loaded.forward(ids, 1, 12);
        double max = 0;
        for (int i = 0; i < a.size(); i++) {
            max = Math.max(max, Math.abs(a.get(i) - b.get(i)));
        }
        assertThat(max).isLessThan(1e-6);

        // the same model multiplied out (save) gives the same logits through Hugging Face's fused layout
        Path merged = Files.createDirectories(dir.resolve("merged"));
        model.save(merged);
        Tensor c = Gpt2Model.load(merged, Precision.FLOAT32).forward(ids, 1, 12);
        for (int i = 0; i < a.size(); i++) {
            assertThat(Math.abs(a.get(i) - c.get(i))).isLessThan(1e-4);
        }
    }

    @Test
    void aLoneFactorIsRefusedNamingTheTensor(@TempDir Path dir) throws Exception {
        Gpt2Model model = model(4);
        factorise(model.linearSites().get("block 0 mlp.down"), 2, new Random(1));
        model.saveFactors(dir, SafetensorsDtype.F32);
        Path rewritten = Files.createDirectories(dir.resolve("bad"));
        try (SafetensorsModel st = SafetensorsModel.open(dir)) {
            java.util.Map<String, Tensor> keep = new java.util.LinkedHashMap<>();
            for (String name : st.names()) {
                if (!name.endsWith("mlp.c_proj.lowrank_B") || !name.contains("h.0.")) {
                    long[] shape = st.info(name).shape();
                    int[] dims = java.util.Arrays.stream(shape).mapToInt(x -> (int) x).toArray();
                    Tensor t = Tensor.zeros(Precision.FLOAT32, dims);
                    org.lowrank4j.nn.generate.HfCheckpoint.read(st, name, t);
                    keep.put(name, t);
                }
            }
            org.lowrank4j.nn.generate.HfCheckpoint.write(rewritten, model.config(), keep, SafetensorsDtype.F32);
        }
        assertThatThrownBy(() -> Gpt2Model.load(rewritten, Precision.FLOAT32)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("transformer.h.0.mlp.c_proj.lowrank_A").hasMessageContaining("no matching");
    }
}
