package org.lowrank4j.algorithms.turbovbi;

import java.util.ArrayList;
import java.util.List;

/**
 * The full Turbo-VBI loop on a linear model {@code y = X·w + n}, n ~ N(0, 1/β), with the three-layer prior over w
 * and one support chain along w (entries 0 … p−1 in order): module A is exact mean-field VBI (q(w) Gaussian with full
 * covariance, q(ρ) Gamma, q(s) Bernoulli under the extrinsic prior π), module B the chain's forward–backward. The
 * test bed of the method: block-sparse truths, an ELBO that module A must never decrease.
 */
public final class TurboVbiRegression {
    private final double[][] x;   // (n, p)
    /** q(s=1) before the first update (see {@link SupportState}). */
    static final double INITIAL_SUPPORT = 0.01;
    private final double[] y;     // (n)
    private final double noisePrecision;
    private final GammaPrior gamma;
    private final NeuronSupport moduleB;
    private final int p;
    private final double[][] gram; // XᵀX (p, p)
    private final double[] xty;    // Xᵀy (p)
    private final SupportState state;
    private double[] mean;         // μ (p)
    private double[][] covariance; // Σ (p, p)

    /**
     * @throws IllegalArgumentException for ragged or non-finite data, or a non-positive noise precision
     */
    public TurboVbiRegression(double[][] x, double[] y, double noisePrecision, GammaPrior gamma, SupportChain chain) {
        if (x.length == 0 || x.length != y.length) {
            throw new IllegalArgumentException("X has " + x.length + " rows but y has " + y.length + " entries");
        }
        if (!(noisePrecision > 0) || !Double.isFinite(noisePrecision)) {
            throw new IllegalArgumentException("noise precision must be finite and > 0, got " + noisePrecision);
        }
        this.p = x[0].length;
        for (double[] row : x) {
            if (row.length != p) {
                throw new IllegalArgumentException("X is ragged: rows of " + p + " and " + row.length + " entries");
            }
            for (double v : row) {
                if (!Double.isFinite(v)) {
                    throw new IllegalArgumentException("X holds a non-finite entry " + v);
                }
            }
        }
        this.x = x;
        this.y = y;
        this.noisePrecision = noisePrecision;
        this.gamma = gamma;
        this.moduleB = new NeuronSupport(chain, 1);
        this.gram = new double[p][p];
        this.xty = new double[p];
        for (int r = 0; r < x.length; r++) {
            for (int i = 0; i < p; i++) {
                xty[i] += x[r][i] * y[r];
                for (int j = 0; j < p; j++) {
                    gram[i][j] += x[r][i] * x[r][j];
                }
            }
        }
        this.state = new SupportState(p, chain.stationaryActive(), INITIAL_SUPPORT, gamma);
        updateWeights();
    }

    /** One module-A pass: q(w) given q(ρ), then q(ρ) and q(s) given q(w) and the extrinsic prior. */
    public void moduleA() {
        updateWeights();
        state.moduleA(gamma, i -> mean[i] * mean[i] + covariance[i][i]);
    }

    /** One module-B pass: the chain's posterior from module A's evidence, and the new extrinsic prior. */
    public void moduleB() {
        moduleB.update(List.of(new NeuronSupport.Run(0, 0, 1, p)), new double[][] {state.evidence}, new double[][] {state.posterior},
                new double[][] {state.extrinsic});
    }

    /**
     * Runs {@code rounds} turbo rounds of {@code innerA} module-A passes followed by one module-B pass.
     *
     * @return the ELBO after every module-A pass (under the extrinsic prior of that round)
     */
    public List<Double> run(int rounds, int innerA) {
        List<Double> trace = new ArrayList<>();
        for (int round = 0; round < rounds; round++) {
            for (int k = 0; k < innerA; k++) {
                moduleA();
                trace.add(elbo());
            }
            moduleB();
        }
        moduleA();
        return trace;
    }

    /** μ (p), the posterior mean. */
    public double[] mean() {
        return mean.clone();
    }

    public SupportState state() {
        return state;
    }

    /**
     * The ELBO of module A: E[log p(y|w)] + E[log p(w|ρ)] + E[log p(ρ|s)] + E[log p(s)] + H[q], with p(s) = Π
     * Bernoulli(π_i) for the current extrinsic π.
     */
    public double elbo() {
        int n = y.length;
        double residual = 0;
        for (int r = 0; r < n; r++) {
            double fit = 0;
            for (int i = 0; i < p; i++) {
                fit += x[r][i] * mean[i];
            }
            residual += (y[r] - fit) * (y[r] - fit);
        }
        double trace = 0;
        for (int i = 0; i < p; i++) {
            for (int j = 0; j < p; j++) {
                trace += gram[i][j] * covariance[j][i];
            }
        }
        double value = 0.5 * n * Math.log(noisePrecision / (2 * Math.PI)) - 0.5 * noisePrecision * (residual + trace);
        for (int i = 0; i < p; i++) {
            double a = state.shape[i], b = state.rate[i], rho = a / b, logRho = SpecialFunctions.digamma(a) - Math.log(b);
            double q = state.support[i], pi = NeuronSupport.sigmoid(state.extrinsic[i]);
            value += 0.5 * logRho - 0.5 * Math.log(2 * Math.PI) - 0.5 * rho * (mean[i] * mean[i] + covariance[i][i]);
            value += q * GammaPrior.expectedLogDensity(gamma.activeShape(), gamma.activeRate(), rho, logRho)
                    + (1 - q) * GammaPrior.expectedLogDensity(gamma.inactiveShape(), gamma.inactiveRate(), rho, logRho);
            value += xlogy(q, pi) + xlogy(1 - q, 1 - pi) - xlogy(q, q) - xlogy(1 - q, 1 - q);
            value += GammaPrior.entropy(a, b);
        }
        return value + 0.5 * p * Math.log(2 * Math.PI * Math.E) + 0.5 * Cholesky.logDeterminant(covariance);
    }

    private static double xlogy(double a, double b) {
        return a == 0 ? 0 : a * Math.log(b);
    }

    /** Σ = (βXᵀX + diag E[ρ])⁻¹, μ = βΣXᵀy. */
    private void updateWeights() {
        double[][] precision = new double[p][p];
        for (int i = 0; i < p; i++) {
            for (int j = 0; j < p; j++) {
                precision[i][j] = noisePrecision * gram[i][j];
            }
            precision[i][i] += state.expectedPrecision(i);
        }
        covariance = Cholesky.inverse(precision);
        mean = new double[p];
        for (int i = 0; i < p; i++) {
            double s = 0;
            for (int j = 0; j < p; j++) {
                s += covariance[i][j] * xty[j];
            }
            mean[i] = noisePrecision * s;
        }
    }
}
