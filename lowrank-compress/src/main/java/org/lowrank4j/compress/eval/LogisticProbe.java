package org.lowrank4j.compress.eval;

import java.util.Arrays;

/**
 * A binary linear probe: L2-regularised logistic regression on standardised features, fitted by full-batch
 * gradient descent with a backtracking line search. Deterministic: weights start at zero and the data order
 * does not matter.
 *
 * <p>Objective: mean log-loss + (l2 / 2) |w|², the bias unpenalised. Features are centred and scaled with the
 * training set's mean and standard deviation, which the probe keeps and applies to new inputs.
 */
public final class LogisticProbe {

    /** Indices of the training and test rows. */
    public record Split(int[] train, int[] test) {
    }

    private static final int MAX_ITERATIONS = 1000;
    private static final double GRADIENT_TOLERANCE = 1e-6;

    private final double[] mean;   // (features)
    private final double[] scale;  // (features) 1 / standard deviation
    private final double[] weights; // (features)
    private final double bias;

    private LogisticProbe(double[] mean, double[] scale, double[] weights, double bias) {
        this.mean = mean;
        this.scale = scale;
        this.weights = weights;
        this.bias = bias;
    }

    /**
     * A stratified split: in each class, a seeded shuffle puts {@code round(trainFraction * count)} rows in
     * training and the rest in test. Index arrays are returned in ascending order ({@code LabelledTexts.stratifiedSplit},
     * which classifier fine-tuning uses too).
     */
    public static Split stratifiedSplit(int[] labels, double trainFraction, long seed) {
        org.lowrank4j.nn.train.LabelledTexts.Split split = org.lowrank4j.nn.train.LabelledTexts.stratifiedSplit(labels, trainFraction, seed);
        return new Split(split.train(), split.test());
    }

    /**
     * Fits the probe.
     *
     * @param x  (rows, features)
     * @param y  0 or 1 per row
     * @param l2 regularisation strength, at least 0
     */
    public static LogisticProbe fit(float[][] x, int[] y, double l2) {
        if (x.length == 0 || x.length != y.length) {
            throw new IllegalArgumentException(x.length + " rows and " + y.length + " labels");
        }
        if (l2 < 0) {
            throw new IllegalArgumentException("l2 must be non-negative, got " + l2);
        }
        int d = x[0].length;
        double[] mean = new double[d];
        double[] scale = new double[d];
        for (float[] row : x) {
            for (int j = 0; j < d; j++) {
                mean[j] += row[j];
            }
        }
        for (int j = 0; j < d; j++) {
            mean[j] /= x.length;
        }
        for (float[] row : x) {
            for (int j = 0; j < d; j++) {
                scale[j] += (row[j] - mean[j]) * (row[j] - mean[j]);
            }
        }
        for (int j = 0; j < d; j++) {
            double std = Math.sqrt(scale[j] / x.length);
            scale[j] = std > 1e-12 ? 1 / std : 0;
        }
        double[][] z = new double[x.length][d];
        for (int i = 0; i < x.length; i++) {
            if (y[i] != 0 && y[i] != 1) {
                throw new IllegalArgumentException("label " + y[i] + " at row " + i + ": the probe is binary (0/1)");
            }
            for (int j = 0; j < d; j++) {
                z[i][j] = (x[i][j] - mean[j]) * scale[j];
            }
        }
        double[] params = descend(z, y, l2);
        return new LogisticProbe(mean, scale, Arrays.copyOf(params, d), params[d]);
    }

    /**
     * Fits on the training rows of the split and returns the accuracy on its test rows.
     */
    public static double trainAndTest(float[][] x, int[] y, Split split, double l2) {
        LogisticProbe probe = fit(select(x, split.train()), select(y, split.train()), l2);
        return probe.accuracy(select(x, split.test()), select(y, split.test()));
    }

    /** Probability of class 1. */
    public double probability(float[] row) {
        double s = bias;
        for (int j = 0; j < weights.length; j++) {
            s += weights[j] * (row[j] - mean[j]) * scale[j];
        }
        return sigmoid(s);
    }

