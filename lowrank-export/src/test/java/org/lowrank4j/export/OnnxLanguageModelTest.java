package org.lowrank4j.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank4j.formats.hf.HfArchitecture;
import org.lowrank4j.formats.hf.HfConfig;
import org.lowrank4j.nn.arch.llama.LlamaModel;
import org.lowrank4j.nn.generate.DecoderCache;
import org.lowrank4j.nn.generate.GenerationOptions;
import org.lowrank4j.nn.generate.Generator;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;

/** An exported folder run by ONNX Runtime as a language model gives the source model's logits, tokens and refusals. */
class OnnxLanguageModelTest {
    @TempDir
    Path dir;

    private LlamaModel source;

    private Path exported() throws Exception {
        HfConfig config = HfConfig.builder(HfArchitecture.LLAMA).hiddenSize(32).intermediateSize(48).numHiddenLayers(2).numAttentionHeads(4)
                .numKeyValueHeads(2).vocabSize(40).maxPositionEmbeddings(24).tieWordEmbeddings(true).build();
        source = LlamaModel.create(config, Precision.FLOAT32);
        source.initialize(new Random(5));
        for (org.lowrank4j.nn.Parameter p : source.parameters()) { // weights large enough that the logits spread out
            for (int i = 0; p.value().rank() == 2 && i < p.value().size(); i++) {
                p.value().set(i, p.value().get(i) * 10);
            }
        }
        Path folder = dir.resolve("m");
        Files.createDirectories(folder);
        source.save(folder);
        Path out = dir.resolve("m-onnx");
        DecoderExport.run(new DecoderExport.Request(folder, out, false, 8, 2, 1), s -> { });
        return out;
    }

    @Test
    void greedyTokensAndBatchedLogitsAreTheSourceModels() throws Exception {
        Path folder = exported();
        assertThat(OnnxLanguageModel.isExported(folder)).isTrue();
        assertThat(OnnxLanguageModel.isExported(dir.resolve("m"))).isFalse();
        OnnxLanguageModel onnx = OnnxLanguageModel.open(folder);
        assertThat(onnx.vocabSize()).isEqualTo(40);
        assertThat(onnx.maxPositions()).isEqualTo(24);

        int[] prompt = {3, 9, 27, 1, 14};
        int[] want = Generator.generate(source, prompt, GenerationOptions.greedy(15), new Random(1)).tokens();
        int[] got = Generator.generate(onnx, prompt, GenerationOptions.greedy(15), new Random(1)).tokens();
        assertThat(got).containsExactly(want);

        // two windows of 6 from position 0 (perplexity's forward), and the same two through a cache of batch 2
        int[] ids = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
        assertClose(onnx.forward(ids, 2, 6), source.forward(ids, 2, 6));
        DecoderCache mine = onnx.newCache(2, 8), theirs = source.newCache(2, 8);
        assertClose(onnx.decode(ids, 2, 6, mine), source.decode(ids, 2, 6, theirs));
        int[] next = {20, 30};
        assertClose(onnx.decode(next, 2, 1, mine), source.decode(next, 2, 1, theirs));
        assertThat(mine.length()).isEqualTo(7);
        assertThat(mine.batch()).isEqualTo(2);
        mine.reset();
        assertThat(mine.length()).isZero();
        assertClose(onnx.decode(ids, 2, 6, mine), source.decode(ids, 2, 6, source.newCache(2, 8)));
    }

    /**
     * Prompts of different lengths, left-padded in one batch (BatchGenerator), and a stream of prompts that join a running
     * batch as rows free up (ContinuousGenerator: skipTo, copyRow, the batch shrinking): each gets the tokens it gets
     * alone from the source model.
     */
    @Test
    void paddedBatchesAndJoinersGetWhatEachGetsAlone() throws Exception {
        OnnxLanguageModel onnx = OnnxLanguageModel.open(exported());
        assertThat(onnx.decodesPaddedBatches()).isTrue();
        Random random = new Random(9);
        java.util.List<int[]> prompts = new java.util.ArrayList<>();
        java.util.List<GenerationOptions> options = new java.util.ArrayList<>();
        java.util.List<Random> randoms = new java.util.ArrayList<>();
        for (int i = 0; i < 7; i++) {
            int[] p = new int[1 + random.nextInt(6)];
            for (int t = 0; t < p.length; t++) {
                p[t] = random.nextInt(40);
            }
            prompts.add(p);
            options.add(GenerationOptions.greedy(3 + random.nextInt(8)));
            randoms.add(new Random(i));
        }
        int[][] alone = new int[prompts.size()][];
        for (int i = 0; i < prompts.size(); i++) {
            alone[i] = Generator.generate(source, prompts.get(i), options.get(i), new Random(i)).tokens();
        }
        java.util.List<org.lowrank4j.nn.generate.GenerationResult> padded = org.lowrank4j.nn.generate.BatchGenerator.generate(onnx,
                prompts.subList(0, 4), options.subList(0, 4), randoms.subList(0, 4), null);
        for (int i = 0; i < 4; i++) {
            assertThat(padded.get(i).tokens()).as("prompt %d in a padded batch", i).containsExactly(alone[i]);
        }
        java.util.List<org.lowrank4j.nn.generate.GenerationResult> joined = org.lowrank4j.nn.generate.ContinuousGenerator.generate(onnx, prompts,
                options, randoms, 3, null);
        for (int i = 0; i < prompts.size(); i++) {
            assertThat(joined.get(i).tokens()).as("prompt %d, joining a running batch of 3", i).containsExactly(alone[i]);
        }
    }

    @Test
    void refusesWhatAnInferenceOnlyModelCannotDo() throws Exception {
        OnnxLanguageModel onnx = OnnxLanguageModel.open(exported());
        assertThatThrownBy(() -> onnx.backward(null)).isInstanceOf(UnsupportedOperationException.class).hasMessageContaining("inference only");
        assertThatThrownBy(() -> onnx.newCache(1, 25)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("max_position_embeddings");
        DecoderCache cache = onnx.newCache(1, 4);
        assertThatThrownBy(() -> cache.startAt(new int[] {1, 2})).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> onnx.decode(new int[] {1, 2, 3, 4, 5}, 1, 5, cache)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("exceed");
        assertThatThrownBy(() -> onnx.decode(new int[] {1}, 1, 1, source.newCache(1, 4))).isInstanceOf(IllegalArgumentException.class);
        assertThat(onnx.linearSites()).isEmpty();
        assertThatThrownBy(() -> OnnxLanguageModel.open(dir.resolve("m"))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a folder written by lowrank export");
    }

    private static void assertClose(Tensor got, Tensor want) {
        assertThat(got.shape()).containsExactly(want.shape());
        double worst = 0, scale = 0;
        for (int i = 0; i < want.size(); i++) {
            worst = Math.max(worst, Math.abs(got.get(i) - want.get(i)));
            scale = Math.max(scale, Math.abs(want.get(i)));
        }
        assertThat(scale).isGreaterThan(1);
        assertThat(worst).isLessThan(2e-5 * scale);
    }
}
