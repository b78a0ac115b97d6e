package org.lowrank4j.algorithms.tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.IntConsumer;
import org.lowrank4j.algorithms.funbat.FunctionalTucker;
import org.lowrank4j.linalg.DoubleMatrix;

/**
 * Held-out evaluation of {@link TuckerCompletion}: a seeded fraction of the given entries of an {@link TensorData.Indexed}
 * tensor is hidden, the rest fitted (discrete factors, or smooth ones over the numeric labels of the modes named in
 * {@code smooth}) or by FunBaT ({@link #runFunbat}), and the hidden entries scored against filling them with the mean of
 * the fitted ones.
 */
public final class TensorHoldOut {

    /**
     * @param heldOut   how many given entries were hidden
     * @param tuckerRmse RMSE of the Tucker (or FunBaT) fit on them
     * @param meanRmse   RMSE of the mean of the fitted entries on them
     * @param iterations EM-HOOI iterations run
     */
    public record Scores(long heldOut, double tuckerRmse, double meanRmse, int iterations) {
    }

    private TensorHoldOut() {
    }

    /**
     * @param smooth per mode index, the number of Gaussian RBF functions of its basis (width 1 × their spacing) over the
     *               mode's labels read as numbers; modes not named stay discrete
     */
    public static Scores run(TensorData.Indexed data, int[] ranks, Map<Integer, Integer> smooth, double hide, long seed, int maxIterations) {
        if (!(hide > 0 && hide < 1)) {
            throw new IllegalArgumentException("the held-out fraction must be in (0, 1), got " + hide);
        }
        DenseTensor x = data.tensor();
        List<DoubleMatrix> bases = new ArrayList<>();
        for (int n = 0; n < x.order(); n++) {
            Integer count = smooth.get(n);
            if (count == null) {
                bases.add(null);
                continue;
            }
            if (data.labels().size() <= n) {
                throw new IllegalArgumentException("mode " + n + " has no labels to place a smooth basis on");
            }
            double[] coordinates = new double[x.size(n)];
            for (int i = 0; i < coordinates.length; i++) {
                try {
                    coordinates[i] = Double.parseDouble(data.labels().get(n).get(i));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("mode " + n + " label '" + data.labels().get(n).get(i) + "' is not a number; a smooth basis needs numeric labels");
                }
            }
            bases.add(SmoothBasis.gaussianRbf(coordinates, count, 1.0));
        }
        boolean[] fitted = fittedMask(data, hide, seed);
        double mean = fittedMean(x, fitted);
        double[] start = x.data().clone();
        for (int e = 0; e < start.length; e++) {
            if (!fitted[e]) {
                start[e] = mean;
            }
        }
        TuckerCompletion.Result result = TuckerCompletion.fit(DenseTensor.wrap(start, x.shape()), fitted, ranks, bases, maxIterations, 1e-6);
        return score(data, fitted, result.tucker().reconstruct().data(), result.iterations());
    }

    /**
     * The same split scored for FunBaT ({@link FunctionalTucker}): each mode's coordinates are its labels read as numbers
     * (a mode of length-scale 0 may have any labels: it is discrete).
     *
     * @param progress told each sweep done (may be null)
     */
    public static Scores runFunbat(TensorData.Indexed data, FunctionalTucker.Settings settings, double hide, long seed, IntConsumer progress) {
        if (!(hide > 0 && hide < 1)) {
            throw new IllegalArgumentException("the held-out fraction must be in (0, 1), got " + hide);
        }
        DenseTensor x = data.tensor();
        int modes = x.order();
        double[][] coordinates = new double[modes][];
        for (int n = 0; n < modes; n++) {
            coordinates[n] = new double[x.size(n)];
            for (int i = 0; i < coordinates[n].length; i++) {
                if (settings.lengthScales()[n] == 0) {
                    coordinates[n][i] = i;
                    continue;
                }
                String label = data.labels().get(n).get(i);
                try {
                    coordinates[n][i] = Double.parseDouble(label);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("mode " + n + " label '" + label + "' is not a number; a continuous mode needs numeric "
                            + "labels (or length-scale 0 to treat it as discrete)");
                }
            }
        }
        boolean[] fitted = fittedMask(data, hide, seed);
        int count = 0;
        for (boolean f : fitted) {
            count += f ? 1 : 0;
        }
        int[][] positions = new int[count][];
        double[] values = new double[count];
        for (int e = 0, n = 0; e < fitted.length; e++) {
            if (fitted[e]) {
                positions[n] = multiIndex(e, x.shape());
                values[n++] = x.data()[e];
            }
        }
        // started from the HOSVD of the fitted entries with the others at their mean, as EM-HOOI starts
        double mean = fittedMean(x, fitted);
        double[] filled = x.data().clone();
        for (int e = 0; e < filled.length; e++) {
            double level = settings.center() ? mean : 0;
            filled[e] = fitted[e] ? filled[e] - level : mean - level;
        }
        TuckerTensor hosvd = Hosvd.decompose(DenseTensor.wrap(filled, x.shape()), settings.ranks());
        double[][][] start = new double[modes][][];
        for (int n = 0; n < modes; n++) {
            DoubleMatrix u = hosvd.factors().get(n);
            start[n] = new double[u.rows()][u.cols()];
            for (int i = 0; i < u.rows(); i++) {
                for (int r = 0; r < u.cols(); r++) {
                    start[n][i][r] = u.get(i, r);
                }
            }
        }
        FunctionalTucker model = FunctionalTucker.fit(coordinates, positions, values, settings, start, progress);
        double[] estimate = new double[x.count()];
        for (int e = 0; e < estimate.length; e++) {
            if (data.observed()[e] && !fitted[e]) {
                estimate[e] = model.predict(multiIndex(e, x.shape()));
            }
        }
        return score(data, fitted, estimate, model.sweeps());
    }

    /** Which given entries are fitted: each is hidden with probability {@code hide}, by one seeded draw per cell in order. */
    static boolean[] fittedMask(TensorData.Indexed data, double hide, long seed) {
        Random random = new Random(seed);
        boolean[] fitted = new boolean[data.observed().length];
        for (int e = 0; e < fitted.length; e++) {
            fitted[e] = data.observed()[e] && random.nextDouble() >= hide;
        }
        return fitted;
    }

    private static double fittedMean(DenseTensor x, boolean[] fitted) {
        double sum = 0;
        long count = 0;
        for (int e = 0; e < fitted.length; e++) {
            if (fitted[e]) {
                sum += x.data()[e];
                count++;
            }
        }
        return sum / Math.max(count, 1);
    }

    private static Scores score(TensorData.Indexed data, boolean[] fitted, double[] estimate, int iterations) {
        DenseTensor x = data.tensor();
        double mean = fittedMean(x, fitted);
        double model = 0, meanFill = 0;
        long held = 0;
        for (int e = 0; e < fitted.length; e++) {
            if (data.observed()[e] && !fitted[e]) {
                held++;
                model += Math.pow(estimate[e] - x.data()[e], 2);
                meanFill += Math.pow(mean - x.data()[e], 2);
            }
        }
        return new Scores(held, Math.sqrt(model / Math.max(held, 1)), Math.sqrt(meanFill / Math.max(held, 1)), iterations);
    }

    /** Mode-0-fastest position of entry e. */
    private static int[] multiIndex(int e, int[] shape) {
        int[] idx = new int[shape.length];
        for (int k = 0; k < shape.length; k++) {
            idx[k] = e % shape[k];
            e /= shape[k];
        }
        return idx;
    }
}
