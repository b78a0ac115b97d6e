package org.lowrank4j.algorithms.completion;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.lowrank4j.algorithms.completion.RobustAltMinOptions.Solver;

class RobustAltMinTest {

    /** Spec test 1: m=200, n=150, k=5, p=0.3 ⇒ relative error below 1e-6 within 50 iterations. */
    @Test
    void recoversPlantedRankFiveFromThirtyPercent() {
        double[] m = Planted.matrix(200, 150, 5, 1);
        ObservedEntries observed = ObservedEntries.sample(200, 150, m, 0.3, 2);
        CompletedMatrix x = new RobustAltMin(RobustAltMinOptions.ofRank(5).withMaxIterations(50)).complete(observed);
        System.out.printf("planted 200x150 rank 5, p=0.3: relative error %.3e after %d iterations%n", x.relativeError(m), x.iterations());
        assertThat(x.relativeError(m)).isLessThan(1e-6);
        assertThat(x.iterations()).isLessThanOrEqualTo(50);
    }

    /** The acceptance shape scaled down for CI: rank 10 from 20% of a 400×400 matrix (the 1000×1000 run is in results/completion). */
    @Test
    void recoversPlantedRankTenFromTwentyPercent() {
        double[] m = Planted.matrix(400, 400, 10, 3);
        ObservedEntries observed = ObservedEntries.sample(400, 400, m, 0.2, 4);
        CompletedMatrix x = new RobustAltMin(RobustAltMinOptions.ofRank(10)).complete(observed);
        System.out.printf("planted 400x400 rank 10, p=0.2: relative error %.3e after %d iterations%n", x.relativeError(m), x.iterations());
        assertThat(x.relativeError(m)).isLessThan(1e-6);
    }

    /** Spec test 2: the CG and Cholesky solvers give the same iterates. */
    @Test
    void conjugateGradientMatchesCholesky() {
        double[] m = Planted.matrix(120, 90, 4, 5);
        ObservedEntries observed = ObservedEntries.sample(120, 90, m, 0.35, 6);
        RobustAltMinOptions options = RobustAltMinOptions.ofRank(4).withMaxIterations(8).withTolerance(0);
        CompletedMatrix exact = new RobustAltMin(options).complete(observed);
        CompletedMatrix cg = new RobustAltMin(options.withSolver(Solver.CONJUGATE_GRADIENT)).complete(observed);
        double diff = 0;
        for (int i = 0; i < 120; i++) {
            for (int j = 0; j < 90; j++) {
                diff = Math.max(diff, Math.abs(exact.get(i, j) - cg.get(i, j)));
            }
        }
        System.out.printf("CG vs Cholesky after 8 iterations: max difference %.2e%n", diff);
        assertThat(diff).isLessThan(1e-8);
    }

    @Test
    void sampleSplittingAlsoConverges() {
        double[] m = Planted.matrix(150, 150, 3, 7);
        ObservedEntries observed = ObservedEntries.sample(150, 150, m, 0.9, 8); // 7 parts of about 13% each
        CompletedMatrix x = new RobustAltMin(RobustAltMinOptions.ofRank(3).withMaxIterations(3).withSampleSplitting(true)).complete(observed);
        System.out.printf("sample splitting, 7 parts: relative error %.3e%n", x.relativeError(m));
        assertThat(x.relativeError(m)).isLessThan(0.1);
    }

    /** Spec test 4: noisy observations give an error floor near the noise level, not a blow-up. */
    @Test
    void noiseGivesAFloorNearTheNoiseLevel() {
        int rows = 200, cols = 200;
        double[] m = Planted.matrix(rows, cols, 5, 9);
        double[] noisy = m.clone();
        Random random = new Random(10);
        for (int e = 0; e < noisy.length; e++) {
            noisy[e] += 1e-3 * random.nextGaussian();
        }
        ObservedEntries observed = ObservedEntries.sample(rows, cols, noisy, 0.3, 11);
        CompletedMatrix x = new RobustAltMin(RobustAltMinOptions.ofRank(5)).complete(observed);
        double rms = 0;
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                double d = x.get(i, j) - m[i * cols + j];
                rms += d * d;
            }
        }
        rms = Math.sqrt(rms / (rows * cols));
        assertThat(rms).isLessThan(1e-3);
    }

    @Test
    void sameSeedSameResult() {
        double[] m = Planted.matrix(60, 50, 3, 12);
        ObservedEntries observed = ObservedEntries.sample(60, 50, m, 0.4, 13);
        RobustAltMinOptions options = RobustAltMinOptions.ofRank(3).withMaxIterations(5);
        assertThat(new RobustAltMin(options).complete(observed).toMatrix().data())
                .containsExactly(new RobustAltMin(options).complete(observed).toMatrix().data());
    }

    @Test
    void aRowWithoutEntriesIsOneClearLine() {
        double[] m = Planted.matrix(20, 10, 2, 14);
        boolean[] mask = new boolean[200];
        java.util.Arrays.fill(mask, true);
        for (int j = 0; j < 10; j++) {
            mask[7 * 10 + j] = false;
        }
        ObservedEntries observed = ObservedEntries.fromMask(20, 10, m, mask);
        assertThatThrownBy(() -> new RobustAltMin(RobustAltMinOptions.ofRank(2)).complete(observed))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("row 7 of the 20x10 matrix has no observed entry; every row and column needs at least one to be completed");
        assertThatThrownBy(() -> SoftImpute.complete(observed, new SoftImpute.Options(1, 2, 10, 1e-5, 1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("row 7");
    }

    @Test
    void aRankAboveTheDimensionsIsOneClearLine() {
        ObservedEntries observed = ObservedEntries.sample(8, 6, Planted.matrix(8, 6, 2, 15), 1.0, 16);
        assertThatThrownBy(() -> new RobustAltMin(RobustAltMinOptions.ofRank(7)).complete(observed))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("rank 7 is above the dimensions of the 8x6 matrix (at most 6)");
        assertThatThrownBy(() -> RobustAltMinOptions.ofRank(0)).isInstanceOf(IllegalArgumentException.class).hasMessage("rank must be at least 1, got 0");
    }

    @Test
    void badEntriesAreRefused() {
        assertThatThrownBy(() -> ObservedEntries.of(3, 3, new int[] {0, 0}, new int[] {1, 1}, new double[] {1, 2}))
                .hasMessage("entry (0, 1) is observed twice; give each entry once");
        assertThatThrownBy(() -> ObservedEntries.of(3, 3, new int[] {3}, new int[] {1}, new double[] {1}))
                .hasMessage("observed entry (3, 1) is outside the 3x3 matrix");
        assertThatThrownBy(() -> ObservedEntries.of(3, 3, new int[] {0}, new int[] {1}, new double[] {Double.NaN}))
                .hasMessage("observed entry (0, 1) is NaN; values must be finite");
    }

    @Test
    void indexesAgree() {
        ObservedEntries o = ObservedEntries.of(3, 4, new int[] {2, 0, 1, 0}, new int[] {3, 2, 0, 0}, new double[] {5, 6, 7, 8});
        assertThat(o.row(0)).isEqualTo(0);
        assertThat(o.col(0)).isEqualTo(0);
        assertThat(o.value(0)).isEqualTo(8);
        assertThat(o.rowCount(0)).isEqualTo(2);
        assertThat(o.colCount(0)).isEqualTo(2);
        int e = o.columnEntry(o.colStart(3));
        assertThat(o.value(e)).isEqualTo(5);
    }
}
