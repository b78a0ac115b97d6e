package org.lowrank4j.algorithms.tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.lowrank4j.linalg.DoubleMatrix;

/**
 * Held-out evaluation of {@link TuckerCompletion}: a seeded fraction of the given entries of an {@link TensorData.Indexed}
 * tensor is hidden, the rest fitted (discrete factors, or smooth ones over the numeric labels of the modes named in
 * {@code smooth}), and the hidden entries scored against filling them with the mean of the fitted ones.
 */
public final class TensorHoldOut {

    /**
     * @param heldOut   how many given entries were hidden
     * @param tuckerRmse RMSE of the Tucker fit on them
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
        Random random = new Random(seed);
        boolean[] fitted = new boolean[x.count()];
        double sum = 0;
        long count = 0;
        for (int e = 0; e < fitted.length; e++) {
            fitted[e] = data.observed()[e] && random.nextDouble() >= hide;
            if (fitted[e]) {
                sum += x.data()[e];
                count++;
            }
        }
        double mean = sum / Math.max(count, 1);
        double[] start = x.data().clone();
        for (int e = 0; e < start.length; e++) {
            if (!fitted[e]) {
                start[e] = mean;
            }
        }
        TuckerCompletion.Result result = TuckerCompletion.fit(DenseTensor.wrap(start, x.shape()), fitted, ranks, bases, maxIterations, 1e-6);
        DenseTensor estimate = result.tucker().reconstruct();
        double tucker = 0, meanFill = 0;
        long held = 0;
        for (int e = 0; e < fitted.length; e++) {
            if (data.observed()[e] && !fitted[e]) {
                held++;
                tucker += Math.pow(estimate.data()[e] - x.data()[e], 2);
                meanFill += Math.pow(mean - x.data()[e], 2);
            }
        }
        return new Scores(held, Math.sqrt(tucker / Math.max(held, 1)), Math.sqrt(meanFill / Math.max(held, 1)), result.iterations());
    }
}
