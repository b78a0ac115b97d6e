package org.lowrank4j.compress.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

class EmbeddingMetricsTest {

    @Test
    void cosineOfKnownVectors() {
        assertThat(EmbeddingMetrics.cosine(new float[] {1, 0}, new float[] {1, 1})).isCloseTo(Math.sqrt(0.5), within(1e-12));
        assertThat(EmbeddingMetrics.cosine(new float[] {3, 4}, new float[] {-6, -8})).isCloseTo(-1, within(1e-12));
        assertThat(EmbeddingMetrics.cosine(new float[] {1, 2, 3}, new float[] {-2, 1, 0})).isCloseTo(0, within(1e-12));
        assertThat(EmbeddingMetrics.cosine(new float[] {0, 0}, new float[] {1, 1})).isZero();
        assertThatThrownBy(() -> EmbeddingMetrics.cosine(new float[2], new float[3]))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void percentileInterpolatesLikeNumpy() {
        double[] values = {5, 1, 4, 2, 3};
        assertThat(EmbeddingMetrics.percentile(values, 0)).isEqualTo(1);
        assertThat(EmbeddingMetrics.percentile(values, 50)).isEqualTo(3);
        assertThat(EmbeddingMetrics.percentile(values, 5)).isCloseTo(1.2, within(1e-12));
        assertThat(EmbeddingMetrics.percentile(values, 100)).isEqualTo(5);
        assertThat(EmbeddingMetrics.mean(values)).isEqualTo(3);
    }

    /** Four tight clusters of five points: each point's four nearest neighbours are its cluster mates. */
    private static float[][] clusters() {
        Random random = new Random(7);
        float[][] rows = new float[20][8];
        for (int i = 0; i < 20; i++) {
            rows[i][i / 5] = 10;
            for (int j = 4; j < 8; j++) {
                rows[i][j] = (float) random.nextGaussian();
            }
        }
        return rows;
    }

    @Test
    void neighboursExcludeTheRowItself() {
        int[][] neighbours = EmbeddingMetrics.nearestNeighbours(clusters(), 4);
        assertThat(neighbours[0]).containsExactlyInAnyOrder(1, 2, 3, 4);
        assertThat(neighbours[17]).containsExactlyInAnyOrder(15, 16, 18, 19);
        assertThatThrownBy(() -> EmbeddingMetrics.nearestNeighbours(clusters(), 20))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void recallOnPlantedPermutations() {
        float[][] reference = clusters();
        // shuffling points within their own cluster keeps every neighbour set: recall 1
        float[][] withinClusters = reference.clone();
        withinClusters[0] = reference[3];
        withinClusters[3] = reference[0];
        assertThat(EmbeddingMetrics.recallAtK(reference, withinClusters, 4)).isEqualTo(1.0);

        // swapping point 0 (cluster A) with point 5 (cluster B): the two swapped points keep none of their
        // neighbours, the other 8 points of A and B keep 3 of 4, the 10 others all: (0 + 8 * 0.75 + 10) / 20
        float[][] acrossClusters = reference.clone();
        acrossClusters[0] = reference[5];
        acrossClusters[5] = reference[0];
        assertThat(EmbeddingMetrics.recallAtK(reference, acrossClusters, 4)).isCloseTo(0.8, within(1e-12));
    }

    @Test
    void normalizeRowsGivesUnitLength() {
        float[][] unit = EmbeddingMetrics.normalizeRows(new float[][] {{3, 4}, {0, 0}});
        assertThat(unit[0]).containsExactly(0.6f, 0.8f);
        assertThat(unit[1]).containsExactly(0f, 0f);
    }
}
