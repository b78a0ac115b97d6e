package org.lowrank4j.spark.completion;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.HashPartitioner;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.lowrank4j.algorithms.completion.CompletedMatrix;
import org.lowrank4j.algorithms.completion.ObservedEntries;
import org.lowrank4j.algorithms.completion.RobustAltMin;
import org.lowrank4j.algorithms.completion.RobustAltMinOptions;
import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.linalg.Linalg;
import org.lowrank4j.linalg.SvdResult;
import org.lowrank4j.linalg.decomposition.ExactSvd;
import org.lowrank4j.linalg.decomposition.Qr;
import scala.Tuple2;

/**
 * {@link RobustAltMin} distributed over a Spark RDD of observed entries: the same steps (spectral start by subspace
 * iteration on (1/p)·P_Ω(M), incoherence clipping, alternating per-column and per-row least squares with the same
 * relative ridge, QR between half-steps, the same stopping rule), with every pass over Ω a Spark job. The entries stay
 * on the executors, keyed once by row and once by column; the driver holds only the factors U (m×k) and V (n×k), which
 * it broadcasts to each job and re-orthonormalises between jobs.
 *
 * <p>Per half-step one job: each column j adds Σ_{i∈R_j} u_i u_iᵀ and Σ M_ij u_i over its entries (k² + k numbers),
 * solves its k×k system on the executor, and sends back v_j; the row half-step also returns the residual. Each
 * system is summed over its entries in the order the shuffle delivered them and the residual's total in partition
 * order, so results agree with {@link RobustAltMin} to rounding; in the tests and the 1000×1000 run the order happened
 * to be the single machine's and the completions were identical. Every step uses all of Ω (no sample splitting);
 * the per-column solve is Cholesky.
 */
public final class SparkAltMin {
    private static final int POWER_ITERATIONS = 4;    // as the single-machine start
    private final JavaSparkContext context;
    private final RobustAltMinOptions options;
    private final int partitions;

    /**
     * @param partitions how many parts the entries are split into (a few per executor core)
     * @throws IllegalArgumentException when the options ask for sample splitting or the conjugate-gradient solver
     */
    public SparkAltMin(SparkSession session, RobustAltMinOptions options, int partitions) {
        if (options.sampleSplitting() || options.solver() != RobustAltMinOptions.Solver.EXACT) {
            throw new IllegalArgumentException("the Spark alternating minimisation uses all entries every step and the Cholesky solve; "
                    + "turn off sample splitting and the conjugate-gradient solver");
        }
        if (partitions < 1) {
            throw new IllegalArgumentException("partitions must be at least 1, got " + partitions);
        }
        this.context = JavaSparkContext.fromSparkContext(session.sparkContext());
        this.options = options;
        this.partitions = partitions;
    }

    /** Completes a driver-side set of entries (checked as {@link RobustAltMin} checks them), distributed over the executors. */
    public CompletedMatrix complete(ObservedEntries observed) {
        int m = observed.rows(), n = observed.cols(), k = options.rank();
        if (k > Math.min(m, n)) {
            throw new IllegalArgumentException("rank " + k + " is above the dimensions of the " + m + "x" + n + " matrix (at most " + Math.min(m, n) + ")");
        }
        observed.requireEveryRowAndColumn();
        return complete(context.parallelize(Entry.of(observed), partitions), m, n);
    }

    /**
     * Completes an m×n matrix from entries already on the cluster (each (row, col) at most once, 0-based indices).
     *
     * @throws IllegalArgumentException when an index is out of range, a row or column has no entry, or the entries
     *                                  cannot determine a rank-k matrix
     */
    public CompletedMatrix complete(JavaRDD<Entry> entries, int m, int n) {
        int k = options.rank();
        if (k > Math.min(m, n)) {
            throw new IllegalArgumentException("rank " + k + " is above the dimensions of the " + m + "x" + n + " matrix (at most " + Math.min(m, n) + ")");
        }
        HashPartitioner parts = new HashPartitioner(partitions);
        JavaPairRDD<Integer, Entry> byRow = entries.mapToPair(e -> new Tuple2<>(e.row(), e)).partitionBy(parts).persist(StorageLevel.MEMORY_ONLY());
        JavaPairRDD<Integer, Entry> byCol = entries.mapToPair(e -> new Tuple2<>(e.col(), e)).partitionBy(parts).persist(StorageLevel.MEMORY_ONLY());
        try {
            return Linalg.withSingleThreadedBlas(() -> run(byRow, byCol, m, n, k));
        } finally {
            byRow.unpersist(false);
            byCol.unpersist(false);
        }
    }

