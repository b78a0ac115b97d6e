package org.lowrank4j.nn.arch.llama;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank4j.formats.hf.HfArchitecture;
import org.lowrank4j.formats.hf.HfConfig;
import org.lowrank4j.formats.safetensors.SafetensorsModel;
import org.lowrank4j.formats.safetensors.SafetensorsWriter;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.weight.DenseWeight;
import org.lowrank4j.nn.weight.LowRankWeight;

/** The low-rank decoder folder: a round trip that keeps logits exactly, its manifest, and each bad input as one clear message. */
class LowRankFolderTest {
    private static final String Q0 = "model.layers.0.self_attn.q_proj";

    /** C=16, 2 layers, MLP 24, GQA 4 over 2 heads, V=20, untied head (so lm_head stays a dense tensor in the file). */
    static HfConfig config() {
        return HfConfig.builder(HfArchitecture.LLAMA).hiddenSize(16).intermediateSize(24).numHiddenLayers(2).numAttentionHeads(4)
                .numKeyValueHeads(2).vocabSize(20).maxPositionEmbeddings(12).tieWordEmbeddings(false).build();
    }

    /** A random model with every block projection but the key and up projections factorised at rank 3 + block. */
    static LlamaModel factorised() {
        LlamaModel model = LlamaModel.create(config(), Precision.FLOAT32);
        model.initialize(new Random(7));
        Random random = new Random(8);
        model.linearSites().forEach((site, linear) -> {
            if (!site.endsWith("key") && !site.endsWith("up")) {
                int rank = 3 + Integer.parseInt(site.split(" ")[1]);
                linear.setWeight(new LowRankWeight(
                        new Parameter(linear.name() + ".A", Tensor.gaussian(Precision.FLOAT32, random, 0.3, linear.outFeatures(), rank)),
                        new Parameter(linear.name() + ".B", Tensor.gaussian(Precision.FLOAT32, random, 0.3, rank, linear.inFeatures()))));
            }
        });
        return model;
    }

    private static Path write(LlamaModel model, Path out) throws IOException {
        LowRankFolder.write(model, out, null, LowRankFolder.describe(model, "dense-source", "svd", "uniform", 0.3));
        return out;
    }

    @Test
    void aRoundTripLoadsTheSameFactorsAndGivesIdenticalLogits(@TempDir Path dir) throws IOException {
        LlamaModel model = factorised();
        Path out = write(model, dir.resolve("lr"));
        assertThat(out.resolve("config.json")).exists();
        try (SafetensorsModel file = SafetensorsModel.open(out)) {
            assertThat(file.names()).contains(Q0 + ".lowrank_A", Q0 + ".lowrank_B", "model.layers.0.self_attn.k_proj.weight", "lm_head.weight")
                    .doesNotContain(Q0 + ".weight");
            assertThat(file.info(Q0 + ".lowrank_A").shape()).containsExactly(16, 3);
            assertThat(file.info(Q0 + ".lowrank_B").shape()).containsExactly(3, 16);
        }

        LlamaModel loaded = LlamaModel.load(out, Precision.FLOAT32);
        Map<String, Linear> sites = loaded.linearSites();
        assertThat(sites.get("block 1 mlp.down").weight()).isInstanceOfSatisfying(LowRankWeight.class, w -> assertThat(w.rank()).isEqualTo(4));
        assertThat(sites.get("block 0 attention.key").weight()).isInstanceOf(DenseWeight.class);
        assertThat(loaded.parameterCount()).isEqualTo(model.parameterCount());
        int[] ids = LlamaModelTest.ids(2 * 9, 20, 3);
        Tensor expected = model.forward(ids, 2, 9), actual = loaded.forward(ids, 2, 9);
        for (int i = 0; i < expected.size(); i++) {
            assertThat(actual.get(i)).isEqualTo(expected.get(i));
        }

        LowRankFolder.Manifest m = LowRankFolder.readManifest(out).orElseThrow();
        assertThat(m.method()).isEqualTo("svd");
        assertThat(m.source()).isEqualTo("dense-source");
        assertThat(m.ranks()).containsEntry(Q0, 3).containsEntry("model.layers.1.mlp.down_proj", 4).hasSize(10);
        assertThat(m.denseSites()).contains("model.layers.0.self_attn.k_proj", "model.layers.1.mlp.up_proj").hasSize(4);
        assertThat(m.parametersModelAfter()).isEqualTo(model.parameterCount());
        long before = 0;
        for (Linear l : sites.values()) {
            before += (long) l.outFeatures() * l.inFeatures();
        }
        assertThat(m.parametersTargetedBefore()).isEqualTo(before);
        assertThat(m.parametersModelBefore() - m.parametersModelAfter()).isEqualTo(before - m.parametersTargetedAfter());
        assertThat(m.ratioTargetedLayers()).isCloseTo(1 - (double) m.parametersTargetedAfter() / before, org.assertj.core.data.Offset.offset(1e-12));

        // Writing again replaces an earlier low-rank folder; the folder's own model and tokenizer are not inputs.
        write(loaded, out);
        assertThat(LlamaModel.load(out, Precision.FLOAT32).parameterCount()).isEqualTo(model.parameterCount());
        try (var entries = Files.list(dir)) {
            assertThat(entries.map(p -> p.getFileName().toString())).containsExactly("lr"); // no temporary folder left behind
        }
    }

