package org.lowrank4j.nn.generate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.lowrank4j.formats.hf.HfArchitecture;
import org.lowrank4j.formats.hf.HfConfig;
import org.lowrank4j.nn.GradientCheck;
import org.lowrank4j.nn.arch.llama.LlamaModel;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;

/** Prompts of different lengths decoded together, left-padded: each gets what it gets alone. */
class BatchGenerationTest {
    private static final int VOCAB = 13;

    private static LlamaModel llama(Precision precision, int maxPositions) {
        HfConfig config = HfConfig.builder(HfArchitecture.LLAMA).hiddenSize(16).intermediateSize(24).numHiddenLayers(2).numAttentionHeads(4)
                .numKeyValueHeads(2).vocabSize(VOCAB).maxPositionEmbeddings(maxPositions).tieWordEmbeddings(true).build();
        LlamaModel model = LlamaModel.create(config, precision);
        GradientCheck.randomize(model, new Random(7), 0.6);
        return model;
    }

    private static final List<int[]> PROMPTS = List.of(new int[] {3, 1}, new int[] {5, 9, 2, 2, 7}, new int[] {1, 4, 1, 5, 9, 2, 6, 5, 3});

    @Test
    void paddedPrefillGivesEachSequenceItsOwnLogits() {
        for (Precision precision : Precision.values()) {
            LlamaModel model = llama(precision, 32);
            int padded = 9, n = PROMPTS.size();
            int[] ids = new int[n * padded], starts = new int[n];
            for (int b = 0; b < n; b++) {
                int[] prompt = PROMPTS.get(b);
                starts[b] = padded - prompt.length;
                Arrays.fill(ids, b * padded, b * padded + starts[b], 11); // a padding id no prompt uses
                System.arraycopy(prompt, 0, ids, b * padded + starts[b], prompt.length);
            }
            DecoderCache cache = model.newCache(n, 12);
            cache.startAt(starts);
            Tensor batched = model.decode(ids, n, padded, cache);
            Tensor step = model.decode(new int[] {4, 4, 4}, n, 1, cache);
            double tolerance = precision == Precision.FLOAT64 ? 1e-12 : 2e-5;
            for (int b = 0; b < n; b++) {
                int[] prompt = PROMPTS.get(b);
                DecoderCache alone = model.newCache(1, 12);
                Tensor own = model.decode(prompt, 1, prompt.length, alone);
                Tensor ownStep = model.decode(new int[] {4}, 1, 1, alone);
                for (int t = 0; t < prompt.length; t++) { // every real position of the prefill, and the step after it
                    for (int v = 0; v < VOCAB; v++) {
                        assertThat(batched.get(((b * padded) + starts[b] + t) * VOCAB + v)).as("%s sequence %d position %d", precision, b, t)
                                .isCloseTo(own.get(t * VOCAB + v), within(tolerance));
                    }
                }
                for (int v = 0; v < VOCAB; v++) {
                    assertThat(step.get(b * VOCAB + v)).as("%s sequence %d step", precision, b).isCloseTo(ownStep.get(v), within(tolerance));
                }
            }
        }
    }

    @Test
    void aBatchGeneratesWhatEachPromptGeneratesAlone() {
        LlamaModel model = llama(Precision.FLOAT32, 32);
        List<GenerationOptions> options = List.of(GenerationOptions.greedy(7), GenerationOptions.sampling(12, 1.0, 0.9),
                GenerationOptions.sampling(5, 0.7, 1.0).stoppingAt(0));
        long[] seeds = {0, 11, 12};
        List<Random> randoms = new ArrayList<>();
        for (long seed : seeds) {
            randoms.add(new Random(seed));
        }
        List<List<Integer>> streamed = List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
        List<GenerationResult> together = BatchGenerator.generate(model, PROMPTS, options, randoms, (index, token) -> streamed.get(index).add(token));
        for (int b = 0; b < PROMPTS.size(); b++) {
            GenerationResult alone = Generator.generate(model, PROMPTS.get(b), options.get(b), new Random(seeds[b]));
            assertThat(together.get(b).tokens()).as("sequence %d", b).containsExactly(alone.tokens());
            assertThat(together.get(b).reason()).isEqualTo(alone.reason());
            assertThat(streamed.get(b)).containsExactlyElementsOf(Arrays.stream(alone.tokens()).boxed().toList());
        }
        assertThat(together.get(0).tokens()).hasSize(7);
        assertThat(together.get(1).tokens()).hasSize(12);
    }

