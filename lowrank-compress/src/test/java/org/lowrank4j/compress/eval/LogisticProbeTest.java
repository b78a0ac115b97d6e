package org.lowrank4j.compress.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import org.junit.jupiter.api.Test;

class LogisticProbeTest {

    /** Two Gaussian blobs, far apart along a direction, plus noise dimensions. */
    private static float[][] blobs(int[] labels, long seed) {
        Random random = new Random(seed);
        float[][] x = new float[labels.length][5];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = i % 2;
            for (int j = 0; j < 5; j++) {
                x[i][j] = (float) random.nextGaussian();
            }
            x[i][0] += labels[i] == 1 ? 6 : -6;
            x[i][1] += labels[i] == 1 ? 3 : -3;
        }
        return x;
    }

    @Test
    void separatesASeparableSet() {
        int[] y = new int[200];
        float[][] x = blobs(y, 1);
        LogisticProbe.Split split = LogisticProbe.stratifiedSplit(y, 0.7, 42);

        assertThat(LogisticProbe.trainAndTest(x, y, split, 0.01)).isEqualTo(1.0);
        LogisticProbe probe = LogisticProbe.fit(x, y, 0.01);
        assertThat(probe.accuracy(x, y)).isEqualTo(1.0);
        assertThat(probe.probability(new float[] {8, 4, 0, 0, 0})).isGreaterThan(0.99);
        assertThat(probe.predict(new float[] {-8, -4, 0, 0, 0})).isZero();
    }

    @Test
    void randomLabelsAreNotLearnedOnTheTestSet() {
        Random random = new Random(3);
        float[][] x = new float[400][4];
        int[] y = new int[400];
        for (int i = 0; i < x.length; i++) {
            y[i] = random.nextInt(2);
            for (int j = 0; j < 4; j++) {
                x[i][j] = (float) random.nextGaussian();
            }
        }
        double accuracy = LogisticProbe.trainAndTest(x, y, LogisticProbe.stratifiedSplit(y, 0.7, 1), 0.01);
        assertThat(accuracy).isBetween(0.35, 0.65);
    }

    @Test
    void splitIsStratifiedDisjointAndDeterministic() {
        int[] y = new int[100];
        for (int i = 0; i < 100; i++) {
            y[i] = i < 40 ? 1 : 0;
        }
        LogisticProbe.Split split = LogisticProbe.stratifiedSplit(y, 0.7, 5);

        assertThat(split.train()).hasSize(70);
        assertThat(split.test()).hasSize(30);
        assertThat(java.util.Arrays.stream(split.test()).filter(i -> y[i] == 1).count()).isEqualTo(12);
        assertThat(split.train()).doesNotContain(split.test());
        assertThat(LogisticProbe.stratifiedSplit(y, 0.7, 5).train()).containsExactly(split.train());
        assertThat(LogisticProbe.stratifiedSplit(y, 0.7, 6).train()).isNotEqualTo(split.train());
    }

    @Test
    void rejectsNonBinaryLabelsAndBadFractions() {
        assertThatThrownBy(() -> LogisticProbe.fit(new float[][] {{1}, {2}}, new int[] {0, 2}, 0.1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("binary");
        assertThatThrownBy(() -> LogisticProbe.stratifiedSplit(new int[] {0, 1}, 1.0, 1))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
