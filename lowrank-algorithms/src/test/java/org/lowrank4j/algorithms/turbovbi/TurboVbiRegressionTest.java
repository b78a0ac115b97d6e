package org.lowrank4j.algorithms.turbovbi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TurboVbiRegressionTest {

    @Test
    void specialFunctionsMatchKnownValues() {
        assertEquals(Math.log(24), SpecialFunctions.lnGamma(5), 1e-12);
        assertEquals(0.5 * Math.log(Math.PI), SpecialFunctions.lnGamma(0.5), 1e-12);
        assertEquals(-0.5772156649015329, SpecialFunctions.digamma(1), 1e-12);        // −γ
        assertEquals(-0.5772156649015329 - 2 * Math.log(2), SpecialFunctions.digamma(0.5), 1e-12);
        assertEquals(1 - 0.5772156649015329 + 0.5 + 1.0 / 3, SpecialFunctions.digamma(4), 1e-12);
    }

    @Test
    void gammaUpdateIsTheConjugateClosedForm() {
        GammaPrior g = new GammaPrior(1.5, 0.2, 3.0, 1e-3);
        double q = 0.3, m2 = 0.04;
        double shape = g.posteriorShape(q), rate = g.posteriorRate(q, m2);
        assertEquals(0.3 * 1.5 + 0.7 * 3.0 + 0.5, shape, 1e-15);
        assertEquals(0.3 * 0.2 + 0.7 * 1e-3 + 0.02, rate, 1e-15);
        SupportState s = new SupportState(1, 0.5, q, g);
        s.moduleA(g, i -> m2);
        assertEquals(shape / rate, s.expectedPrecision(0), 1e-12);
        // the evidence by its definition, with E[log ρ] = ψ(ã) − log b̃
        double mr = shape / rate, ml = SpecialFunctions.digamma(shape) - Math.log(rate);
        double expected = (1.5 * Math.log(0.2) - SpecialFunctions.lnGamma(1.5) + 0.5 * ml - 0.2 * mr)
                - (3.0 * Math.log(1e-3) - SpecialFunctions.lnGamma(3.0) + 2.0 * ml - 1e-3 * mr);
        assertEquals(expected, s.evidence(0), 1e-10);
        assertEquals(NeuronSupport.sigmoid(0 + expected), s.support(0), 1e-12); // π = 0.5
    }

    /** y = X w + noise, w zero except two contiguous blocks. */
    private static TurboVbiRegression blockSparse(long seed, double[] truth) {
        int p = 80, n = 120;
        Random r = new Random(seed);
        for (int i = 0; i < p; i++) {
            boolean on = (i >= 10 && i < 22) || (i >= 50 && i < 58);
            truth[i] = on ? (1 + r.nextDouble()) * (r.nextBoolean() ? 1 : -1) : 0;
        }
        double[][] x = new double[n][p];
        double[] y = new double[n];
        double noiseStd = 0.05;
        for (int k = 0; k < n; k++) {
            for (int i = 0; i < p; i++) {
                x[k][i] = r.nextGaussian() / Math.sqrt(n);
                y[k] += x[k][i] * truth[i];
            }
            y[k] += noiseStd * r.nextGaussian();
        }
        GammaPrior g = GammaPrior.ofStandardDeviations(0.5, 0.01);
        return new TurboVbiRegression(x, y, 1 / (noiseStd * noiseStd), g, new SupportChain(0.95, 0.95));
    }

    /** 120 noisy measurements of 80 unknowns, 20 of them non-zero in two blocks. */
    @Test
    void recoversContiguousBlockSparseSupport() {
        for (long seed : new long[] {1, 2, 3}) {
            double[] truth = new double[80];
            TurboVbiRegression solver = blockSparse(seed, truth);
            solver.run(30, 3);
            int agree = 0, runs = 0;
            boolean previous = false;
            double error = 0, norm = 0;
            double[] mean = solver.mean();
            for (int i = 0; i < truth.length; i++) {
                boolean on = solver.state().support(i) >= 0.5;
                agree += on == (truth[i] != 0) ? 1 : 0;
                runs += on && !previous ? 1 : 0;
                previous = on;
                error += (mean[i] - truth[i]) * (mean[i] - truth[i]);
                norm += truth[i] * truth[i];
            }
            System.out.printf("seed %d: support agreement %d/80, active runs %d, relative error %.3g%n", seed, agree, runs,
                    Math.sqrt(error / norm));
            assertTrue(agree >= 0.95 * 80, "support agreement " + agree + "/80 at seed " + seed);
            assertEquals(2, runs, "the recovered support should be the two planted blocks at seed " + seed);
            assertTrue(Math.sqrt(error / norm) < 0.1, "relative error " + Math.sqrt(error / norm));
        }
    }

    @Test
    void moduleANeverDecreasesTheElbo() {
        TurboVbiRegression solver = blockSparse(4, new double[80]);
        List<Double> trace = solver.run(6, 8);
        for (int round = 0; round < 6; round++) {
            for (int k = 1; k < 8; k++) {
                double before = trace.get(round * 8 + k - 1), after = trace.get(round * 8 + k);
                assertTrue(after >= before - 1e-7 * Math.abs(before), "round " + round + " pass " + k + ": ELBO " + before + " -> " + after);
            }
        }
        assertTrue(trace.get(7) > trace.get(0), "module A should improve the ELBO in the first round");
    }
}
