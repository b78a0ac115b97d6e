package org.lowrank4j.nn.generate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.lowrank4j.formats.hf.HfArchitecture;
import org.lowrank4j.formats.hf.HfConfig;
import org.lowrank4j.nn.arch.llama.LlamaModel;
import org.lowrank4j.nn.tensor.Precision;

/** Perplexity and bits per byte against values computed by hand. */
class PerplexityTest {
    private static final String TEXT = "It is a truth universally acknowledged — or so they say.";

    @Test
    void zeroLogitsGivePerplexityEqualToTheVocabulary() {
        // a freshly created LLaMA has zero embeddings and projections: every logit is 0
        HfConfig config = HfConfig.builder(HfArchitecture.LLAMA).hiddenSize(8).intermediateSize(12).numHiddenLayers(1).numAttentionHeads(2)
                .vocabSize(256).maxPositionEmbeddings(16).tieWordEmbeddings(true).build();
        LlamaModel model = LlamaModel.create(config, Precision.FLOAT32);
        ByteTokenizer tokenizer = new ByteTokenizer();
        int[] tokens = tokenizer.encode(TEXT);
        long bytes = TEXT.getBytes(StandardCharsets.UTF_8).length;
        PerplexityResult r = Perplexity.evaluate(model, tokens, 16, bytes);
        assertThat(r.tokens()).isEqualTo(tokens.length - 1);
        assertThat(r.windows()).isEqualTo((tokens.length - 1 + 15) / 16);
        assertThat(r.meanNll()).isCloseTo(Math.log(256), within(1e-9));
        assertThat(r.perplexity()).isCloseTo(256, within(1e-6));
        // every byte costs 8 bits, and the first byte is not predicted
        assertThat(r.bitsPerByte()).isCloseTo(8.0 * (bytes - 1) / bytes, within(1e-9));
    }

    @Test
    void windowsRestartTheContextAndScoreEveryTokenButTheFirstOnce() {
        // logit of token 0 is the position inside the window; all others 0: NLL depends on where windows start
        int vocab = 5;
        StubModel model = new StubModel(vocab, 4, (position, input, candidate) -> candidate == 0 ? position : 0);
        int[] tokens = {3, 0, 1, 0, 0, 2, 4, 0, 1, 0};
        int window = 4;
        double expected = 0;
        for (int i = 1; i < tokens.length; i++) {
            int position = (i - 1) % window; // position of the input that predicts token i
            double logSum = Math.log(Math.exp(position) + vocab - 1);
            expected += logSum - (tokens[i] == 0 ? position : 0);
        }
        PerplexityResult r = Perplexity.evaluate(model, tokens, window, 20);
        assertThat(r.windows()).isEqualTo(3); // 9 predictions: 4 + 4 + 1
        assertThat(r.tokens()).isEqualTo(9);
        assertThat(r.totalNll()).isCloseTo(expected, within(1e-12));
        assertThat(r.perplexity()).isCloseTo(Math.exp(expected / 9), within(1e-12));
        assertThat(r.bitsPerByte()).isCloseTo(expected / Math.log(2) / 20, within(1e-12));
    }

    @Test
    void progressCountsEveryWindowOnceInOrder() {
        StubModel model = new StubModel(5, 4, (position, input, candidate) -> 0);
        int[] tokens = {3, 0, 1, 0, 0, 2, 4, 0, 1, 0};
        java.util.List<Integer> done = new java.util.ArrayList<>();
        PerplexityResult r = Perplexity.evaluate(model, tokens, 4, 20, (d, total) -> {
            assertThat(total).isEqualTo(3);
            done.add(d);
        });
        assertThat(done).isSorted().endsWith(r.windows());
        assertThat(done.get(0)).isPositive();
    }

    @Test
    void badInputIsNamed() {
        StubModel model = new StubModel(5, 4, (p, i, c) -> 0);
        assertThatThrownBy(() -> Perplexity.evaluate(model, new int[] {1}, 4, 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least 2 tokens");
        assertThatThrownBy(() -> Perplexity.evaluate(model, new int[] {1, 2, 3}, 8, 3)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("window");
        assertThatThrownBy(() -> Perplexity.evaluate(model, new int[] {1, 9}, 4, 3)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("token id 9");
    }

    @Test
    void aLargeVocabularyIsScoredAFewRowsAtATimeWithTheSameResult() {
        org.lowrank4j.nn.arch.llama.LlamaModel model = org.lowrank4j.nn.arch.llama.LlamaModel.create(
                org.lowrank4j.formats.hf.HfConfig.builder(org.lowrank4j.formats.hf.HfArchitecture.LLAMA).hiddenSize(8).intermediateSize(12)
                        .numHiddenLayers(1).numAttentionHeads(2).numKeyValueHeads(1).vocabSize(11).maxPositionEmbeddings(16).build(),
                org.lowrank4j.nn.tensor.Precision.FLOAT64);
        org.lowrank4j.nn.GradientCheck.randomize(model, new java.util.Random(3), 0.5);
        int[] tokens = new int[23];
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = (i * 7 + 3) % 11;
        }
        // the windows' logits in one piece, through decode
        double whole = 0;
        for (int start = 0; start < 22; start += 5) {
            int time = Math.min(5, 22 - start);
            int[] inputs = java.util.Arrays.copyOfRange(tokens, start, start + time);
            whole += Perplexity.nll(model.decode(inputs, 1, time, model.newCache(1, time)), tokens, start, time);
        }
        for (long budget : new long[] {11, 3 * 11, 1L << 24}) { // one row, three rows, everything at once
            PerplexityResult r = Perplexity.evaluate(model, tokens, 5, 23, Perplexity.WindowProgress.NONE, budget);
            assertThat(r.totalNll()).as("budget %d", budget).isCloseTo(whole, org.assertj.core.api.Assertions.within(1e-12));
        }
    }
}
