package org.lowrank4j.algorithms.funbat;

import java.util.Arrays;
import java.util.Random;
import java.util.function.IntConsumer;

/**
 * FunBaT's model fitted by mean-field variational Bayes. Entries y_n are observed at coordinates (t_n^1, …, t_n^K), one
 * per mode, each among the mode's sorted distinct coordinates:
 * <pre>
 *   y_n = Σ_{r_1..r_K} W[r_1..r_K] · Π_k u^k_{r_k}(t_n^k) + ε_n,    ε_n ~ N(0, 1/τ)
 *   u^k_r ~ GP(0, s²·exp(−|t − t'|/ℓ_k))   (Matérn-1/2),   vec(W) ~ N(0, I),   τ ~ Gamma(10⁻³, 10⁻³)
 * </pre>
 * The posterior is approximated by q = Π_k q(u^k) · q(W) · q(τ): q(u^k) is the Gauss–Markov chain of mode k's R_k
 * functions, updated exactly given the others by one Kalman filter + RTS smoother pass over the mode's coordinates
 * ({@link MarkovChainSmoother}), with the other modes and the core entering through their first and second moments; q(W)
 * is Gaussian and q(τ) Gamma, both in closed form. The paper derives its per-mode messages by conditional expectation
 * propagation instead; the model, the state-space form and the per-mode smoother are its, the variational updates are
 * ours. Values are centred (optionally) and scaled to unit root mean square before the fit, and predictions mapped back.
 */
public final class FunctionalTucker {
    private static final double PRIOR_SHAPE = 1e-3, PRIOR_RATE = 1e-3;

    /**
     * @param ranks        R_k per mode
     * @param lengthScales ℓ_k per mode in coordinate units; 0 makes the mode discrete (independent factor rows)
     * @param iterations   most sweeps (each: every mode, the core, the noise)
     * @param tolerance    stop when the training RMSE changes by less than this share between sweeps
     * @param center       subtract the mean of the values first (the GP prior mean is then the data's mean: an index with no
     *                     entry predicts it rather than 0); false keeps the level inside the Tucker model, which saves a
     *                     rank per mode when the data is a product of positive factors
     */
    public record Settings(int[] ranks, double[] lengthScales, int iterations, double tolerance, long seed, boolean center) {

        /** Centred. */
        public Settings(int[] ranks, double[] lengthScales, int iterations, double tolerance, long seed) {
            this(ranks, lengthScales, iterations, tolerance, seed, true);
        }

        public Settings {
            if (ranks.length != lengthScales.length || ranks.length == 0) {
                throw new IllegalArgumentException("FunBaT needs one rank and one length-scale per mode, got " + ranks.length + " and "
                        + lengthScales.length);
            }
            for (int k = 0; k < ranks.length; k++) {
                if (ranks[k] < 1 || !(lengthScales[k] >= 0) || Double.isInfinite(lengthScales[k])) {
                    throw new IllegalArgumentException("mode " + k + ": rank " + ranks[k] + " and length-scale " + lengthScales[k]
                            + " (ranks >= 1, length-scales finite and >= 0)");
                }
            }
            if (iterations < 1 || !(tolerance >= 0)) {
                throw new IllegalArgumentException("FunBaT needs >= 1 iteration and a tolerance >= 0");
            }
        }
    }

    private final double[][] coordinates;   // per mode, sorted distinct
    private final int[] ranks;
    private final int[] strides;
    private final int coreSize;
    private final double[][][] means;       // [mode][position][r]
    private final double[][][][] seconds;   // [mode][position][r][r'] = m mᵀ + P
    private double[] coreMean;              // vec(W), mode 0 fastest
    private double[][] coreCov;
    private double[][] lastSecond;          // Σ_n E[ψψᵀ] of the latest core update
    private final double center, spread;
    private double noisePrecision;
    private int sweeps;
    private double trainRmse;

    private FunctionalTucker(double[][] coordinates, int[] ranks, double center, double spread) {
        this.coordinates = coordinates;
        this.ranks = ranks.clone();
        this.strides = new int[ranks.length];
        int d = 1;
        for (int k = 0; k < ranks.length; k++) {
            strides[k] = d;
            d *= ranks[k];
        }
        this.coreSize = d;
        this.means = new double[ranks.length][][];
        this.seconds = new double[ranks.length][][][];
        this.center = center;
        this.spread = spread;
    }

