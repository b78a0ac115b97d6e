package org.lowrank4j.algorithms.completion;

/**
 * Completion of a {@link NumericTable}: its missing cells are filled by {@link RobustAltMin} after each column is
 * standardised (observed mean and standard deviation, so that columns on different scales weigh alike), and, with
 * {@link CompletionSetup#hideFraction()} above 0, a seeded fraction of its known cells is hidden first and scored
 * against column-mean filling and {@link SoftImpute}. The returned table keeps every observed cell; hidden and empty
 * cells hold the completion.
 */
public final class TableCompletion {

    /**
     * The completed table and, when cells were hidden, the scores on them in the table's units and in units of each
     * column's standard deviation (so that columns on large scales do not dominate); null scores otherwise.
     */
    public record Result(NumericTable completed, HoldOutScores scores, HoldOutScores standardisedScores) {
    }

    private TableCompletion() {
    }

    /**
     * @throws IllegalArgumentException when a row or column ends up with no observed cell, or the rank is above the
     *                                  table's dimensions
     */
    public static Result run(NumericTable table, CompletionSetup setup) {
        int m = table.rows(), n = table.cols();
        if (setup.altMin().rank() > Math.min(m, n)) {
            throw new IllegalArgumentException("rank " + setup.altMin().rank() + " is above the dimensions of the " + m + "x" + n
                    + " table (at most " + Math.min(m, n) + ")");
        }
        double[] values = table.values();
        boolean[] known = new boolean[values.length];
        for (int e = 0; e < values.length; e++) {
            known[e] = !Double.isNaN(values[e]);
        }
        boolean[] hide = HoldOut.hideMask(known, setup.hideFraction(), setup.hideSeed());
        // Standardise each column on its observed (known, not hidden) cells.
        double[] mean = new double[n], scale = new double[n];
        long[] count = new long[n];
        for (int e = 0; e < values.length; e++) {
            if (known[e] && !hide[e]) {
                mean[e % n] += values[e];
                count[e % n]++;
            }
        }
        for (int j = 0; j < n; j++) {
            if (count[j] == 0) {
                throw new IllegalArgumentException("column " + (table.header() == null ? String.valueOf(j + 1) : "'" + table.header().get(
                        table.header().size() - n + j) + "'") + " of the " + m + "x" + n + " table has no observed entry; every row and column needs at least one to be completed");
            }
            mean[j] /= count[j];
        }
        for (int e = 0; e < values.length; e++) {
            if (known[e] && !hide[e]) {
                scale[e % n] += (values[e] - mean[e % n]) * (values[e] - mean[e % n]);
            }
        }
        double[] standard = new double[values.length];
        for (int j = 0; j < n; j++) {
            scale[j] = count[j] > 1 && scale[j] > 0 ? Math.sqrt(scale[j] / (count[j] - 1)) : 1;
        }
        for (int e = 0; e < values.length; e++) {
            standard[e] = known[e] ? (values[e] - mean[e % n]) / scale[e % n] : 0;
        }
        HoldOut holdOut = new HoldOut();
        double[] completed = holdOut.complete(m, n, standard, known, hide, setup, mean, Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY, scale, mean);
        double[] out = values.clone();
        for (int e = 0; e < values.length; e++) {
            if (!known[e] || hide[e]) {
                out[e] = completed[e];
            }
        }
        boolean scored = setup.hideFraction() > 0;
        return new Result(table.withValues(out), scored ? holdOut.scores(setup.softImpute()) : null,
                scored ? holdOut.standardisedScores(setup.softImpute()) : null);
    }
}
