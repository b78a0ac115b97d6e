package org.lowrank4j.nn.generate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.lowrank4j.formats.hf.HfArchitecture;
import org.lowrank4j.formats.hf.HfConfig;
import org.lowrank4j.nn.GradientCheck;
import org.lowrank4j.nn.arch.llama.LlamaModel;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;

/**
 * Prompts that join a batch while it runs get what they get alone (the logits of every token they draw, to 1e-12 in
 * float64); the batch grows a row for a joiner and shrinks once half its rows are free; joins that do not fit are refused.
 */
class DecodingBatchTest {
    private static final int VOCAB = 13;

    private static LlamaModel llama(int maxPositions) {
        HfConfig config = HfConfig.builder(HfArchitecture.LLAMA).hiddenSize(16).intermediateSize(24).numHiddenLayers(2).numAttentionHeads(4)
                .numKeyValueHeads(2).vocabSize(VOCAB).maxPositionEmbeddings(maxPositions).tieWordEmbeddings(true).build();
        LlamaModel model = LlamaModel.create(config, Precision.FLOAT64);
        GradientCheck.randomize(model, new Random(7), 0.6);
        return model;
    }

    /** The model, keeping the last-position logits that each sequence's tokens are drawn from, by sequence id. */
    private static final class Recording extends ForwardingLanguageModel {
        final LlamaModel model;
        final Map<Integer, List<double[]>> drawnFrom = new HashMap<>();
        final List<Integer> rowCounts = new ArrayList<>();
        int[] ids = {0}; // the sequence in each row of the next forward

        Recording(LlamaModel model) {
            super(model);
            this.model = model;
        }

        @Override
        public Tensor decode(int[] tokens, int batch, int time, DecoderCache cache) {
            Tensor logits = model.decode(tokens, batch, time, cache);
            rowCounts.add(batch);
            for (int b = 0; b < batch; b++) {
                if (ids[b] >= 0) {
                    double[] row = new double[VOCAB];
                    for (int v = 0; v < VOCAB; v++) {
                        row[v] = logits.get(((b * time) + time - 1) * VOCAB + v);
                    }
                    drawnFrom.computeIfAbsent(ids[b], k -> new ArrayList<>()).add(row);
                }
            }
            return logits;
        }

        @Override
        public boolean decodesPaddedBatches() {
            return model.decodesPaddedBatches();
        }
    }

    /** Collects each sequence's tokens and result, and tells the recording which sequence is in which row. */
    private static final class Collector implements DecodingBatch.Listener {
        final Recording recording;
        final Map<Integer, List<Integer>> tokens = new HashMap<>();
        final Map<Integer, GenerationResult> results = new HashMap<>();

        Collector(Recording recording) {
            this.recording = recording;
        }

        @Override
        public void rows(int[] ids) {
            recording.ids = ids.clone();
        }

        @Override
        public boolean token(int id, int token) {
            tokens.computeIfAbsent(id, k -> new ArrayList<>()).add(token);
            return true;
        }

        @Override
        public void ended(int id, GenerationResult result) {
            results.put(id, result);
        }
    }

    private static DecodingBatch.Entry entry(int id, int[] prompt, GenerationOptions options) {
        return new DecodingBatch.Entry(id, prompt, options, new Random(100 + id));
    }

    @Test
    void promptsThatJoinWhileTheBatchRunsGetWhatTheyGetAlone() {
        LlamaModel model = llama(40);
        Recording batched = new Recording(model);
        Collector collector = new Collector(batched);
        List<DecodingBatch.Entry> entries = List.of(
                entry(0, new int[] {3, 1}, GenerationOptions.greedy(12)),
                entry(1, new int[] {5, 9, 2, 2, 7}, GenerationOptions.sampling(4, 1.0, 0.9)));
        List<DecodingBatch.Entry> joiners = List.of(
                entry(2, new int[] {1, 4, 1}, GenerationOptions.greedy(9)),                    // at position 7, beside both,
                entry(4, new int[] {4, 4, 2, 1, 3}, GenerationOptions.sampling(5, 0.9, 1.0)),  // prefilled together with it
                entry(3, new int[] {2, 6, 5, 3, 5, 8, 9}, GenerationOptions.sampling(10, 0.8, 1.0))); // later, into a free row
        DecodingBatch batch = DecodingBatch.start(batched, entries, 17, collector); // what the two need: 3 + 2 + 12 positions
        batch.step();
        batch.step();
        assertThat(batch.position()).isEqualTo(7);
        batch.join(joiners.subList(0, 2)); // two rows short: the batch grows to four
        while (collector.results.get(1) == null) {
            batch.step();
        }
        batch.join(joiners.get(2)); // at position 8 it needs 1 + 7 + 10 = 18 positions: the cache gets longer
        while (batch.running()) {
            batch.step();
        }
        assertThat(batched.rowCounts).contains(4);
        assertThat(batched.rowCounts.get(batched.rowCounts.size() - 1)).isEqualTo(1); // the last sequence went on alone

        List<DecodingBatch.Entry> all = new ArrayList<>(entries);
        all.addAll(joiners);
        for (DecodingBatch.Entry e : all) {
            Recording alone = new Recording(model);
            GenerationResult own = Generator.generate(alone, e.prompt(), e.options(), new Random(100 + e.id()));
            assertThat(collector.results.get(e.id()).tokens()).as("sequence %d", e.id()).containsExactly(own.tokens());
            assertThat(collector.results.get(e.id()).reason()).isEqualTo(own.reason());
            assertThat(collector.tokens.get(e.id())).as("sequence %d streamed", e.id())
                    .containsExactlyElementsOf(java.util.Arrays.stream(own.tokens()).boxed().toList());
            List<double[]> got = batched.drawnFrom.get(e.id()), expected = alone.drawnFrom.get(0);
            assertThat(got).as("sequence %d draws", e.id()).hasSameSizeAs(expected);
            for (int i = 0; i < expected.size(); i++) {
                for (int v = 0; v < VOCAB; v++) {
                    assertThat(got.get(i)[v]).as("sequence %d, draw %d, logit %d", e.id(), i, v).isCloseTo(expected.get(i)[v], within(1e-12));
                }
            }
        }
    }

    @Test
    void aJoinMustKeepEveryPositionItWouldHaveAlone() {
        LlamaModel model = llama(12);
        Collector collector = new Collector(new Recording(model));
        DecodingBatch batch = DecodingBatch.start(model, List.of(entry(0, new int[] {3, 1, 4}, GenerationOptions.greedy(3))), 6, collector);
        assertThat(batch.position()).isEqualTo(3);
        assertThat(batch.canJoin(4, 1)).as("a prompt longer than the batch's positions so far").isFalse();
        assertThat(batch.canJoin(3, 9)).as("3 + 9 = 12 positions from position 0: the model's, past the cache's 6").isTrue();
        assertThat(batch.canJoin(2, 10)).as("from position 1: 13 > 12").isFalse();
        assertThatThrownBy(() -> batch.join(entry(1, new int[] {1, 2}, GenerationOptions.greedy(10))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cannot join this batch at position 3 of the model's 12");
        while (batch.running()) {
            batch.step();
        }
        assertThat(batch.canJoin(1, 1)).as("a batch that has ended").isFalse();
        assertThatThrownBy(batch::step).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> DecodingBatch.start(model, List.of(entry(0, new int[] {3, 1, 4}, GenerationOptions.greedy(20))), 6, collector))
                .hasMessageContaining("needs 12 positions").hasMessageContaining("more than the batch's 6");
    }
}
