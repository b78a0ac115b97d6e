package org.lowrank4j.nn.generate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.lowrank4j.formats.hf.HfArchitecture;
import org.lowrank4j.formats.hf.HfConfig;
import org.lowrank4j.nn.GradientCheck;
import org.lowrank4j.nn.arch.llama.LlamaModel;
import org.lowrank4j.nn.tensor.Precision;

/** Many prompts, at most a few at a time, joining as others end: each gets what it gets alone, in the prompts' order. */
class ContinuousGeneratorTest {

    @Test
    void everyPromptGetsWhatItGetsAloneAndProgressCountsThemAll() {
        HfConfig config = HfConfig.builder(HfArchitecture.LLAMA).hiddenSize(16).intermediateSize(24).numHiddenLayers(2).numAttentionHeads(4)
                .numKeyValueHeads(2).vocabSize(13).maxPositionEmbeddings(24).tieWordEmbeddings(true).build();
        LlamaModel model = LlamaModel.create(config, Precision.FLOAT64);
        GradientCheck.randomize(model, new Random(7), 0.6);
        List<int[]> prompts = List.of(new int[] {3, 1}, new int[] {5, 9, 2, 2, 7}, new int[] {1, 4, 1, 5, 9, 2, 6, 5, 3}, new int[] {8},
                new int[] {2, 7, 1, 8, 2, 8}, new int[] {6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6});
        List<GenerationOptions> options = List.of(GenerationOptions.greedy(9), GenerationOptions.sampling(3, 1.0, 0.9), GenerationOptions.greedy(14),
                GenerationOptions.sampling(6, 0.7, 1.0), GenerationOptions.greedy(2), GenerationOptions.greedy(3)); // the last: 20 + 3 of 24
        List<Integer> progress = new ArrayList<>();
        List<GenerationResult> together = ContinuousGenerator.generate(model, prompts, options, randoms(prompts.size()), 2,
                (done, total) -> {
                    assertThat(total).isEqualTo(prompts.size());
                    progress.add(done);
                });
        assertThat(progress).containsExactly(1, 2, 3, 4, 5, 6);
        List<Random> alone = randoms(prompts.size());
        for (int i = 0; i < prompts.size(); i++) {
            GenerationResult own = Generator.generate(model, prompts.get(i), options.get(i), alone.get(i));
            assertThat(together.get(i).tokens()).as("prompt %d", i).containsExactly(own.tokens());
            assertThat(together.get(i).reason()).as("prompt %d", i).isEqualTo(own.reason());
        }
        assertThatThrownBy(() -> ContinuousGenerator.generate(model, List.of(new int[] {1}, new int[0]), List.of(GenerationOptions.greedy(2),
                GenerationOptions.greedy(2)), randoms(2), 2, null)).hasMessageContaining("prompt 1 has 0 tokens");
    }

    private static List<Random> randoms(int n) {
        List<Random> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(new Random(40 + i));
        }
        return out;
    }
}
