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
import org.lowrank4j.nn.arch.gpt2.Gpt2Model;
import org.lowrank4j.nn.arch.llama.LlamaModel;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.weight.LowRankWeight;

/** Greedy, temperature and top-p generation with the KV cache; stop conditions; the byte tokenizer. */
class GenerationTest {
    /** Favors the successor of the input id by 5 nats. */
    private static final StubModel COUNTER = new StubModel(10, 32, (position, input, candidate) -> candidate == (input + 1) % 10 ? 5 : 0);

    @Test
    void greedyStopsAtTheStopTokenOrAfterMaxTokens() {
        GenerationResult stopped = Generator.generate(COUNTER, new int[] {1, 3}, GenerationOptions.greedy(20).stoppingAt(7), new Random(0));
        assertThat(stopped.tokens()).containsExactly(4, 5, 6);
        assertThat(stopped.reason()).isEqualTo(GenerationResult.StopReason.STOP_TOKEN);
        List<Integer> streamed = new ArrayList<>();
        GenerationResult limited = Generator.generate(COUNTER, new int[] {8}, GenerationOptions.greedy(4), new Random(0), streamed::add);
        assertThat(limited.tokens()).containsExactly(9, 0, 1, 2);
        assertThat(streamed).containsExactly(9, 0, 1, 2);
        assertThat(limited.reason()).isEqualTo(GenerationResult.StopReason.MAX_TOKENS);
        StubModel shortContext = new StubModel(10, 6, (p, i, c) -> c == (i + 1) % 10 ? 5 : 0);
        GenerationResult full = Generator.generate(shortContext, new int[] {0, 1, 2, 3}, GenerationOptions.greedy(10), new Random(0));
        assertThat(full.tokens()).containsExactly(4, 5, 6); // positions 4 and 5 fill the context; the last logits still give a token
        assertThat(full.reason()).isEqualTo(GenerationResult.StopReason.CONTEXT_FULL);
    }

    @Test
    void pinnedWeightsDecodeExactlyAsUnpinnedAndRefuseTraining() {
        for (Precision precision : Precision.values()) {
            HfConfig config = HfConfig.builder(HfArchitecture.LLAMA).hiddenSize(16).intermediateSize(24).numHiddenLayers(2).numAttentionHeads(4)
                    .numKeyValueHeads(2).vocabSize(11).maxPositionEmbeddings(16).tieWordEmbeddings(true).build();
            LlamaModel llama = LlamaModel.create(config, precision);
            for (String site : List.of("block 0 mlp.gate", "block 1 attention.value")) { // low-rank factor pairs pin too
                Linear linear = llama.linearSites().get(site);
                linear.setWeight(LowRankWeight.zeros(site, linear.weight().outFeatures(), linear.weight().inFeatures(), 3, precision));
            }
            GradientCheck.randomize(llama, new Random(5), 0.5);
            int[] prompt = {1, 5, 2, 9};
            double[] plain = decodeLogits(llama, prompt);
            try (PinnedWeights pinned = PinnedWeights.of(llama)) {
                assertThat(pinned.count()).isEqualTo(15); // 2 blocks × (q, k, v, o, gate, up, down), two of them low-rank, and the head
                assertThat(decodeLogits(llama, prompt)).as(precision.toString()).containsExactly(plain);
                assertThatThrownBy(() -> {
                    llama.forward(prompt, 1, prompt.length);
                    llama.backward(Tensor.zeros(precision, 1, prompt.length, 11));
                }).isInstanceOf(IllegalStateException.class).hasMessageContaining("pinned for inference");
            }
            llama.forward(prompt, 1, prompt.length); // unpinned again: training works
            llama.backward(Tensor.zeros(precision, 1, prompt.length, 11));
            assertThat(decodeLogits(llama, prompt)).containsExactly(plain);
        }
    }

    /** The logits of decoding {@code prompt} as a prefill of all but its last id, then that id alone. */
    private static double[] decodeLogits(CausalLanguageModel model, int[] prompt) {
        DecoderCache cache = model.newCache(1, 16);
        double[] first = model.decode(java.util.Arrays.copyOf(prompt, prompt.length - 1), 1, prompt.length - 1, cache).toDoubleArray();
        double[] last = model.decode(new int[] {prompt[prompt.length - 1]}, 1, 1, cache).toDoubleArray();
        double[] both = java.util.Arrays.copyOf(first, first.length + last.length);
        System.arraycopy(last, 0, both, first.length, last.length);
        return both;
    }

