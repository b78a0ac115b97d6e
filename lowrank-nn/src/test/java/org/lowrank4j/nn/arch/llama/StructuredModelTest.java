package org.lowrank4j.nn.arch.llama;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank4j.formats.hf.HfArchitecture;
import org.lowrank4j.formats.hf.HfConfig;
import org.lowrank4j.nn.GradientCheck;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.generate.DecoderCache;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;

/** Narrowed blocks (MoDeGPT's shapes): kept RoPE pairs at their frequencies, Dqk ≠ Dvo, caching, gradients, folders. */
class StructuredModelTest {
    private static final Precision F64 = Precision.FLOAT64;

    /** C=16, 4 query heads of 4 over 2 key/value heads, MLP 12, 2 layers, V=13. */
    static HfConfig config() {
        return HfConfig.builder(HfArchitecture.LLAMA).hiddenSize(16).intermediateSize(12).numHiddenLayers(2).numAttentionHeads(4)
                .numKeyValueHeads(2).vocabSize(13).maxPositionEmbeddings(16).tieWordEmbeddings(true).build();
    }

    private static int[] ids(int n, int vocab, long seed) {
        Random random = new Random(seed);
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) {
            ids[i] = random.nextInt(vocab);
        }
        return ids;
    }

    /**
     * The original model with the query/key rows of every pair outside {@code pairs[g]} zeroed (per key/value head g), and
     * the narrowed model holding only the kept rows: their scores are the same sums, so the logits must agree exactly when
     * each kept pair rotates at its own original frequency.
     */
    private static LlamaModel[] planted(int[][] pairs, int[][] rotateAs) {
        HfConfig config = config();
        LlamaModel original = LlamaModel.create(config, F64);
        GradientCheck.randomize(original, new Random(3), 0.5);
        int d = config.headDim(), half = d / 2, group = 2;
        List<BlockShape> shapes = new ArrayList<>();
        for (int l = 0; l < 2; l++) {
            shapes.add(new BlockShape(12, 2 * pairs[0].length, d, rotateAs));
        }
        LlamaModel narrowed = new LlamaModel(config, F64, false, shapes);
        Map<String, Tensor> byName = new HashMap<>();
        for (Parameter p : original.parameters()) {
            byName.put(p.name(), p.value());
        }
        for (int l = 0; l < 2; l++) {
            for (String proj : new String[] {"q_proj", "k_proj"}) {
                Tensor w = byName.get("model.layers." + l + ".self_attn." + proj + ".weight");
                int heads = proj.equals("q_proj") ? 4 : 2, c = 16;
                for (int h = 0; h < heads; h++) {
                    int g = proj.equals("q_proj") ? h / group : h;
                    for (int i = 0; i < half; i++) {
                        int pair = i;
                        if (java.util.Arrays.stream(pairs[g]).noneMatch(x -> x == pair)) {
                            for (int j = 0; j < c; j++) {
                                w.set((h * d + i) * c + j, 0);
                                w.set((h * d + i + half) * c + j, 0);
                            }
                        }
                    }
                }
            }
        }
        for (Parameter p : narrowed.parameters()) {
            Tensor src = byName.get(p.name()), dst = p.value();
            if (src.size() == dst.size()) {
                for (int i = 0; i < src.size(); i++) {
                    dst.set(i, src.get(i));
                }
                continue;
            }
            // a narrowed q or k: copy the kept rows, first the i then the i + D/2
            boolean query = p.name().contains("q_proj");
            int heads = query ? 4 : 2, m = pairs[0].length, c = 16;
            for (int h = 0; h < heads; h++) {
                int[] kept = pairs[query ? h / group : h];
                for (int j = 0; j < 2 * m; j++) {
                    int from = h * d + (j < m ? kept[j] : kept[j - m] + half);
                    for (int col = 0; col < c; col++) {
                        dst.set((h * 2 * m + j) * c + col, src.get(from * c + col));
                    }
                }
            }
        }
        return new LlamaModel[] {original, narrowed};
    }

    @Test
    void keptPairsRotateAtTheirOriginalFrequencies() {
        int[][] pairs = {{1}, {0}}; // key/value head 0 keeps pair 1, head 1 keeps pair 0 (of D/2 = 2)
        LlamaModel[] right = planted(pairs, pairs);
        int[] ids = ids(2 * 9, 13, 4);
        double diff = GradientCheck.compare(right[0].forward(ids, 2, 9), right[1].forward(ids, 2, 9));
        // control: the same weights with both heads rotating as pair 0 (as if the mask were dropped)
        LlamaModel[] wrong = planted(pairs, new int[][] {{0}, {0}});
        double control = GradientCheck.compare(wrong[0].forward(ids, 2, 9), wrong[1].forward(ids, 2, 9));
        System.out.printf("narrowed vs planted original: max |Δlogit| %.2e (kept frequencies), %.2e (frequencies of pair 0)%n", diff, control);
        assertThat(diff).isLessThan(1e-10);
        assertThat(control).isGreaterThan(1e-3);
    }

    private static LlamaModel narrowedModel(Precision precision) {
        List<BlockShape> shapes = List.of(new BlockShape(7, 2, 3, new int[][] {{1}, {0}}), new BlockShape(12, 4, 1, new int[][] {{0, 1}, {0, 1}}));
        LlamaModel model = new LlamaModel(config(), precision, false, shapes);
        GradientCheck.randomize(model, new Random(11), 0.4);
        return model;
    }

    @Test
    void cachedDecodingOfNarrowedHeadsGivesTheFullForward() {
        LlamaModel model = narrowedModel(F64);
        int batch = 2, time = 7;
        int[] ids = ids(batch * time, 13, 12);
        Tensor full = model.forward(ids, batch, time);
        DecoderCache cache = model.newCache(batch, time);
        double worst = 0;
        int t = 0;
        for (int step : new int[] {3, 1, 1, 2}) {
            int[] chunk = new int[batch * step];
            for (int b = 0; b < batch; b++) {
                System.arraycopy(ids, b * time + t, chunk, b * step, step);
            }
            worst = Math.max(worst, LlamaModelTest.maxDifference(full, model.decode(chunk, batch, step, cache), t, step));
            t += step;
        }
        assertThat(worst).isLessThan(1e-12);
    }

    @Test
    void narrowedModelGradientsMatchFiniteDifferences() {
        LlamaModel model = narrowedModel(F64);
        int[] ids = ids(2 * 5, 13, 13);
        double error = GradientCheck.check("narrowed llama", () -> model.forward(ids, 2, 5), dy -> {
            model.backward(dy);
            return null;
        }, null, model.parameters(), 14);
        assertThat(error).isLessThanOrEqualTo(GradientCheck.TOLERANCE);
    }

    @Test
    void savedNarrowedFolderReloadsWithItsShapesAndLogits(@TempDir Path dir) throws IOException {
        LlamaModel model = narrowedModel(Precision.FLOAT32);
        Path folder = dir.resolve("narrow");
        model.save(folder);
        assertThat(folder.resolve(StructuredFolder.MANIFEST)).exists();
        LlamaModel loaded = LlamaModel.load(folder, Precision.FLOAT32);
        assertThat(loaded.blockShapes()).isEqualTo(model.blockShapes());
        int[] ids = ids(2 * 6, 13, 15);
        assertThat(loaded.forward(ids, 2, 6).toDoubleArray()).containsExactly(model.forward(ids, 2, 6).toDoubleArray());
        assertThat(loaded.parameterCount()).isEqualTo(model.parameterCount());

        Files.writeString(folder.resolve(StructuredFolder.MANIFEST), Files.readString(folder.resolve(StructuredFolder.MANIFEST))
                .replace("\"query_key_head_size\" : 2", "\"query_key_head_size\" : 3"));
        assertThatThrownBy(() -> LlamaModel.load(folder, Precision.FLOAT32)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("structured.json").hasMessageContaining("even query_key_head_size");
    }
}