    @Test
    void theOutputIsNeverAnInputNorAForeignFolder(@TempDir Path dir) throws IOException {
        LlamaModel model = factorised();
        Path dense = Files.createDirectories(dir.resolve("dense"));
        model.save(dense);
        assertThatThrownBy(() -> write(model, dense)).hasMessageContaining("is not a low-rank model folder written by lowrank4j");
        Path before = dense.resolve("model.safetensors");
        assertThatThrownBy(() -> LowRankFolder.write(model, dense, null, LowRankFolder.describe(model, "x", "svd", "uniform", 0.3), dense))
                .hasMessageContaining("is (or holds) the input");
        assertThatThrownBy(() -> LowRankFolder.write(model, dir, null, LowRankFolder.describe(model, "x", "svd", "uniform", 0.3), dense))
                .hasMessageContaining("is (or holds) the input");
        assertThat(before).exists();
        assertThat(LlamaModel.load(dense, Precision.FLOAT32).linearSites().get("block 0 attention.query").weight()).isInstanceOf(DenseWeight.class);
        assertThatThrownBy(() -> write(model, dir.resolve("missing").resolve("lr"))).hasMessageContaining("does not exist; create it first");
    }

    @Test
    void aNewerManifestVersionIsRefused(@TempDir Path dir) throws IOException {
        Path out = write(factorised(), dir.resolve("lr"));
        Path manifest = out.resolve(LowRankFolder.MANIFEST);
        Files.writeString(manifest, Files.readString(manifest).replace("\"format_version\" : 1", "\"format_version\" : 9"));
        assertThatThrownBy(() -> LlamaModel.load(out, Precision.FLOAT32)).hasMessageContaining("format_version 9");
    }

    /** Rewrites the folder's safetensors with {@code edit} applied to its name -> (shape, values) map. */
    private static Path edited(Path dir, String name, Consumer<Map<String, Object[]>> edit) throws IOException {
        Path out = write(factorised(), dir.resolve(name));
        Map<String, Object[]> tensors = new LinkedHashMap<>();
        try (SafetensorsModel file = SafetensorsModel.open(out)) {
            for (String n : file.names()) {
                tensors.put(n, new Object[] {file.info(n).shape(), file.readFloats(n)});
            }
        }
        edit.accept(tensors);
        SafetensorsWriter writer = new SafetensorsWriter();
        tensors.forEach((n, t) -> writer.add(n, (long[]) t[0], (float[]) t[1]));
        writer.write(out.resolve("model.safetensors"));
        return out;
    }

    @Test
    void badFactorsAreOneClearMessageNamingTheTensor(@TempDir Path dir) throws IOException {
        Path lonely = edited(dir, "lonely", t -> t.remove(Q0 + ".lowrank_B"));
        assertThatThrownBy(() -> LlamaModel.load(lonely, Precision.FLOAT32)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("tensor '" + Q0 + ".lowrank_A'").hasMessageContaining("no matching '" + Q0 + ".lowrank_B'");

        Path wrongOut = edited(dir, "wrong-out", t -> t.put(Q0 + ".lowrank_A", new Object[] {new long[] {15, 3}, new float[45]}));
        assertThatThrownBy(() -> LlamaModel.load(wrongOut, Precision.FLOAT32)).hasMessageContaining("tensor '" + Q0 + ".lowrank_A'")
                .hasMessageContaining("[15, 3]").hasMessageContaining("[16, r] was expected");

        Path wrongIn = edited(dir, "wrong-in", t -> t.put(Q0 + ".lowrank_B", new Object[] {new long[] {3, 12}, new float[36]}));
        assertThatThrownBy(() -> LlamaModel.load(wrongIn, Precision.FLOAT32)).hasMessageContaining("tensor '" + Q0 + ".lowrank_B'")
                .hasMessageContaining("[3, 12]").hasMessageContaining("[3, 16] was expected");

        // k_proj is 8x16: rank 9 > min(out, in) = 8
        String k = "model.layers.0.self_attn.k_proj";
        Path tooHigh = edited(dir, "too-high", t -> {
            t.remove(k + ".weight");
            t.put(k + ".lowrank_A", new Object[] {new long[] {8, 9}, new float[72]});
            t.put(k + ".lowrank_B", new Object[] {new long[] {9, 16}, new float[144]});
        });
        assertThatThrownBy(() -> LlamaModel.load(tooHigh, Precision.FLOAT32)).hasMessageContaining("tensor '" + k + ".lowrank_A'")
                .hasMessageContaining("rank 9").hasMessageContaining("min(out, in)");

        Path both = edited(dir, "both", t -> t.put(Q0 + ".weight", new Object[] {new long[] {16, 16}, new float[256]}));
        assertThatThrownBy(() -> LlamaModel.load(both, Precision.FLOAT32)).hasMessageContaining("holds both '" + Q0 + ".weight'");

        Path foreign = edited(dir, "foreign", t -> {
            t.put("model.layers.7.mlp.up_proj.lowrank_A", new Object[] {new long[] {24, 2}, new float[48]});
            t.put("model.layers.7.mlp.up_proj.lowrank_B", new Object[] {new long[] {2, 16}, new float[32]});
        });
        assertThatThrownBy(() -> LlamaModel.load(foreign, Precision.FLOAT32)).hasMessageContaining("model.layers.7.mlp.up_proj.lowrank_A")
                .hasMessageContaining("does not belong to a block projection");
    }
}