    /**
     * Fits the model to the observed entries.
     *
     * @param coordinates per mode, its distinct coordinates in increasing order
     * @param positions   per entry, per mode, the position of its coordinate in {@code coordinates[mode]}
     * @param values      the entries' values
     * @param progress    told the number of each sweep done (may be null)
     * @throws IllegalArgumentException for coordinates not strictly increasing, a position out of range, a non-finite value
     */
    public static FunctionalTucker fit(double[][] coordinates, int[][] positions, double[] values, Settings settings, IntConsumer progress) {
        return fit(coordinates, positions, values, settings, null, progress);
    }

    /**
     * Fits the model starting from given factor means (e.g. the HOSVD of the entries with the missing ones filled), which
     * avoids the poorer optima a random start can settle in; their scale does not matter (the core is fitted to them first).
     *
     * @param start per mode, per coordinate, R_k starting means; null for N(0, 1) draws from the settings' seed
     */
    public static FunctionalTucker fit(double[][] coordinates, int[][] positions, double[] values, Settings settings, double[][][] start,
            IntConsumer progress) {
        int modes = coordinates.length;
        if (settings.ranks().length != modes) {
            throw new IllegalArgumentException("the data has " + modes + " modes but " + settings.ranks().length + " ranks were given");
        }
        validate(coordinates, positions, values);
        double center = settings.center() ? Arrays.stream(values).average().orElse(0) : 0;
        double spread = Math.sqrt(Arrays.stream(values).map(v -> (v - center) * (v - center)).average().orElse(0));
        spread = spread > 0 ? spread : 1;
        double[] y = new double[values.length];
        for (int n = 0; n < y.length; n++) {
            y[n] = (values[n] - center) / spread;
        }
        FunctionalTucker model = new FunctionalTucker(coordinates, settings.ranks(), center, spread);
        Random random = new Random(settings.seed());
        for (int k = 0; k < modes; k++) {
            int length = coordinates[k].length, r = settings.ranks()[k];
            model.means[k] = new double[length][r];
            model.seconds[k] = new double[length][][];
            if (start != null && (start.length != modes || start[k].length != length || start[k][0].length != r)) {
                throw new IllegalArgumentException("the starting factors of mode " + k + " must be " + length + " x " + r);
            }
            double norm = 0;
            for (int l = 0; l < length; l++) {
                for (int i = 0; i < r; i++) {
                    model.means[k][l][i] = start == null ? random.nextGaussian() : start[k][l][i];
                    norm += model.means[k][l][i] * model.means[k][l][i];
                }
            }
            double rescale = start == null || norm == 0 ? 1 : Math.sqrt(length * r / norm); // entries of size ~1, as the prior's
            for (int l = 0; l < length; l++) {
                for (int i = 0; i < r; i++) {
                    model.means[k][l][i] *= rescale;
                }
                model.seconds[k][l] = outer(model.means[k][l]);
            }
        }
        model.noisePrecision = 10; // a noise variance of a tenth of the data's to start
        model.updateCore(positions, y);
        double previous = Double.NaN;
        for (int sweep = 1; sweep <= settings.iterations(); sweep++) {
            for (int k = 0; k < modes; k++) {
                model.updateMode(k, positions, y, settings.lengthScales()[k]);
            }
            double[] g = model.updateCore(positions, y);
            model.updateNoise(positions, y, g);
            model.sweeps = sweep;
            model.trainRmse = model.rmse(positions, values);
            if (progress != null) {
                progress.accept(sweep);
            }
            if (Math.abs(previous - model.trainRmse) <= settings.tolerance() * model.trainRmse) {
                break;
            }
            previous = model.trainRmse;
        }
        return model;
    }

    /** The posterior mean of the entry at these positions (one per mode), in the data's units. */
    public double predict(int[] position) {
        double f = 0;
        for (int d = 0; d < coreSize; d++) {
            double p = coreMean[d];
            for (int k = 0; k < ranks.length && p != 0; k++) {
                p *= means[k][position[k]][(d / strides[k]) % ranks[k]];
            }
            f += p;
        }
        return center + spread * f;
    }

    public int sweeps() {
        return sweeps;
    }

    /** RMSE of the posterior mean on the fitted entries after the last sweep, in the data's units. */
    public double trainRmse() {
        return trainRmse;
    }

    /** The posterior mean of the noise's standard deviation, in the data's units. */
    public double noiseStd() {
        return spread / Math.sqrt(noisePrecision);
    }

