package org.lowrank4j.spark.completion;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.lowrank4j.algorithms.completion.CompletedMatrix;
import org.lowrank4j.algorithms.completion.ObservedEntries;
import org.lowrank4j.algorithms.completion.RobustAltMin;
import org.lowrank4j.algorithms.completion.RobustAltMinOptions;
import org.lowrank4j.spark.SparkTestSession;

/**
 * Issue 18, the Spark module: on a planted rank-10 400×400 matrix with 20% of its entries observed, our alternating
 * minimisation distributed over an RDD of entries equals the single-machine solver to rounding, and MLlib's ALS (the
 * baseline) and both of ours recover the held-out entries.
 */
class SparkCompletionTest {
    private static SparkSession session;
    private static PlantedProblem planted;
    private static CompletedMatrix local;
    /** Tolerance 1e-9 instead of the default 1e-12 keeps the test short; the error bound asserted stays 1e-6. */
    private static final RobustAltMinOptions OPTIONS = RobustAltMinOptions.ofRank(10).withTolerance(1e-9);

    @BeforeAll
    static void start() {
        session = SparkTestSession.start();
        planted = new PlantedProblem(400, 400, 10, 0.2, 5000, 3);
        local = new RobustAltMin(OPTIONS).complete(planted.observed);
    }

    @AfterAll
    static void stop() {
        session.stop();
    }

    @Test
    void distributedAltMinEqualsTheSingleMachineSolver() {
        CompletedMatrix spark = new SparkAltMin(session, OPTIONS, 2).complete(planted.observed);
        double maxDiff = 0, maxAbs = 0;
        for (int i = 0; i < planted.rows; i++) {
            for (int j = 0; j < planted.cols; j++) {
                maxDiff = Math.max(maxDiff, Math.abs(spark.get(i, j) - local.get(i, j)));
                maxAbs = Math.max(maxAbs, Math.abs(planted.matrix[i * planted.cols + j]));
            }
        }
        double scale = planted.heldOutScale();
        System.out.printf("planted 400x400 rank 10, p=0.2: single machine rel. error %.2e (%d it.), held-out RMSE/rms %.2e; "
                        + "Spark alt-min rel. error %.2e (%d it.), held-out RMSE/rms %.2e; max |X_spark - X_local| %.2e (max |M| %.1f)%n",
                local.relativeError(planted.matrix), local.iterations(), local.rmse(planted.heldOut) / scale,
                spark.relativeError(planted.matrix), spark.iterations(), spark.rmse(planted.heldOut) / scale, maxDiff, maxAbs);
        assertThat(local.relativeError(planted.matrix)).isLessThan(1e-6);
        assertThat(spark.relativeError(planted.matrix)).isLessThan(1e-6);
        assertThat(spark.rmse(planted.heldOut)).isLessThan(1e-6 * scale);
        assertThat(maxDiff).isLessThan(1e-6 * maxAbs);
    }

    @Test
    void mllibAlsRecoversTheHeldOutEntriesToFloatPrecision() {
        CompletedMatrix als = new MllibAls(10, 10, 1e-6, 2, 5).fit(session, planted.observed);
        double scale = planted.heldOutScale();
        double ratio = als.rmse(planted.heldOut) / scale;
        System.out.printf("MLlib ALS rank 10, 10 sweeps, λ 1e-6: held-out RMSE/rms %.2e, rel. error %.2e; ours (single machine) %.2e%n",
                ratio, als.relativeError(planted.matrix), local.rmse(planted.heldOut) / scale);
        assertThat(ratio).isLessThan(1e-3);
        assertThat(local.rmse(planted.heldOut)).isLessThan(als.rmse(planted.heldOut));
    }

    @Test
    void aRowWithoutEntriesIsOneClearLine() {
        ObservedEntries gap = ObservedEntries.of(3, 3, new int[] {0, 0, 2, 2}, new int[] {0, 1, 1, 2}, new double[] {1, 2, 3, 4});
        assertThatThrownBy(() -> new SparkAltMin(session, RobustAltMinOptions.ofRank(1), 2).complete(gap))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("row");
        assertThatThrownBy(() -> new SparkAltMin(session, RobustAltMinOptions.ofRank(1).withSampleSplitting(true), 2))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("sample splitting");
        assertThatThrownBy(() -> new MllibAls(5, 10, 0.1, 2, 1).fit(session, ObservedEntries.of(3, 3, new int[] {0, 1, 2}, new int[] {0, 1, 2},
                new double[] {1, 2, 3}))).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("rank 5");
    }
}
