package org.lowrank4j.algorithms.turbovbi;

import java.util.List;

/**
 * Module B for one neuron: its weights lie on a few chains ({@link SupportChain} each; for a SwiGLU neuron j, the
 * rows j of gate and up and the column j of down), all switched by a neuron indicator z with prior P(z = 1) = π_n.
 * z = 0 forces every support of the neuron to 0; given z = 1 the chains are independent. The factor graph is a tree,
 * so the sum–product is exact: {@code logit P(z=1 | ℓ) = logit π_n + Σ_c log Z_c} and
 * {@code P(s_t=1 | ℓ) = P(z=1 | ℓ)·P(s_t=1 | ℓ, z=1)}.
 *
 * <p>What goes back to module A is <em>extrinsic</em>: the incoming evidence of each weight is divided out,
 * {@code logit π_t = logit P(s_t=1 | ℓ) − ℓ_t}, so module A does not count its own evidence twice.
 *
 * @param chain       the chain prior along each run
 * @param neuronPrior π_n in (0, 1], or 1 for no neuron level
 */
public record NeuronSupport(SupportChain chain, double neuronPrior) {

    /** Where one chain of a neuron lies: entries {@code offset + t·stride}, t < length, of matrix {@code matrix}. */
    public record Run(int matrix, int offset, int stride, int length) {
    }

    public NeuronSupport {
        if (!(neuronPrior > 0 && neuronPrior <= 1)) {
            throw new IllegalArgumentException("turbo-vbi: the neuron prior must lie in (0, 1], got " + neuronPrior);
        }
    }

    /**
     * One pass of module B over one neuron.
     *
     * @param evidence   module A's ℓ per matrix (read)
     * @param posterior  receives logit P(s=1 | ℓ) per matrix at the runs' positions
     * @param extrinsic  receives logit π = posterior − clipped ℓ at the same positions
     * @return logit P(z = 1 | ℓ) (+∞ without a neuron level)
     */
    public double update(List<Run> runs, double[][] evidence, double[][] posterior, double[][] extrinsic) {
        double neuronLogOdds = neuronPrior >= 1 ? Double.POSITIVE_INFINITY : Math.log(neuronPrior) - Math.log1p(-neuronPrior);
        for (Run r : runs) {
            neuronLogOdds += chain.smooth(evidence[r.matrix()], r.offset(), r.stride(), r.length(), posterior[r.matrix()]);
        }
        double logOn = -softplus(-neuronLogOdds), logOff = -softplus(neuronLogOdds); // log P(z=1|ℓ), log P(z=0|ℓ)
        for (Run r : runs) {
            double[] post = posterior[r.matrix()], ev = evidence[r.matrix()], ext = extrinsic[r.matrix()];
            for (int t = 0; t < r.length(); t++) {
                int i = r.offset() + t * r.stride();
                double chainOdds = post[i];
                double logActive = logOn - softplus(-chainOdds);                        // log P(z=1) P(s=1 | z=1)
                double logInactive = logSumExp(logOff, logOn - softplus(chainOdds));    // log [P(z=0) + P(z=1) P(s=0 | z=1)]
                post[i] = logActive - logInactive;
                ext[i] = post[i] - SupportChain.clip(ev[i]);
            }
        }
        return neuronLogOdds;
    }

    /** log(1 + eˣ), stable for large |x|. */
    static double softplus(double x) {
        return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
    }

    static double logSumExp(double a, double b) {
        double m = Math.max(a, b);
        if (m == Double.NEGATIVE_INFINITY) {
            return m;
        }
        return m + Math.log(Math.exp(a - m) + Math.exp(b - m));
    }

    /** σ(x) = 1/(1 + e⁻ˣ). */
    public static double sigmoid(double x) {
        return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
    }
}
