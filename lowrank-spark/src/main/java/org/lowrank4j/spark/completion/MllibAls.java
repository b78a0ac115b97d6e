package org.lowrank4j.spark.completion;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.ml.recommendation.ALS;
import org.apache.spark.ml.recommendation.ALSModel;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.lowrank4j.algorithms.completion.CompletedMatrix;
import org.lowrank4j.algorithms.completion.ObservedEntries;
import org.lowrank4j.linalg.DoubleMatrix;

/**
 * The baseline that completion on Spark is measured against: Spark MLlib's {@link ALS} (explicit feedback, alternating
 * least squares with the "weighted-λ" regularisation of Zhou et al. 2008: λ scaled by each row's or column's number of
 * entries) on the same observed entries. Its factors are float32 inside MLlib; they come back as a
 * {@link CompletedMatrix} so that held-out errors are computed the same way as for our solvers.
 *
 * @param rank          k
 * @param maxIterations ALS sweeps
 * @param regParam      MLlib's λ
 * @param blocks        user and item blocks (parallelism)
 */
public record MllibAls(int rank, int maxIterations, double regParam, int blocks, long seed) {
    /** Sweeps between checkpoints (used when the context has a checkpoint directory). */
    private static final int CHECKPOINT_INTERVAL = 10;

    public MllibAls {
        if (rank < 1 || maxIterations < 1 || blocks < 1 || !(regParam >= 0)) {
            throw new IllegalArgumentException("ALS needs rank, iterations and blocks of at least 1 and a regularisation >= 0; got rank "
                    + rank + ", " + maxIterations + " iterations, " + blocks + " blocks, λ " + regParam);
        }
    }

    public CompletedMatrix fit(SparkSession session, ObservedEntries observed) {
        int m = observed.rows(), n = observed.cols();
        if (rank > Math.min(m, n)) {
            throw new IllegalArgumentException("rank " + rank + " is above the dimensions of the " + m + "x" + n + " matrix (at most " + Math.min(m, n) + ")");
        }
        observed.requireEveryRowAndColumn();
        if (maxIterations > CHECKPOINT_INTERVAL && session.sparkContext().getCheckpointDir().isEmpty()) {
            throw new IllegalArgumentException(maxIterations + " ALS sweeps need a checkpoint directory (SparkContext.setCheckpointDir): "
                    + "without one MLlib's ALS keeps the whole lineage and overflows the stack; set one or run at most " + CHECKPOINT_INTERVAL);
        }
        StructType schema = new StructType()
                .add("row", DataTypes.IntegerType, false)
                .add("col", DataTypes.IntegerType, false)
                .add("value", DataTypes.DoubleType, false);
        List<Row> rows = new ArrayList<>(observed.count());
        for (int e = 0; e < observed.count(); e++) {
            rows.add(RowFactory.create(observed.row(e), observed.col(e), observed.value(e)));
        }
        Dataset<Row> ratings = session.createDataFrame(rows, schema);
        ALSModel model = new ALS().setRank(rank).setMaxIter(maxIterations).setRegParam(regParam).setSeed(seed)
                .setNumUserBlocks(blocks).setNumItemBlocks(blocks).setCheckpointInterval(CHECKPOINT_INTERVAL)
                .setUserCol("row").setItemCol("col").setRatingCol("value")
                .fit(ratings);
        return new CompletedMatrix(factors(model.userFactors(), m), factors(model.itemFactors(), n), maxIterations, List.of());
    }

    /** The (id, features: array of float) table as a count × k matrix (ids absent from the table stay zero). */
    private DoubleMatrix factors(Dataset<Row> table, int count) {
        DoubleMatrix out = DoubleMatrix.zeros(count, rank);
        for (Row r : table.collectAsList()) {
            int id = r.getInt(0);
            List<Object> features = r.getList(1);
            for (int c = 0; c < rank; c++) {
                out.set(id, c, ((Number) features.get(c)).doubleValue());
            }
        }
        return out;
    }
}
