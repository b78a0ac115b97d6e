package org.lowrank4j.compress.recover;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Sentence batches: a pure function of (seed, step), each pass a permutation, batches grouped by length. */
class RecoverBatchesTest {
    private static final List<String> TEXTS = new ArrayList<>();

    static {
        for (int i = 0; i < 100; i++) {
            TEXTS.add("sentence " + i + " " + "word ".repeat(i % 17));
        }
    }

    @Test
    void theSameSeedGivesTheSameBatchesAndEachPassUsesASentenceOnce() {
        SentenceBatches a = new SentenceBatches(TEXTS, null, 8, 5), b = new SentenceBatches(TEXTS, null, 8, 5);
        assertThat(a.batchesPerPass()).isEqualTo(12);
        for (long pass = 0; pass < 2; pass++) {
            Set<String> seen = new HashSet<>();
            for (int i = 0; i < 12; i++) {
                long step = pass * 12 + i;
                assertThat(a.sentences(step)).isEqualTo(b.sentences(step)).hasSize(8);
                seen.addAll(a.sentences(step));
                assertThat(a.position(step).epoch()).isEqualTo(pass);
            }
            assertThat(seen).hasSize(96); // 4 sentences left over in each pass
        }
        assertThat(a.sentences(0)).isNotEqualTo(a.sentences(12)); // a fresh shuffle per pass
        assertThat(new SentenceBatches(TEXTS, null, 8, 6).sentences(0)).isNotEqualTo(a.sentences(0));
    }

    @Test
    void batchesOfAWindowAreGroupedByLength() {
        SentenceBatches batches = new SentenceBatches(TEXTS, null, 8, 5);
        int spreadWithin = 0, spreadAll = 0;
        for (int i = 0; i < 8; i++) {
            List<Integer> lengths = batches.sentences(i).stream().map(String::length).toList();
            spreadWithin += lengths.stream().max(Integer::compare).orElseThrow() - lengths.stream().min(Integer::compare).orElseThrow();
        }
        spreadAll = TEXTS.stream().mapToInt(String::length).max().orElseThrow() - TEXTS.stream().mapToInt(String::length).min().orElseThrow();
        assertThat(spreadWithin / 8.0).isLessThan(spreadAll / 3.0);
    }
}