    private CompletedMatrix run(JavaPairRDD<Integer, Entry> byRow, JavaPairRDD<Integer, Entry> byCol, int m, int n, int k) {
        long count = check(byRow, byCol, m, n, k);
        double observedNorm = Math.sqrt(byRow.values().mapToDouble(e -> e.value() * e.value()).sum());
        observedNorm = observedNorm == 0 ? 1 : observedNorm;
        double scale = (double) m * n / count;                                           // 1/p

        DoubleMatrix u = initialise(byRow, byCol, m, n, k, scale);                        // (m, k), orthonormal
        DoubleMatrix v = null;                                                            // (n, k)
        Qr qr = new Qr();
        List<Double> residuals = new ArrayList<>();
        int t = 0;
        while (t < options.maxIterations()) {
            v = (DoubleMatrix) qr.decompose(solve(byCol, u, n, k, false).factor()).q();
            HalfStep rows = solve(byRow, v, m, k, true);
            u = rows.factor();
            t++;
            double residual = rows.residual() / observedNorm;
            residuals.add(residual);
            boolean stalled = residuals.size() > 1 && residual > (1 - 1e-5) * residuals.get(residuals.size() - 2);
            if (residual < options.tolerance() || stalled || t == options.maxIterations()) {
                break;
            }
            u = (DoubleMatrix) qr.decompose(u).q();
        }
        return new CompletedMatrix(u, v, t, residuals);
    }

    /** Index ranges, every row and column present, and enough entries; returns |Ω|. */
    private static long check(JavaPairRDD<Integer, Entry> byRow, JavaPairRDD<Integer, Entry> byCol, int m, int n, int k) {
        long bad = byRow.values().filter(e -> e.row() < 0 || e.row() >= m || e.col() < 0 || e.col() >= n).count();
        if (bad > 0) {
            throw new IllegalArgumentException(bad + " entries lie outside the " + m + "x" + n + " matrix");
        }
        long rows = byRow.keys().distinct().count(), cols = byCol.keys().distinct().count();
        if (rows < m || cols < n) {
            throw new IllegalArgumentException((m - rows) + " rows and " + (n - cols) + " columns have no observed entry; "
                    + "a completion cannot determine them (drop them or observe at least one entry each)");
        }
        long count = byRow.count();
        if (count < (long) k * (m + n - k)) {
            throw new IllegalArgumentException(count + " observed entries cannot determine a rank-" + k + " " + m + "x" + n
                    + " matrix (it has " + (long) k * (m + n - k) + " degrees of freedom); lower the rank");
        }
        return count;
    }

    /** As the single machine: top-k left singular vectors of (1/p)·P_Ω(M) by subspace iteration, clipped, QR. */
    private DoubleMatrix initialise(JavaPairRDD<Integer, Entry> byRow, JavaPairRDD<Integer, Entry> byCol, int m, int n, int k, double scale) {
        int block = Math.min(Math.min(k + 10, n), m);
        Qr qr = new Qr();
        DoubleMatrix omega = DoubleMatrix.gaussian(n, block, new Random(options.seed()));
        DoubleMatrix q = (DoubleMatrix) qr.decompose(product(byRow, omega, m, scale, true)).q();          // (m, b)
        for (int it = 0; it < POWER_ITERATIONS; it++) {
            DoubleMatrix z = (DoubleMatrix) qr.decompose(product(byCol, q, n, scale, false)).q();     // (n, b)
            q = (DoubleMatrix) qr.decompose(product(byRow, z, m, scale, true)).q();
        }
        DoubleMatrix projected = product(byCol, q, n, scale, false).transpose().compact();             // (b, n) = qᵀ S
        SvdResult small = new ExactSvd().decompose(projected, Math.min(k, projected.rows()));
        DoubleMatrix top = Linalg.multiply(q, (DoubleMatrix) small.u().toDouble());                        // (m, k)
        DoubleMatrix u = top.copy();
        double limit = 2 * options.incoherence() * Math.sqrt((double) k / m);
        double[] d = u.data();
        int clipped = 0;
        for (int i = 0; i < m; i++) {
            double sq = 0;
            for (int c = 0; c < k; c++) {
                sq += d[i * k + c] * d[i * k + c];
            }
            if (Math.sqrt(sq) > limit) {
                java.util.Arrays.fill(d, i * k, (i + 1) * k, 0);
                clipped++;
            }
        }
        return (DoubleMatrix) qr.decompose(clipped > m - k ? top : u).q();
    }

