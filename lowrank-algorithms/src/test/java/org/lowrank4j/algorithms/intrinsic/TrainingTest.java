package org.lowrank4j.algorithms.intrinsic;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.lowrank4j.nn.tensor.Precision;

/** A few steps of both phases on tiny scenes lower each phase's loss. */
class TrainingTest {

    @Test
    void bothPhasesLowerTheirLoss() {
        IntrinsicModel model = new IntrinsicModel(new IntrinsicConfig(16, 32, new int[] {4, 8}), Precision.FLOAT32, 1);
        List<Double> ordinal = new ArrayList<>(), merge = new ArrayList<>();
        new IntrinsicTraining(model, new TrainingOptions(0, 3, 60, 60, 2, 5e-3, 2)).run((phase, step, steps, loss) ->
                (phase.equals("ordinal") ? ordinal : merge).add(loss));
        assertThat(ordinal).hasSize(60);
        assertThat(merge).hasSize(60);
        System.out.printf("ordinal loss %.4f -> %.4f, merge loss %.4f -> %.4f%n", mean(ordinal, 0), mean(ordinal, 50), mean(merge, 0), mean(merge, 50));
        assertThat(mean(ordinal, 50)).isLessThan(mean(ordinal, 0));
        assertThat(mean(merge, 50)).isLessThan(0.8 * mean(merge, 0));
    }

    private static double mean(List<Double> values, int from) {
        return values.subList(from, from + 10).stream().mapToDouble(Double::doubleValue).average().orElseThrow();
    }
}