    /**
     * The gradient of the unpenalised log-loss {@code −log p(label | row)} with respect to the raw features of
     * {@code row}: {@code (p − label) · w_j · scale_j} (the standardisation is part of the function). This is what makes
     * the probe a task head whose loss can be back-propagated into the model that produced the features.
     */
    public double[] lossGradient(double[] row, int label) {
        if (row.length != weights.length) {
            throw new IllegalArgumentException("the probe takes " + weights.length + " features, got " + row.length);
        }
        if (label != 0 && label != 1) {
            throw new IllegalArgumentException("label " + label + ": the probe is binary (0/1)");
        }
        double residual = probability(row) - label;
        double[] g = new double[row.length];
        for (int j = 0; j < g.length; j++) {
            g[j] = residual * weights[j] * scale[j];
        }
        return g;
    }

    /** Probability of class 1 for a row given in double precision (as a task head reads it). */
    public double probability(double[] row) {
        if (row.length != weights.length) {
            throw new IllegalArgumentException("the probe takes " + weights.length + " features, got " + row.length);
        }
        double s = bias;
        for (int j = 0; j < weights.length; j++) {
            s += weights[j] * (row[j] - mean[j]) * scale[j];
        }
        return sigmoid(s);
    }

    public int predict(float[] row) {
        return probability(row) >= 0.5 ? 1 : 0;
    }

    /** Fraction of rows predicted right. */
    public double accuracy(float[][] x, int[] y) {
        if (x.length == 0 || x.length != y.length) {
            throw new IllegalArgumentException(x.length + " rows and " + y.length + " labels");
        }
        int right = 0;
        for (int i = 0; i < x.length; i++) {
            right += predict(x[i]) == y[i] ? 1 : 0;
        }
        return (double) right / x.length;
    }

    /** Gradient descent with Armijo backtracking; params = weights then bias. */
    private static double[] descend(double[][] z, int[] y, double l2) {
        int d = z[0].length;
        double[] params = new double[d + 1];
        double[] gradient = new double[d + 1];
        double loss = lossAndGradient(z, y, l2, params, gradient);
        double step = 1.0;
        for (int iteration = 0; iteration < MAX_ITERATIONS; iteration++) {
            double gradNorm2 = 0;
            for (double g : gradient) {
                gradNorm2 += g * g;
            }
            if (Math.sqrt(gradNorm2) < GRADIENT_TOLERANCE) {
                break;
            }
            double[] trial = new double[d + 1];
            double[] trialGradient = new double[d + 1];
            double trialLoss;
            while (true) {
                for (int j = 0; j <= d; j++) {
                    trial[j] = params[j] - step * gradient[j];
                }
                trialLoss = lossAndGradient(z, y, l2, trial, trialGradient);
                if (trialLoss <= loss - 0.5 * step * gradNorm2 || step < 1e-12) {
                    break;
                }
                step *= 0.5;
            }
            if (loss - trialLoss < 1e-12 * Math.max(1, Math.abs(loss))) {
                params = trial;
                break;
            }
            params = trial;
            gradient = trialGradient;
            loss = trialLoss;
            step *= 2;
        }
        return params;
    }

    private static double lossAndGradient(double[][] z, int[] y, double l2, double[] params, double[] gradient) {
        int d = z[0].length;
        Arrays.fill(gradient, 0);
        double loss = 0;
        for (int i = 0; i < z.length; i++) {
            double s = params[d];
            for (int j = 0; j < d; j++) {
                s += params[j] * z[i][j];
            }
            // log(1 + e^s) - y s, written to stay finite for large |s|
            loss += Math.max(s, 0) + Math.log1p(Math.exp(-Math.abs(s))) - y[i] * s;
            double residual = sigmoid(s) - y[i];
            for (int j = 0; j < d; j++) {
                gradient[j] += residual * z[i][j];
            }
            gradient[d] += residual;
        }
        double penalty = 0;
        for (int j = 0; j <= d; j++) {
            gradient[j] /= z.length;
        }
        for (int j = 0; j < d; j++) {
            penalty += params[j] * params[j];
            gradient[j] += l2 * params[j];
        }
        return loss / z.length + 0.5 * l2 * penalty;
    }

    private static double sigmoid(double s) {
        return s >= 0 ? 1 / (1 + Math.exp(-s)) : Math.exp(s) / (1 + Math.exp(s));
    }

    private static float[][] select(float[][] x, int[] rows) {
        float[][] out = new float[rows.length][];
        for (int i = 0; i < rows.length; i++) {
            out[i] = x[rows[i]];
        }
        return out;
    }

    private static int[] select(int[] y, int[] rows) {
        int[] out = new int[rows.length];
        for (int i = 0; i < rows.length; i++) {
            out[i] = y[rows[i]];
        }
        return out;
    }
}
