package org.lowrank4j.algorithms.anncur;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The CUR index on planted low-rank score matrices (spec 16's tests 1 and 3) and its refusals. */
class CurIndexTest {

    /** Scores M = Q · Iᵀ of rank d: queries × items, plus optional Gaussian noise. */
    static double[][] planted(int queries, int items, int d, double noise, long seed) {
        Random r = new Random(seed);
        double[][] q = new double[queries][d], it = new double[items][d];
        for (double[] row : q) {
            for (int c = 0; c < d; c++) {
                row[c] = r.nextGaussian();
            }
        }
        for (double[] row : it) {
            for (int c = 0; c < d; c++) {
                row[c] = r.nextGaussian();
            }
        }
        double[][] m = new double[queries][items];
        for (int a = 0; a < queries; a++) {
            for (int b = 0; b < items; b++) {
                double s = 0;
                for (int c = 0; c < d; c++) {
                    s += q[a][c] * it[b][c];
                }
                m[a][b] = s + noise * r.nextGaussian();
            }
        }
        return m;
    }

    static double[][] rows(double[][] m, int from, int to) {
        return java.util.Arrays.copyOfRange(m, from, to);
    }

    @Test
    void approximateScoresAreExactOnAPlantedLowRankMatrix() {
        int d = 6, n = 300;
        double[][] m = planted(60, n, d, 0, 1); // 40 anchor queries, 20 test queries
        CurIndex index = CurIndex.build(rows(m, 0, 40), CurIndex.randomAnchors(n, 10, 7));
        assertThat(index.kept()).isEqualTo(d);
        double worst = 0;
        for (int q = 40; q < 60; q++) {
            double[] anchors = CountingCrossEncoder.of(m).score(q, index.anchorItems());
            double[] approx = index.approximate(anchors);
            for (int j = 0; j < n; j++) {
                worst = Math.max(worst, Math.abs(approx[j] - m[q][j]));
            }
        }
        System.out.printf("planted rank %d, k_q 40, k_i 10: max |ŝ − s| = %.3e%n", d, worst);
        assertThat(worst).isLessThan(1e-8);
    }

    @Test
    void tooFewAnchorItemsForTheRankAreNotExact() {
        int d = 12, n = 200;
        double[][] m = planted(50, n, d, 0, 2);
        CurIndex index = CurIndex.build(rows(m, 0, 40), CurIndex.randomAnchors(n, 6, 3));
        double[] approx = index.approximate(CountingCrossEncoder.of(m).score(45, index.anchorItems()));
        double worst = 0;
        for (int j = 0; j < n; j++) {
            worst = Math.max(worst, Math.abs(approx[j] - m[45][j]));
        }
        assertThat(worst).isGreaterThan(1e-2);
    }

    @Test
    void anchorItemsAreSortedDistinctAndSeeded() {
        int[] a = CurIndex.randomAnchors(100, 30, 5);
        assertThat(a).isSorted().doesNotHaveDuplicates().hasSize(30);
        assertThat(CurIndex.randomAnchors(100, 30, 5)).isEqualTo(a);
        assertThat(CurIndex.randomAnchors(100, 30, 6)).isNotEqualTo(a);
        CurIndex index = CurIndex.build(planted(5, 20, 2, 0, 1), new int[] {9, 2, 4});
        assertThat(index.anchorItems()).containsExactly(2, 4, 9);
    }

    @Test
    void badIndexInputsAreRefusedInOneLine() {
        double[][] m = planted(5, 20, 2, 0, 1);
        assertThatThrownBy(() -> CurIndex.build(m, CurIndex.randomAnchors(20, 21, 1))).hasMessageContaining("k_i must be in [1, 20]");
        assertThatThrownBy(() -> CurIndex.build(m, new int[21])).hasMessageContaining("21 anchor items but only 20 items");
        assertThatThrownBy(() -> CurIndex.build(m, new int[] {1, 1})).hasMessageContaining("anchor item 1 is given twice");
        assertThatThrownBy(() -> CurIndex.build(m, new int[] {20})).hasMessageContaining("outside the 20 items");
        assertThatThrownBy(() -> CurIndex.build(new double[0][], new int[] {0})).hasMessageContaining("at least one anchor query");
        double[][] bad = planted(5, 20, 2, 0, 1);
        bad[3][7] = Double.NaN;
        assertThatThrownBy(() -> CurIndex.build(bad, new int[] {0})).hasMessageContaining("anchor query 3 has a non-finite score");
        assertThatThrownBy(() -> CurIndex.build(m, new int[] {0, 1}).approximate(new double[3])).hasMessageContaining("2 anchor items but 3");
    }
}