    @Test
    void theSinkEndsOneSequenceAndTheOthersGoOn() {
        LlamaModel model = llama(Precision.FLOAT32, 32);
        List<GenerationOptions> options = List.of(GenerationOptions.greedy(6), GenerationOptions.greedy(6), GenerationOptions.greedy(6));
        List<GenerationResult> results = BatchGenerator.generate(model, PROMPTS, options, List.of(new Random(0), new Random(0), new Random(0)),
                new BatchGenerator.TokenSink() {
                    private int seen;

                    @Override
                    public boolean accept(int index, int token) {
                        return index != 1 || ++seen < 2;
                    }
                });
        assertThat(results.get(1).tokens()).hasSize(2);
        assertThat(results.get(1).reason()).isEqualTo(GenerationResult.StopReason.ENDED_BY_CALLER);
        for (int b : new int[] {0, 2}) {
            assertThat(results.get(b).tokens()).containsExactly(Generator.generate(model, PROMPTS.get(b), options.get(b), new Random(0)).tokens());
            assertThat(results.get(b).reason()).isEqualTo(GenerationResult.StopReason.MAX_TOKENS);
        }
        int[] secondAlone = Generator.generate(model, PROMPTS.get(1), options.get(1), new Random(0)).tokens();
        assertThat(results.get(1).tokens()).containsExactly(Arrays.copyOf(secondAlone, 2)); // the first two of what it makes alone
    }

    @Test
    void aFullContextEndsTheLongestPromptsAsAlone() {
        LlamaModel model = llama(Precision.FLOAT32, 16);
        List<int[]> prompts = List.of(new int[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2}, new int[] {3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3});
        List<GenerationOptions> options = List.of(GenerationOptions.greedy(10), GenerationOptions.greedy(10));
        List<GenerationResult> results = BatchGenerator.generate(model, prompts, options, List.of(new Random(0), new Random(0)), null);
        for (int b = 0; b < 2; b++) {
            GenerationResult alone = Generator.generate(model, prompts.get(b), options.get(b), new Random(0));
            assertThat(results.get(b).reason()).isEqualTo(GenerationResult.StopReason.CONTEXT_FULL);
            assertThat(results.get(b).tokens()).containsExactly(alone.tokens()).hasSize(3);
        }
    }

    @Test
    void batchesThatDoNotFitAndModelsThatCannotPadAreRefused() {
        LlamaModel model = llama(Precision.FLOAT32, 16);
        List<Random> two = List.of(new Random(0), new Random(0));
        // alone, the 2-token prompt could run 10 tokens; beside a 12-token prompt it would need 10 + 12 positions
        assertThat(BatchGenerator.positionsInBatch(16, 12, 2, 10)).isEqualTo(22);
        assertThatThrownBy(() -> BatchGenerator.generate(model, List.of(new int[12], new int[] {1, 2}),
                List.of(GenerationOptions.greedy(2), GenerationOptions.greedy(10)), two, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("sequence 1 needs 22 positions").hasMessageContaining("16");
        assertThat(BatchGenerator.generate(model, List.of(new int[12], new int[] {1, 2}), List.of(GenerationOptions.greedy(2), GenerationOptions.greedy(4)),
                two, null).get(1).tokens()).hasSize(4); // 10 + 6 positions: fits
        StubModel stub = new StubModel(10, 32, (position, input, candidate) -> candidate == (input + 1) % 10 ? 5 : 0);
        assertThatThrownBy(() -> BatchGenerator.generate(stub, List.of(new int[] {1}, new int[] {2}),
                List.of(GenerationOptions.greedy(2), GenerationOptions.greedy(2)), two, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("one sequence at a time");
        assertThatThrownBy(() -> BatchGenerator.generate(model, List.of(new int[] {1}), List.of(), List.of(), null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("one option set and one random source per prompt");
        DecoderCache cache = model.newCache(2, 8);
        assertThatThrownBy(() -> cache.startAt(new int[] {0})).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("one start per sequence");
        assertThatThrownBy(() -> cache.startAt(new int[] {0, 8})).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[0, 8)");
    }
}
