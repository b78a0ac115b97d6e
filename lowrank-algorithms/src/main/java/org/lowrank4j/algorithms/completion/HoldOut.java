package org.lowrank4j.algorithms.completion;

import java.util.Random;

/**
 * The shared procedure behind {@link ImageInpainting} and {@link TableCompletion}: hide a seeded fraction of the known
 * entries of one matrix, complete it from the rest with {@link RobustAltMin} (and optionally {@link SoftImpute}), and
 * accumulate squared errors on the hidden entries. Values are centred by the observed mean before completion;
 * missing (not known) entries are filled but not scored.
 */
final class HoldOut {
    double altMinSquared;
    double meanFillSquared;
    double softImputeSquared;
    double altMinStandardSquared;      // the same errors divided by the column's scale (tables)
    double meanFillStandardSquared;
    double softImputeStandardSquared;
    long hidden;
    double altMinNanos;
    int altMinIterations;
    double softImputeNanos;
    double lambda = Double.NaN;

    /**
     * Completes one m×n matrix: {@code known[e]} says whether values[e] is given; {@code hide[e]} (a subset of known)
     * is hidden and scored. Returns the completed values (row-major), equal to the input on the observed entries.
     *
     * @param fill mean-fill value for each column (length n) or a single value (length 1)
     * @param low  predictions are clamped to [low, high] (pixel range; infinite for tables)
     * @param scale per-column scale and shift (length n) taking the given values back to the caller's units before
     *              scoring and output ({@code value · scale + shift}); null for none
     */
    double[] complete(int m, int n, double[] values, boolean[] known, boolean[] hide, CompletionSetup setup, double[] fill, double low, double high,
                      double[] scale, double[] shift) {
        boolean[] observed = new boolean[values.length];
        for (int e = 0; e < values.length; e++) {
            observed[e] = known[e] && !hide[e];
        }
        ObservedEntries entries = ObservedEntries.fromMask(m, n, values, observed);
        double mean = entries.mean();
        ObservedEntries centred = entries.shifted(mean);
        long start = System.nanoTime();
        CompletedMatrix x = new RobustAltMin(setup.altMin()).complete(centred);
        altMinNanos += System.nanoTime() - start;
        altMinIterations += x.iterations();
        CompletedMatrix soft = null;
        boolean anyHidden = false;
        for (boolean h : hide) {
            anyHidden |= h;
        }
        if (setup.softImpute() && anyHidden) { // the baseline is only scored, never written
            start = System.nanoTime();
            SoftImpute.Fit fit = SoftImpute.completeWithValidation(centred, Math.min(setup.softImputeMaxRank(), Math.min(m, n)), 6, 1e-2, 0.1, 30,
                    setup.hideSeed());
            softImputeNanos += System.nanoTime() - start;
            soft = fit.completion();
            lambda = fit.lambda();
        }
        double[] out = new double[values.length];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                int e = i * n + j;
                double a = scale == null ? 1 : scale[j], b = shift == null ? 0 : shift[j];
                double truth = values[e] * a + b;
                if (observed[e]) {
                    out[e] = truth;
                    continue;
                }
                out[e] = clamp((x.get(i, j) + mean) * a + b, low, high);
                if (hide[e]) {
                    double f = fill.length == 1 ? fill[0] : fill[j];
                    hidden++;
                    altMinSquared += square(out[e] - truth);
                    meanFillSquared += square(f - truth);
                    altMinStandardSquared += square((out[e] - truth) / a);
                    meanFillStandardSquared += square((f - truth) / a);
                    if (soft != null) {
                        double d = clamp((soft.get(i, j) + mean) * a + b, low, high) - truth;
                        softImputeSquared += square(d);
                        softImputeStandardSquared += square(d / a);
                    }
                }
            }
        }
        return out;
    }

    HoldOutScores scores(boolean softImpute) {
        return scores(softImpute, altMinSquared, meanFillSquared, softImputeSquared);
    }

    /** The scores in units of each column's scale (the {@code scale} given to {@link #complete}). */
    HoldOutScores standardisedScores(boolean softImpute) {
        return scores(softImpute, altMinStandardSquared, meanFillStandardSquared, softImputeStandardSquared);
    }

    private HoldOutScores scores(boolean softImpute, double altMinSquared, double meanFillSquared, double softImputeSquared) {
        double h = Math.max(hidden, 1);
        return new HoldOutScores(hidden, Math.sqrt(altMinSquared / h), Math.sqrt(meanFillSquared / h),
                softImpute ? Math.sqrt(softImputeSquared / h) : Double.NaN, softImpute ? lambda : Double.NaN, altMinIterations, altMinNanos / 1e9,
                softImpute ? softImputeNanos / 1e9 : Double.NaN);
    }

    /** A seeded mask hiding each known entry with probability {@code fraction}. */
    static boolean[] hideMask(boolean[] known, double fraction, long seed) {
        Random random = new Random(seed);
        boolean[] hide = new boolean[known.length];
        for (int e = 0; e < known.length; e++) {
            hide[e] = known[e] && random.nextDouble() < fraction;
        }
        return hide;
    }

    private static double clamp(double v, double low, double high) {
        return Math.max(low, Math.min(high, v));
    }

    private static double square(double d) {
        return d * d;
    }
}