    @Test
    void greedyWithTheCacheMatchesRecomputingTheWholeSequence() {
        HfConfig config = HfConfig.builder(HfArchitecture.LLAMA).hiddenSize(8).intermediateSize(12).numHiddenLayers(2).numAttentionHeads(4)
                .numKeyValueHeads(2).vocabSize(11).maxPositionEmbeddings(16).tieWordEmbeddings(true).build();
        LlamaModel llama = LlamaModel.create(config, Precision.FLOAT64);
        GradientCheck.randomize(llama, new Random(3), 0.5);
        Gpt2Model gpt2 = new Gpt2Model(HfConfig.builder(HfArchitecture.GPT2).hiddenSize(8).numHiddenLayers(2).numAttentionHeads(2)
                .vocabSize(11).maxPositionEmbeddings(16).build(), Precision.FLOAT64);
        GradientCheck.randomize(gpt2, new Random(4), 0.5);
        for (CausalLanguageModel model : List.<CausalLanguageModel>of(llama, gpt2)) {
            int[] prompt = {1, 5, 2};
            int[] generated = Generator.generate(model, prompt, GenerationOptions.greedy(10), new Random(0)).tokens();
            assertThat(generated).hasSize(10);
            int[] sequence = new int[prompt.length + generated.length];
            System.arraycopy(prompt, 0, sequence, 0, prompt.length);
            System.arraycopy(generated, 0, sequence, prompt.length, generated.length);
            Tensor logits = model.forward(sequence, 1, sequence.length);
            for (int t = prompt.length - 1; t < sequence.length - 1; t++) {
                double[] row = new double[11];
                for (int v = 0; v < 11; v++) {
                    row[v] = logits.get(t * 11 + v);
                }
                assertThat(sequence[t + 1]).as("token after position %d", t).isEqualTo(Sampler.argmax(row));
            }
        }
    }

    @Test
    void samplingIsReproducibleWithASeedAndTinyTopPIsGreedy() {
        StubModel flat = new StubModel(10, 64, (p, i, c) -> c == (i + 1) % 10 ? 1 : 0);
        GenerationOptions options = GenerationOptions.sampling(30, 1.0, 0.9);
        int[] a = Generator.generate(flat, new int[] {0}, options, new Random(42)).tokens();
        int[] b = Generator.generate(flat, new int[] {0}, options, new Random(42)).tokens();
        int[] c = Generator.generate(flat, new int[] {0}, options, new Random(43)).tokens();
        assertThat(a).containsExactly(b);
        assertThat(a).isNotEqualTo(c);
        int[] nucleusOfOne = Generator.generate(flat, new int[] {0}, GenerationOptions.sampling(5, 2.0, 1e-9), new Random(1)).tokens();
        assertThat(nucleusOfOne).containsExactly(1, 2, 3, 4, 5);
    }

    @Test
    void samplerFrequenciesFollowTemperatureAndNucleus() {
        double[] logits = {Math.log(0.1), Math.log(0.2), Math.log(0.3), Math.log(0.4)};
        int draws = 40_000;
        assertThat(frequencies(logits, 1, 1, draws)).containsExactly(new double[] {0.1, 0.2, 0.3, 0.4}, within(0.01));
        // top-p 0.5: the nucleus is {0.4, 0.3} (the first prefix reaching 0.5), renormalised to 4/7, 3/7
        assertThat(frequencies(logits, 1, 0.5, draws)).containsExactly(new double[] {0, 0, 3 / 7.0, 4 / 7.0}, within(0.01));
        // temperature 0.5 squares the probabilities: 1, 4, 9, 16 over 30
        assertThat(frequencies(logits, 0.5, 1, draws)).containsExactly(new double[] {1 / 30.0, 4 / 30.0, 9 / 30.0, 16 / 30.0}, within(0.01));
        assertThat(Sampler.sample(logits, 0, 1, new Random(0))).isEqualTo(3);
        assertThatThrownBy(() -> Sampler.sample(logits, -1, 1, new Random(0))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("temperature");
        assertThatThrownBy(() -> GenerationOptions.sampling(4, 1, 0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("top-p");
    }

    private static org.assertj.core.data.Offset<Double> within(double d) {
        return org.assertj.core.data.Offset.offset(d);
    }

    private static double[] frequencies(double[] logits, double temperature, double topP, int draws) {
        Random random = new Random(7);
        double[] f = new double[logits.length];
        for (int i = 0; i < draws; i++) {
            f[Sampler.sample(logits, temperature, topP, random)] += 1.0 / draws;
        }
        return f;
    }

    @Test
    void byteTokenizerRoundTripsUtf8AndWritesSpecials() {
        ByteTokenizer tokenizer = new ByteTokenizer(List.of("<|endoftext|>"));
        assertThat(tokenizer.vocabSize()).isEqualTo(257);
        String text = "Moby Dick — naïve 🐋";
        int[] ids = tokenizer.encode(text);
        assertThat(ids).hasSize(text.getBytes(java.nio.charset.StandardCharsets.UTF_8).length);
        assertThat(java.util.Arrays.stream(ids).allMatch(i -> i >= 0 && i < 256)).isTrue();
        assertThat(tokenizer.decode(ids)).isEqualTo(text);
        int eot = tokenizer.specialId("<|endoftext|>");
        assertThat(eot).isEqualTo(256);
        assertThat(tokenizer.decode(new int[] {'h', 'i', eot, 'x'})).isEqualTo("hi<|endoftext|>x");
        assertThatThrownBy(() -> tokenizer.decode(new int[] {300})).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("300");
        String generated = Generator.generateText(new StubModel(257, 32, (p, i, c) -> c == (i + 1) % 256 ? 9 : 0), tokenizer, "a",
                GenerationOptions.greedy(3), new Random(0));
        assertThat(generated).isEqualTo("bcd");
    }
}
