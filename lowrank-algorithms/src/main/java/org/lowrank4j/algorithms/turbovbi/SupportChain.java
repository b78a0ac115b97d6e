package org.lowrank4j.algorithms.turbovbi;

/**
 * The structured support prior of module B: a two-state Markov chain along a run of weights,
 * {@code P(s_{t+1}=1 | s_t=1) = p11}, {@code P(s_{t+1}=0 | s_t=0) = p00}, started from its stationary law
 * {@code P(s_1=1) = (1 − p00)/(2 − p11 − p00)}, so supports come in clusters. {@link #smooth} is the sum–product
 * (forward–backward, normalised at every step) with per-weight evidence {@code ℓ_t = log p(data | s_t=1)/p(data | s_t=0)}.
 *
 * @param stayActive   p11 in (0, 1)
 * @param stayInactive p00 in (0, 1)
 */
public record SupportChain(double stayActive, double stayInactive) {
    /** Evidence beyond ±this is clipped in module B: a weight that sure of itself needs no neighbours (and exp stays finite). */
    public static final double EVIDENCE_LIMIT = 30;

    public SupportChain {
        if (!(stayActive > 0 && stayActive < 1) || !(stayInactive > 0 && stayInactive < 1)) {
            throw new IllegalArgumentException("turbo-vbi: chain probabilities p11 and p00 must lie in (0, 1), got p11=" + stayActive
                    + " p00=" + stayInactive);
        }
    }

    /** P(s = 1) of the stationary chain. */
    public double stationaryActive() {
        return (1 - stayInactive) / (2 - stayActive - stayInactive);
    }

    /**
     * Forward–backward over the {@code length} entries {@code evidence[offset + t·stride]}.
     *
     * @param posteriorLogOdds receives log P(s_t=1 | ℓ)/P(s_t=0 | ℓ) at the same positions
     * @return log Σ_s p(s) Π_t exp(ℓ_t s_t): the log evidence of the chain relative to "every weight inactive with
     *         probability one" (whose value is log 1 = 0)
     */
    public double smooth(double[] evidence, int offset, int stride, int length, double[] posteriorLogOdds) {
        double p11 = stayActive, p00 = stayInactive;
        double[] forward0 = new double[length], forward1 = new double[length];
        double[] scale = new double[length];
        double logZ = 0;
        double a1 = stationaryActive(), a0 = 1 - a1;
        for (int t = 0; t < length; t++) {
            double e1 = Math.exp(clip(evidence[offset + t * stride]));
            double f0, f1;
            if (t == 0) {
                f0 = a0;
                f1 = a1 * e1;
            } else {
                f0 = forward0[t - 1] * p00 + forward1[t - 1] * (1 - p11);
                f1 = (forward0[t - 1] * (1 - p00) + forward1[t - 1] * p11) * e1;
            }
            double c = f0 + f1;
            forward0[t] = f0 / c;
            forward1[t] = f1 / c;
            scale[t] = c;
            logZ += Math.log(c);
        }
        double b0 = 1, b1 = 1; // β̂ at t = length − 1
        for (int t = length - 1; t >= 0; t--) {
            posteriorLogOdds[offset + t * stride] = Math.log(forward1[t] * b1) - Math.log(forward0[t] * b0);
            if (t > 0) {
                double e1 = Math.exp(clip(evidence[offset + t * stride]));
                double n0 = (p00 * b0 + (1 - p00) * e1 * b1) / scale[t];
                double n1 = ((1 - p11) * b0 + p11 * e1 * b1) / scale[t];
                b0 = n0;
                b1 = n1;
            }
        }
        return logZ;
    }

    static double clip(double evidence) {
        return Math.max(-EVIDENCE_LIMIT, Math.min(EVIDENCE_LIMIT, evidence));
    }
}
