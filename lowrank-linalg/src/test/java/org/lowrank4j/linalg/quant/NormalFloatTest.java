package org.lowrank4j.linalg.quant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class NormalFloatTest {

    /** NF4 as published by bitsandbytes / QLoRA (float32 values), the golden reference. */
    private static final double[] PUBLISHED_NF4 = {
            -1.0, -0.6961928009986877, -0.5250730514526367, -0.39491748809814453, -0.28444138169288635,
            -0.18477343022823334, -0.09105003625154495, 0.0, 0.07958029955625534, 0.16093020141124725,
            0.24611230194568634, 0.33791524171829224, 0.44070982933044434, 0.5626170039176941, 0.7229568362236023,
            1.0};

    @Test
    void nf4HasSixteenSortedDistinctLevelsFromMinusOneToOneWithZero() {
        double[] levels = NormalFloat.levels(4);
        assertThat(levels).hasSize(16);
        for (int i = 1; i < levels.length; i++) {
            assertThat(levels[i]).isGreaterThan(levels[i - 1]);
        }
        assertThat(levels[0]).isEqualTo(-1.0);
        assertThat(levels[15]).isEqualTo(1.0);
        assertThat(levels).contains(0.0);
        assertThat(Arrays.stream(levels).filter(v -> v < 0).count()).isEqualTo(7);
        assertThat(Arrays.stream(levels).filter(v -> v > 0).count()).isEqualTo(8);
    }

    @Test
    void eachHalfIsAnEvenQuantileGridOfTheNormal() {
        double[] levels = NormalFloat.levels(4);
        double top = NormalFloat.inverseNormal(NormalFloat.OFFSET);
        for (int k = 1; k <= 8; k++) { // positive side: 8 steps from 0.5 to δ
            assertThat(levels[7 + k]).isCloseTo(NormalFloat.inverseNormal(0.5 + (NormalFloat.OFFSET - 0.5) * k / 8) / top,
                    within(1e-12));
        }
        for (int k = 1; k <= 7; k++) { // negative side mirrors a 7-step grid from 0.5 to δ
            assertThat(-levels[7 - k]).isCloseTo(NormalFloat.inverseNormal(0.5 + (NormalFloat.OFFSET - 0.5) * k / 7) / top,
                    within(1e-12));
        }
    }

    @Test
    void nf4MatchesThePublishedTable() {
        double[] levels = NormalFloat.levels(4);
        double max = 0;
        for (int i = 0; i < 16; i++) {
            max = Math.max(max, Math.abs(levels[i] - PUBLISHED_NF4[i]));
        }
        System.out.println("NF4 levels vs the published table: max |difference| = " + max);
        assertThat(max).isLessThan(1e-6);
    }

    @Test
    void smallerCodeBooksAndTheNormalFunctions() {
        assertThat(NormalFloat.levels(3)).hasSize(8).contains(-1.0, 0.0, 1.0);
        assertThat(NormalFloat.levels(2)).hasSize(4).contains(-1.0, 0.0, 1.0);
        assertThat(NormalFloat.erf(1)).isCloseTo(0.8427007929497149, within(1e-15));
        assertThat(NormalFloat.inverseNormal(0.975)).isCloseTo(1.959963984540054, within(1e-12));
        assertThatThrownBy(() -> NormalFloat.levels(8)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("8");
    }

    @Test
    void nearestPicksTheClosestLevel() {
        double[] levels = NormalFloat.levels(4);
        for (double x = -1.2; x <= 1.2; x += 0.001) {
            int best = 0;
            for (int i = 1; i < 16; i++) {
                if (Math.abs(x - levels[i]) < Math.abs(x - levels[best])) {
                    best = i;
                }
            }
            assertThat(Math.abs(x - levels[NormalFloat.nearest(levels, x)])).isEqualTo(Math.abs(x - levels[best]));
        }
    }
}