    /** Core values plus one mean per function and coordinate: what the fitted model stores. */
    public long parameterCount() {
        long n = coreSize;
        for (int k = 0; k < ranks.length; k++) {
            n += (long) ranks[k] * coordinates[k].length;
        }
        return n;
    }

    /** The posterior mean of u^k_r at each of the mode's coordinates. */
    public double[] factorMean(int mode, int r) {
        double[] out = new double[coordinates[mode].length];
        for (int l = 0; l < out.length; l++) {
            out[l] = means[mode][l][r];
        }
        return out;
    }

    private double rmse(int[][] positions, double[] values) {
        double s = 0;
        for (int n = 0; n < values.length; n++) {
            double e = predict(positions[n]) - values[n];
            s += e * e;
        }
        return Math.sqrt(s / values.length);
    }

    /** q(u^k) given the rest: evidence J_l, h_l per coordinate from the entries there, then the chain's smoother. */
    private void updateMode(int k, int[][] positions, double[] y, double lengthScale) {
        int length = coordinates[k].length, r = ranks[k], other = coreSize / r;
        int[] otherModes = new int[ranks.length - 1];
        for (int j = 0, i = 0; j < ranks.length; j++) {
            if (j != k) {
                otherModes[i++] = j;
            }
        }
        int[][] coreIndex = new int[r][other]; // d of (r, s)
        int[][] otherIndex = new int[other][otherModes.length]; // s → r_j of each other mode
        for (int s = 0; s < other; s++) {
            int rest = s, offset = 0;
            for (int i = 0; i < otherModes.length; i++) {
                int j = otherModes[i];
                otherIndex[s][i] = rest % ranks[j];
                rest /= ranks[j];
                offset += otherIndex[s][i] * strides[j];
            }
            for (int a = 0; a < r; a++) {
                coreIndex[a][s] = offset + a * strides[k];
            }
        }
        double[][][] second = new double[length][][];   // Σ_n E[φφᵀ] per coordinate
        double[][] first = new double[length][];        // Σ_n y_n E[φ] per coordinate
        double[] phi = new double[other];
        for (int n = 0; n < y.length; n++) {
            int l = positions[n][k];
            if (second[l] == null) {
                second[l] = new double[other][other];
                first[l] = new double[other];
            }
            for (int s = 0; s < other; s++) {
                double v = 1;
                for (int i = 0; i < otherModes.length; i++) {
                    v *= means[otherModes[i]][positions[n][otherModes[i]]][otherIndex[s][i]];
                }
                phi[s] = v;
                first[l][s] += y[n] * v;
            }
            for (int s = 0; s < other; s++) {
                double[] row = second[l][s];
                for (int t = 0; t < other; t++) {
                    double v = 1;
                    for (int i = 0; i < otherModes.length; i++) {
                        int j = otherModes[i];
                        v *= seconds[j][positions[n][j]][otherIndex[s][i]][otherIndex[t][i]];
                    }
                    row[t] += v;
                }
            }
        }
        double[][][] precision = new double[length][r][r];
        double[][] shift = new double[length][r];
        for (int l = 0; l < length; l++) {
            if (second[l] == null) {
                continue; // no entry at this coordinate: the chain interpolates
            }
            for (int a = 0; a < r; a++) {
                double h = 0;
                for (int s = 0; s < other; s++) {
                    h += coreMean[coreIndex[a][s]] * first[l][s];
                }
                shift[l][a] = noisePrecision * h;
                for (int b = a; b < r; b++) {
                    double v = 0;
                    for (int s = 0; s < other; s++) {
                        int ds = coreIndex[a][s];
                        double[] row = second[l][s];
                        for (int t = 0; t < other; t++) {
                            int dt = coreIndex[b][t];
                            v += row[t] * (coreMean[ds] * coreMean[dt] + coreCov[ds][dt]);
                        }
                    }
                    precision[l][a][b] = noisePrecision * v;
                    precision[l][b][a] = noisePrecision * v;
                }
            }
        }
        MarkovChainSmoother.Marginals q = MarkovChainSmoother.smooth(coordinates[k], precision, shift, 1.0, lengthScale);
        for (int l = 0; l < length; l++) {
            means[k][l] = q.means()[l];
            double[][] s2 = outer(q.means()[l]);
            for (int a = 0; a < r; a++) {
                for (int b = 0; b < r; b++) {
                    s2[a][b] += q.covariances()[l][a][b];
                }
            }
            seconds[k][l] = s2;
        }
    }

