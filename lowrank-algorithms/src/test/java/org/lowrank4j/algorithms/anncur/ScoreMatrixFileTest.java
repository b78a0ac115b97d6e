package org.lowrank4j.algorithms.anncur;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The on-disk cache of exact scores: a stopped run continues where it stopped, a finished one is reused, others refused. */
class ScoreMatrixFileTest {
    @TempDir
    Path dir;

    private static final ScoreMatrixFile.Inputs INPUTS = new ScoreMatrixFile.Inputs("q", "i", "model");

    private static double[] row(int q) {
        return new double[] {q, q + 0.5, -q};
    }

    @Test
    void aStoppedRunContinuesFromItsLastSavedRowAndAFinishedOneIsReused() throws Exception {
        Path file = dir.resolve("scores.safetensors");
        List<Integer> scored = new ArrayList<>();
        assertThatThrownBy(() -> ScoreMatrixFile.computeOrResume(file, INPUTS, 25, 3, q -> {
            if (q == 13) {
                throw new IllegalStateException("stopped");
            }
            scored.add(q);
            return row(q);
        }, done -> { })).hasMessage("stopped");
        assertThat(ScoreMatrixFile.metadata(file)).containsEntry("rows_done", "10");
        assertThatThrownBy(() -> ScoreMatrixFile.read(file)).hasMessageContaining("unfinished (10 of 25 rows)");
        scored.clear();
        double[][] all = ScoreMatrixFile.computeOrResume(file, INPUTS, 25, 3, q -> {
            scored.add(q);
            return row(q);
        }, done -> { });
        assertThat(scored).first().isEqualTo(10);
        assertThat(scored).hasSize(15);
        for (int q = 0; q < 25; q++) {
            assertThat(all[q]).containsExactly(row(q));
        }
        assertThat(ScoreMatrixFile.read(file)).isDeepEqualTo(all);
        scored.clear();
        ScoreMatrixFile.computeOrResume(file, INPUTS, 25, 3, q -> {
            scored.add(q);
            return row(q);
        }, done -> { });
        assertThat(scored).isEmpty();
    }

    @Test
    void aFileOfOtherInputsIsRefused() throws Exception {
        Path file = dir.resolve("scores.safetensors");
        ScoreMatrixFile.computeOrResume(file, INPUTS, 2, 3, ScoreMatrixFileTest::row, done -> { });
        assertThatThrownBy(() -> ScoreMatrixFile.computeOrResume(file, new ScoreMatrixFile.Inputs("q", "other items", "model"), 2, 3,
                ScoreMatrixFileTest::row, done -> { })).hasMessageContaining("holds scores of other queries, items or cross-encoder");
    }

    @Test
    void theListHashDependsOnEveryLine() {
        assertThat(ScoreMatrixFile.hash(List.of("a", "b"))).isNotEqualTo(ScoreMatrixFile.hash(List.of("ab")))
                .isNotEqualTo(ScoreMatrixFile.hash(List.of("b", "a"))).isEqualTo(ScoreMatrixFile.hash(List.of("a", "b")));
    }
}
