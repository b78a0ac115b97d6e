package org.lowrank4j.nn.tensor;

import java.util.stream.IntStream;

/**
 * Splits element-wise work over rows into one contiguous chunk per core when it is large enough to pay for the
 * hand-off, and runs it in one piece otherwise. Each row is computed the same way either way, so results never depend
 * on the split or on the number of cores.
 */
public final class RowChunks {
    /** Below this many element operations the work runs on the calling thread. */
    static final int PARALLEL_THRESHOLD = 1 << 16;
    private static final int CORES = Runtime.getRuntime().availableProcessors();

    private RowChunks() {
    }

    /** A body over rows {@code [from, to)}. */
    @FunctionalInterface
    public interface RowRange {
        void run(int from, int to);
    }

    /** Runs {@code body} over rows [0, rows); the work is {@code rows · costPerRow} element operations. */
    public static void run(int rows, long costPerRow, RowRange body) {
        long work = rows * costPerRow;
        int chunks = work < PARALLEL_THRESHOLD ? 1 : (int) Math.min(Math.min(rows, CORES), work / (PARALLEL_THRESHOLD / 2));
        if (chunks <= 1) {
            body.run(0, rows);
            return;
        }
        IntStream.range(0, chunks).parallel().forEach(k -> body.run((int) ((long) rows * k / chunks), (int) ((long) rows * (k + 1) / chunks)));
    }
}