    /** q(W) given the factors and τ; returns Σ_n y_n E[ψ_n] for the noise update. */
    private double[] updateCore(int[][] positions, double[] y) {
        double[][] b = new double[coreSize][coreSize];
        double[] g = new double[coreSize];
        int[][] digits = new int[coreSize][ranks.length];
        for (int d = 0; d < coreSize; d++) {
            for (int k = 0; k < ranks.length; k++) {
                digits[d][k] = (d / strides[k]) % ranks[k];
            }
        }
        for (int n = 0; n < y.length; n++) {
            for (int d = 0; d < coreSize; d++) {
                double v = 1;
                for (int k = 0; k < ranks.length; k++) {
                    v *= means[k][positions[n][k]][digits[d][k]];
                }
                g[d] += y[n] * v;
                for (int e = d; e < coreSize; e++) {
                    double w = 1;
                    for (int k = 0; k < ranks.length; k++) {
                        w *= seconds[k][positions[n][k]][digits[d][k]][digits[e][k]];
                    }
                    b[d][e] += w;
                }
            }
        }
        double[][] lambda = new double[coreSize][coreSize];
        for (int d = 0; d < coreSize; d++) {
            for (int e = d; e < coreSize; e++) {
                b[e][d] = b[d][e];
                lambda[d][e] = noisePrecision * b[d][e];
                lambda[e][d] = lambda[d][e];
            }
            lambda[d][d] += 1;
        }
        coreCov = SmallMatrices.symmetrize(SmallMatrices.inverse(lambda));
        coreMean = MarkovChainSmoother.multiply(coreCov, g);
        for (int d = 0; d < coreSize; d++) {
            coreMean[d] *= noisePrecision;
        }
        lastSecond = b;
        return g;
    }

    /** q(τ) = Gamma(a0 + N/2, b0 + ½ Σ_n E[(y_n − f_n)²]). */
    private void updateNoise(int[][] positions, double[] y, double[] g) {
        double squares = 0;
        for (double v : y) {
            squares += v * v;
        }
        double cross = 0, quad = 0;
        for (int d = 0; d < coreSize; d++) {
            cross += coreMean[d] * g[d];
            for (int e = 0; e < coreSize; e++) {
                quad += lastSecond[d][e] * (coreMean[d] * coreMean[e] + coreCov[d][e]);
            }
        }
        double expected = Math.max(squares - 2 * cross + quad, 1e-12 * y.length);
        noisePrecision = (PRIOR_SHAPE + 0.5 * y.length) / (PRIOR_RATE + 0.5 * expected);
    }

    private static double[][] outer(double[] m) {
        double[][] out = new double[m.length][m.length];
        for (int a = 0; a < m.length; a++) {
            for (int b = 0; b < m.length; b++) {
                out[a][b] = m[a] * m[b];
            }
        }
        return out;
    }

    private static void validate(double[][] coordinates, int[][] positions, double[] values) {
        for (int k = 0; k < coordinates.length; k++) {
            if (coordinates[k].length == 0) {
                throw new IllegalArgumentException("mode " + k + " has no coordinates");
            }
            for (int l = 0; l < coordinates[k].length; l++) {
                if (!Double.isFinite(coordinates[k][l]) || (l > 0 && !(coordinates[k][l] > coordinates[k][l - 1]))) {
                    throw new IllegalArgumentException("mode " + k + ": coordinates must be finite and strictly increasing (position " + l + ")");
                }
            }
        }
        if (positions.length != values.length || values.length == 0) {
            throw new IllegalArgumentException("FunBaT needs at least one entry, with one position per value (" + positions.length + " positions, "
                    + values.length + " values)");
        }
        for (int n = 0; n < values.length; n++) {
            if (!Double.isFinite(values[n])) {
                throw new IllegalArgumentException("entry " + n + " has the non-finite value " + values[n]);
            }
            if (positions[n].length != coordinates.length) {
                throw new IllegalArgumentException("entry " + n + " has " + positions[n].length + " positions for " + coordinates.length + " modes");
            }
            for (int k = 0; k < coordinates.length; k++) {
                if (positions[n][k] < 0 || positions[n][k] >= coordinates[k].length) {
                    throw new IllegalArgumentException("entry " + n + ": position " + positions[n][k] + " is outside mode " + k + "'s "
                            + coordinates[k].length + " coordinates");
                }
            }
        }
    }
}
