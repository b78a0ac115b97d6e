package org.lowrank4j.spark.completion;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.apache.spark.sql.SparkSession;
import org.lowrank4j.algorithms.completion.CompletedMatrix;
import org.lowrank4j.algorithms.completion.RobustAltMin;
import org.lowrank4j.algorithms.completion.RobustAltMinOptions;
import org.lowrank4j.spark.LocalSpark;

/**
 * Not a test: held-out RMSE and wall time of our alternating minimisation on one machine, the same on Spark, and
 * MLlib's ALS, on one planted problem. Args: size rank fraction alsSweeps alsLambda master checkpointDir out.json.
 */
public final class SparkCompletionTiming {
    public static void main(String[] args) throws IOException {
        int size = Integer.parseInt(args[0]), rank = Integer.parseInt(args[1]);
        double fraction = Double.parseDouble(args[2]);
        int sweeps = Integer.parseInt(args[3]);
        double lambda = Double.parseDouble(args[4]);
        String master = args[5];
        Path out = Path.of(args[7]);
        String loadBefore = Files.readString(Path.of("/proc/loadavg")).trim();
        PlantedProblem planted = new PlantedProblem(size, size, rank, fraction, 20000, 3);
        double scale = planted.heldOutScale();
        RobustAltMinOptions options = RobustAltMinOptions.ofRank(rank);

        long s = System.nanoTime();
        CompletedMatrix local = new RobustAltMin(options).complete(planted.observed);
        double localSeconds = seconds(s);

        SparkSession session = LocalSpark.session(master, "lowrank4j-completion-timing");
        session.sparkContext().setLogLevel("WARN");
        session.sparkContext().setCheckpointDir(args[6]);
        s = System.nanoTime();
        CompletedMatrix spark = new SparkAltMin(session, options, 4).complete(planted.observed);
        double sparkSeconds = seconds(s);
        s = System.nanoTime();
        CompletedMatrix als = new MllibAls(rank, sweeps, lambda, 4, 5).fit(session, planted.observed);
        double alsSeconds = seconds(s);
        session.stop();

        double maxDiff = 0;
        for (int i = 0; i < size; i++) {
            for (int j = 0; j < size; j++) {
                maxDiff = Math.max(maxDiff, Math.abs(spark.get(i, j) - local.get(i, j)));
            }
        }
        String json = String.format(Locale.ROOT, """
                {"what": "matrix completion of a planted low-rank matrix: ours on one machine, ours on Spark, MLlib ALS",
                 "rows": %d, "cols": %d, "rank": %d, "observedFraction": %.2f, "observed": %d, "heldOut": %d, "heldOutRms": %.4f,
                 "master": "%s", "cores": %d,
                 "altMinLocal": {"seconds": %.2f, "iterations": %d, "heldOutRmse": %.3e, "relativeError": %.3e},
                 "altMinSpark": {"seconds": %.2f, "iterations": %d, "heldOutRmse": %.3e, "relativeError": %.3e, "maxAbsDifferenceToLocal": %.3e},
                 "mllibAls": {"seconds": %.2f, "sweeps": %d, "regParam": %.1e, "heldOutRmse": %.3e, "relativeError": %.3e},
                 "loadAverageBefore": "%s", "loadAverageAfter": "%s"}
                """, size, size, rank, fraction, planted.observed.count(), planted.heldOut.count(), scale, master,
                Runtime.getRuntime().availableProcessors(),
                localSeconds, local.iterations(), local.rmse(planted.heldOut), local.relativeError(planted.matrix),
                sparkSeconds, spark.iterations(), spark.rmse(planted.heldOut), spark.relativeError(planted.matrix), maxDiff,
                alsSeconds, sweeps, lambda, als.rmse(planted.heldOut), als.relativeError(planted.matrix),
                loadBefore, Files.readString(Path.of("/proc/loadavg")).trim());
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.writeString(out, json);
        System.out.print(json);
    }

    private static double seconds(long start) {
        return (System.nanoTime() - start) / 1e9;
    }
}
