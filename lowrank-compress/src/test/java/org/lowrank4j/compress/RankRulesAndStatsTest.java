package org.lowrank4j.compress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.linalg.Linalg;

class RankRulesAndStatsTest {

    @Test
    void ratioToRankFollowsTheParameterConvention() {
        // spec c01 "how to test it" 5, and c03's 768² example at kept ratio 0.9
        assertThat(RankRules.rankForRatio(4096, 4096, 0.2)).isEqualTo(1638);
        assertThat(RankRules.rankForRatio(11008, 4096, 0.2)).isEqualTo(2388);
        assertThat(RankRules.rankForRatio(768, 768, 0.1)).isEqualTo(345);
        assertThat(RankRules.rankForRatio(384, 384, 0.2)).isEqualTo(153);
        assertThat(RankRules.saves(384, 384, 191)).isTrue();
        assertThat(RankRules.saves(384, 384, 192)).isFalse();
        assertThat(RankRules.parametersAt(384, 1536, 100)).isEqualTo(100L * (384 + 1536));
        assertThat(RankRules.parametersAt(384, 1536, 400)).isEqualTo(384L * 1536);
    }

    @Test
    void ratioOutsideTheOpenIntervalIsRefused() {
        for (double bad : new double[] {0, 1, -0.1, 1.5, Double.NaN}) {
            assertThatThrownBy(() -> RankRules.rankForRatio(10, 10, bad)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("(0, 1)");
        }
    }

    @Test
    void streamingStatsEqualTheBatchGram() {
        DoubleMatrix x = Synthetic.activations(300, 12, 1, 5, 1);
        float[] rows = x.toFloat().data();
        LayerStats streamed = new LayerStats(12);
        streamed.accumulate(rows, 0, 100);
        streamed.accumulate(rows, 100 * 12, 150);
        LayerStats rest = new LayerStats(12);
        rest.accumulate(rows, 250 * 12, 50);
        streamed.merge(rest);
        DoubleMatrix expected = Linalg.gram(x.toFloat());
        assertThat(streamed.tokens()).isEqualTo(300);
        assertThat(streamed.gram().approximatelyEquals(expected, 1e-9 * expected.frobeniusNorm())).isTrue();
        double mean0 = 0;
        for (int t = 0; t < 300; t++) {
            mean0 += Math.abs((double) (float) x.get(t, 0)) / 300;
        }
        assertThat(streamed.meanAbs()[0]).isCloseTo(mean0, org.assertj.core.data.Offset.offset(1e-9));
    }

    @Test
    void nonFiniteActivationsAreReported() {
        LayerStats stats = new LayerStats(3);
        assertThatThrownBy(() -> stats.accumulate(new float[] {1, 2, Float.NaN}, 0, 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not finite").hasMessageContaining("channel 2");
        assertThatThrownBy(() -> stats.accumulate(new float[] {1, 2}, 0, 1)).isInstanceOf(IllegalArgumentException.class);
    }
}