    /**
     * S·X (keyed by row, {@code byRow} true: X is n×b, result m×b) or Sᵀ·X (keyed by column: X is m×b, result n×b),
     * with S = scale·P_Ω(M). One job; X is broadcast.
     */
    private DoubleMatrix product(JavaPairRDD<Integer, Entry> keyed, DoubleMatrix x, int outRows, double scale, boolean byRow) {
        int b = x.cols();
        Broadcast<double[]> xb = context.broadcast(x.toArray());
        try {
            List<Tuple2<Integer, double[]>> rows = keyed.aggregateByKey(new double[b], (acc, e) -> {
                double[] xs = xb.value();
                int at = (byRow ? e.col() : e.row()) * b;
                for (int c = 0; c < b; c++) {
                    acc[c] += scale * e.value() * xs[at + c];
                }
                return acc;
            }, NormalEquations::merge).collect();
            return assemble(rows, outRows, b);
        } finally {
            xb.destroy();
        }
    }

    /**
     * One half-step, one job: for every key of {@code keyed} (a column when {@code rowsOfU} is false, a row when true)
     * the least-squares fit of its entries against the broadcast other factor. All entries of a key sit in one
     * partition (hash-partitioned by key), so each partition groups its entries by key in their stored order, solves, and
     * then — the residual the stopping rule reads — sums (M_ij − u_i·v_j)² over its entries with the new rows.
     */
    private HalfStep solve(JavaPairRDD<Integer, Entry> keyed, DoubleMatrix other, int keys, int k, boolean rowsOfU) {
        double ridge = options.ridge();
        Broadcast<double[]> ob = context.broadcast(other.toArray());
        try {
            List<SolvedPart> parts = keyed.mapPartitions(it -> {
                double[] others = ob.value();
                java.util.LinkedHashMap<Integer, double[]> systems = new java.util.LinkedHashMap<>();
                List<Entry> seen = new ArrayList<>();
                while (it.hasNext()) {
                    Entry e = it.next()._2();
                    seen.add(e);
                    int key = rowsOfU ? e.row() : e.col(), at = (rowsOfU ? e.col() : e.row()) * k;
                    NormalEquations.add(systems.computeIfAbsent(key, x -> NormalEquations.empty(k)), k, others, at, e.value());
                }
                int[] ids = new int[systems.size()];
                double[] solved = new double[systems.size() * k];
                java.util.Map<Integer, Integer> slot = new java.util.HashMap<>();
                int s = 0;
                for (java.util.Map.Entry<Integer, double[]> system : systems.entrySet()) {
                    ids[s] = system.getKey();
                    System.arraycopy(NormalEquations.solve(system.getValue(), k, ridge), 0, solved, s * k, k);
                    slot.put(system.getKey(), s++);
                }
                double squares = 0;
                for (Entry e : seen) {
                    int mine = slot.get(rowsOfU ? e.row() : e.col()) * k, at = (rowsOfU ? e.col() : e.row()) * k;
                    double x = 0;
                    for (int c = 0; c < k; c++) {
                        x += solved[mine + c] * others[at + c];
                    }
                    double d = e.value() - x;
                    squares += d * d;
                }
                return java.util.List.of(new SolvedPart(ids, solved, squares)).iterator();
            }, true).collect();
            DoubleMatrix out = DoubleMatrix.zeros(keys, k);
            double squares = 0;
            for (SolvedPart part : parts) {
                for (int s = 0; s < part.ids().length; s++) {
                    System.arraycopy(part.solved(), s * k, out.data(), part.ids()[s] * k, k);
                }
                squares += part.residualSquares();
            }
            return new HalfStep(out, Math.sqrt(squares));
        } finally {
            ob.destroy();
        }
    }

    /** What one partition sends back: its keys, their solved rows (keys × k) and its Σ (M_ij − u_i·v_j)². */
    private record SolvedPart(int[] ids, double[] solved, double residualSquares) implements java.io.Serializable {
    }

    /** A half-step's new factor and ‖P_Ω(M − U Vᵀ)‖_F with it. */
    private record HalfStep(DoubleMatrix factor, double residual) {
    }

    private static DoubleMatrix assemble(List<Tuple2<Integer, double[]>> rows, int count, int width) {
        DoubleMatrix out = DoubleMatrix.zeros(count, width);
        double[] d = out.data();
        for (Tuple2<Integer, double[]> r : rows) {
            System.arraycopy(r._2(), 0, d, r._1() * width, width);
        }
        return out;
    }
}
