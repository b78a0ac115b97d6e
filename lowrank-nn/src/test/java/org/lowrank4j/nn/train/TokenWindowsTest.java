package org.lowrank4j.nn.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The split, the windows and their per-seed order, and reading a folder of text in natural order. */
class TokenWindowsTest {

    private static int[] range(int n) {
        return IntStream.range(0, n).toArray();
    }

    @Test
    void splitPutsTheTailInValidationWithoutOverlap() {
        int[] tokens = range(100);
        TokenWindows.Split split = TokenWindows.split(tokens, 0.2);
        assertThat(split.train()).containsExactly(range(80));
        assertThat(split.validation()).containsExactly(IntStream.range(80, 100).toArray());
        Set<Integer> train = new HashSet<>();
        Arrays.stream(split.train()).forEach(train::add);
        assertThat(Arrays.stream(split.validation()).noneMatch(train::contains)).isTrue();
        assertThat(TokenWindows.split(tokens, 0).validation()).isEmpty();
        assertThatThrownBy(() -> TokenWindows.split(tokens, 1.0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("[0, 1)");
    }

    @Test
    void windowsAreTPlusOneTokensSharingOneBoundaryToken() {
        TokenWindows w = new TokenWindows(range(42), 42, 4, 1);
        assertThat(w.windowCount()).isEqualTo(10); // (42 − 1) / 4; the last token 41 is dropped
        assertThat(w.window(0)).containsExactly(0, 1, 2, 3, 4);
        assertThat(w.window(9)).containsExactly(36, 37, 38, 39, 40);
        List<TokenWindows.Batch> all = w.sequentialBatches(3, 0);
        assertThat(all).hasSize(4);
        assertThat(all.get(3).inputs()).hasDimensions(1, 4);
        assertThat(all.get(0).inputs()[1]).containsExactly(4, 5, 6, 7);
        assertThat(all.get(0).targets()[1]).containsExactly(5, 6, 7, 8);
        assertThat(w.sequentialBatches(3, 2)).hasSize(2);
    }

    @Test
    void shuffledOrderIsDeterministicPerSeedAndCoversEveryWindowOncePerEpoch() {
        List<Integer> first = firstInputs(new TokenWindows(range(81), 81, 4, 7), 40);
        assertThat(firstInputs(new TokenWindows(range(81), 81, 4, 7), 40)).isEqualTo(first);
        assertThat(firstInputs(new TokenWindows(range(81), 81, 4, 8), 40)).isNotEqualTo(first);
        for (int epoch = 0; epoch < 2; epoch++) {
            List<Integer> starts = new ArrayList<>(first.subList(20 * epoch, 20 * epoch + 20));
            assertThat(new HashSet<>(starts)).hasSize(20); // 20 windows, each once
        }
        assertThat(first.subList(0, 20)).isNotEqualTo(first.subList(20, 40)); // a new order per epoch
    }

    @Test
    void seekingToAPositionContinuesExactlyAsWithoutStopping() {
        TokenWindows straight = new TokenWindows(range(81), 81, 4, 3);
        straight.nextBatch(7);
        straight.nextBatch(7);
        straight.nextBatch(7); // crosses into epoch 1
        TokenWindows.Position position = straight.position();
        assertThat(position).isEqualTo(new TokenWindows.Position(1, 1));
        int[][] expected = straight.nextBatch(5).inputs();
        TokenWindows resumed = new TokenWindows(range(81), 81, 4, 3);
        resumed.seek(position);
        assertThat(resumed.nextBatch(5).inputs()).isDeepEqualTo(expected);
    }

    @Test
    void rejectsTokensOutsideTheVocabularyAndStreamsWithoutAWindow() {
        assertThatThrownBy(() -> new TokenWindows(new int[] {0, 1, 5, 2}, 5, 2, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("token 5 at position 2");
        assertThatThrownBy(() -> new TokenWindows(new int[] {0, 1}, 5, 2, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("holds no window");
    }

    private static List<Integer> firstInputs(TokenWindows w, int count) {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            out.add(w.nextBatch(1).inputs()[0][0]);
        }
        return out;
    }

    @Test
    void readsTextFilesInNaturalNameOrder(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("chapter_10.txt"), "ten");
        Files.writeString(dir.resolve("chapter_2.txt"), "two\n");
        Files.writeString(dir.resolve("Chapter_1.txt"), "one");
        Files.writeString(dir.resolve("notes.md"), "not text");
        assertThat(TextFolder.readAll(dir)).isEqualTo("one\ntwo\nten\n");
        assertThat(TextFolder.NATURAL_ORDER.compare("a9b", "a010b")).isNegative();
        assertThat(TextFolder.NATURAL_ORDER.compare("x2", "x2")).isZero();
    }

    @Test
    void missingOrEmptyFolderIsAClearError(@TempDir Path dir) throws IOException {
        assertThatThrownBy(() -> TextFolder.readAll(dir.resolve("absent"))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("absent").hasMessageContaining("does not exist");
        assertThatThrownBy(() -> TextFolder.readAll(dir)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("holds no .txt files");
        Files.writeString(dir.resolve("empty.txt"), "");
        assertThatThrownBy(() -> TextFolder.readAll(dir)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("only empty");
    }
}
