package org.lowrank4j.compress.recover;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.weight.LowRankWeight;

/** ‖AB − W‖ per site, worked by hand on a rank-1 pair. */
class WeightDistanceTest {

    @Test
    void relativeFrobeniusAndLargestEntryOfTheDifference() {
        // A = [1; 2], B = [3 4]: AB = [[3, 4], [6, 8]]; W differs in one entry by 1
        LowRankWeight f = new LowRankWeight(new Parameter("a", Tensor.of(Precision.FLOAT64, new double[] {1, 2}, 2, 1)),
                new Parameter("b", Tensor.of(Precision.FLOAT64, new double[] {3, 4}, 1, 2)));
        Tensor w = Tensor.of(Precision.FLOAT64, new double[] {3, 4, 6, 9}, 2, 2);
        WeightDistance d = WeightDistance.of("site", f, w);
        assertThat(d.rank()).isEqualTo(1);
        assertThat(d.maxEntry()).isCloseTo(1, Offset.offset(1e-12));
        assertThat(d.relative()).isCloseTo(1 / Math.sqrt(9 + 16 + 36 + 81), Offset.offset(1e-12));
        assertThatThrownBy(() -> WeightDistance.of("site", f, Tensor.zeros(Precision.FLOAT64, 3, 2))).hasMessageContaining("site");
    }
}
