package org.lowrank4j.algorithms.turbovbi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class SupportChainTest {
    private static final SupportChain CHAIN = new SupportChain(0.8, 0.7);
    private static final double[] EVIDENCE = {2.0, -1.0, 0.5, 3.0, -2.5, -0.3, 1.2, -4.0, 0.0, 0.7};

    /** The chain prior of one configuration (bits of {@code mask}, entry t = bit t). */
    private static double prior(int mask, int n, SupportChain c) {
        double pr = 1;
        for (int t = 0; t < n; t++) {
            int s = (mask >> t) & 1;
            if (t == 0) {
                pr *= s == 1 ? c.stationaryActive() : 1 - c.stationaryActive();
            } else {
                int prev = (mask >> (t - 1)) & 1;
                double stay = prev == 1 ? c.stayActive() : c.stayInactive();
                pr *= s == prev ? stay : 1 - stay;
            }
        }
        return pr;
    }

    /** Marginals of a length-10 chain by summing all 1,024 configurations: the known answer forward–backward must give. */
    @Test
    void lengthTenMarginalsEqualTheSumOverAllConfigurations() {
        int n = EVIDENCE.length;
        double z = 0;
        double[] active = new double[n];
        for (int mask = 0; mask < 1 << n; mask++) {
            double w = prior(mask, n, CHAIN);
            for (int t = 0; t < n; t++) {
                w *= ((mask >> t) & 1) == 1 ? Math.exp(EVIDENCE[t]) : 1;
            }
            z += w;
            for (int t = 0; t < n; t++) {
                if (((mask >> t) & 1) == 1) {
                    active[t] += w;
                }
            }
        }
        double[] logOdds = new double[n];
        double logZ = CHAIN.smooth(EVIDENCE, 0, 1, n, logOdds);
        assertEquals(Math.log(z), logZ, 1e-12);
        double max = 0;
        for (int t = 0; t < n; t++) {
            max = Math.max(max, Math.abs(active[t] / z - NeuronSupport.sigmoid(logOdds[t])));
        }
        System.out.printf("length-10 chain: max |forward-backward - enumeration| = %.2e%n", max);
        assertTrue(max < 1e-12, "max marginal difference " + max);
    }

    /** A hand-computed case: length 2, p11 = p00 = 0.5 (no coupling), stationary 0.5: P(s_1=1) = e^ℓ/(1+e^ℓ). */
    @Test
    void uncoupledChainGivesTheEvidenceAlone() {
        SupportChain flat = new SupportChain(0.5, 0.5);
        double[] odds = new double[2];
        flat.smooth(new double[] {1.5, -0.25}, 0, 1, 2, odds);
        assertEquals(1.5, odds[0], 1e-12);
        assertEquals(-0.25, odds[1], 1e-12);
    }

    @Test
    void stridedRunReadsEveryStrideEntry() {
        double[] interleaved = new double[EVIDENCE.length * 3];
        for (int t = 0; t < EVIDENCE.length; t++) {
            interleaved[1 + 3 * t] = EVIDENCE[t];
        }
        double[] a = new double[EVIDENCE.length], b = new double[interleaved.length];
        double za = CHAIN.smooth(EVIDENCE, 0, 1, EVIDENCE.length, a);
        double zb = CHAIN.smooth(interleaved, 1, 3, EVIDENCE.length, b);
        assertEquals(za, zb, 1e-12);
        for (int t = 0; t < a.length; t++) {
            assertEquals(a[t], b[1 + 3 * t], 1e-12);
        }
    }

    /** The extrinsic message is the posterior with the weight's own evidence divided out, so it ignores that evidence. */
    @Test
    void extrinsicPriorDoesNotDependOnTheWeightsOwnEvidence() {
        NeuronSupport b = new NeuronSupport(CHAIN, 0.9);
        List<NeuronSupport.Run> runs = List.of(new NeuronSupport.Run(0, 0, 1, 10));
        double[] ev1 = EVIDENCE.clone(), ev2 = EVIDENCE.clone();
        ev2[4] = 5.0;
        double[][] post1 = {new double[10]}, ext1 = {new double[10]}, post2 = {new double[10]}, ext2 = {new double[10]};
        b.update(runs, new double[][] {ev1}, post1, ext1);
        b.update(runs, new double[][] {ev2}, post2, ext2);
        assertTrue(Math.abs(post1[0][4] - post2[0][4]) > 1, "the posterior must move with the evidence");
        // without a neuron level the extrinsic message of entry 4 is exactly independent of ℓ_4
        NeuronSupport plain = new NeuronSupport(CHAIN, 1);
        plain.update(runs, new double[][] {ev1}, post1, ext1);
        plain.update(runs, new double[][] {ev2}, post2, ext2);
        assertEquals(ext1[0][4], ext2[0][4], 1e-10);
    }

    /** Neuron level: brute force over z and two length-3 chains against the tree's sum–product. */
    @Test
    void neuronIndicatorMatchesEnumeration() {
        double pn = 0.3;
        double[] e = {0.4, -1.0, 2.0, -0.5, 0.1, -2.0};
        NeuronSupport b = new NeuronSupport(CHAIN, pn);
        List<NeuronSupport.Run> runs = List.of(new NeuronSupport.Run(0, 0, 1, 3), new NeuronSupport.Run(0, 3, 1, 3));
        double[][] post = {new double[6]}, ext = {new double[6]};
        double zOdds = b.update(runs, new double[][] {e}, post, ext);
        double total = 1 - pn, zOn = 0; // z = 0: all s = 0, weight 1
        double[] active = new double[6];
        for (int mask = 0; mask < 64; mask++) {
            double w = pn * prior(mask & 7, 3, CHAIN) * prior(mask >> 3, 3, CHAIN);
            for (int t = 0; t < 6; t++) {
                w *= ((mask >> t) & 1) == 1 ? Math.exp(e[t]) : 1;
            }
            total += w;
            zOn += w;
            for (int t = 0; t < 6; t++) {
                if (((mask >> t) & 1) == 1) {
                    active[t] += w;
                }
            }
        }
        assertEquals(zOn / total, NeuronSupport.sigmoid(zOdds), 1e-12);
        for (int t = 0; t < 6; t++) {
            assertEquals(active[t] / total, NeuronSupport.sigmoid(post[0][t]), 1e-12);
        }
    }

    @Test
    void rejectsProbabilitiesOutsideTheOpenInterval() {
        assertThrows(IllegalArgumentException.class, () -> new SupportChain(1.0, 0.5));
        assertThrows(IllegalArgumentException.class, () -> new NeuronSupport(CHAIN, 0));
        assertThrows(IllegalArgumentException.class, () -> GammaPrior.ofStandardDeviations(0.01, 0.1));
    }
}
