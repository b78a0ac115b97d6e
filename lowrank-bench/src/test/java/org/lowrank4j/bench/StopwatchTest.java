package org.lowrank4j.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The bootstrap interval the LoRA bench prints beside its ratio of medians. */
class StopwatchTest {

    @Test
    void roundsInAFixedRatioGiveThatRatioAndNoWidth() {
        double[] full = {0.70, 0.72, 0.69, 0.90, 0.71}, lora = new double[5];
        for (int i = 0; i < 5; i++) {
            lora[i] = 0.75 * full[i];
        }
        double[] interval = Stopwatch.ratioOfMediansInterval(lora, full, 500, 1);
        assertThat(interval[0]).isCloseTo(0.75, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(interval[1]).isCloseTo(0.75, org.assertj.core.data.Offset.offset(1e-12));
    }

    @Test
    void theIntervalCoversTheTrueRatioMostOfTheTimeAndNarrowsWithMoreRounds() {
        // steps of a shared machine: a common load factor per round (hits both steps of the round) and noise of their own
        Random random = new Random(4);
        int experiments = 200, covered15 = 0, covered31 = 0;
        double width15 = 0, width31 = 0;
        for (int e = 0; e < experiments; e++) {
            for (int rounds : new int[] {15, 31}) {
                double[] full = new double[rounds], lora = new double[rounds];
                for (int i = 0; i < rounds; i++) {
                    double load = 1 + 0.15 * Math.abs(random.nextGaussian());
                    full[i] = 0.70 * load * (1 + 0.04 * random.nextGaussian());
                    lora[i] = 0.52 * load * (1 + 0.04 * random.nextGaussian());
                }
                double[] interval = Stopwatch.ratioOfMediansInterval(lora, full, 1000, e);
                assertThat(interval[0]).isLessThanOrEqualTo(interval[1]);
                boolean covers = interval[0] <= 0.52 / 0.70 && 0.52 / 0.70 <= interval[1];
                if (rounds == 15) {
                    covered15 += covers ? 1 : 0;
                    width15 += interval[1] - interval[0];
                } else {
                    covered31 += covers ? 1 : 0;
                    width31 += interval[1] - interval[0];
                }
            }
        }
        assertThat(covered15).as("15 rounds").isGreaterThan(experiments * 8 / 10);
        assertThat(covered31).as("31 rounds").isGreaterThan(experiments * 8 / 10);
        assertThat(width31).as("mean width at 31 rounds against 15").isLessThan(0.9 * width15);
    }

    @Test
    void theSameSeedGivesTheSameIntervalAndUnpairedRoundsAreRefused() {
        double[] a = {1, 2, 3, 4, 5}, b = {2, 2, 3, 5, 4};
        assertThat(Stopwatch.ratioOfMediansInterval(a, b, 300, 9)).containsExactly(Stopwatch.ratioOfMediansInterval(a, b, 300, 9));
        assertThatThrownBy(() -> Stopwatch.ratioOfMediansInterval(a, new double[4], 10, 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("paired rounds");
    }
}
