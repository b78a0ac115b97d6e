package org.lowrank4j.algorithms.butterfly;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Issue 18's butterfly acceptance: relative error ≤ 1e-4 on the DFT and the Hadamard transform of size 256, learned from
 * their matrices. About a minute on 2 shared cores, so it runs only with {@code -Dlowrank.acceptance=true}; CI learns
 * size 16 in {@link ButterflyTest}. Measured runs: results/butterfly/README.md.
 */
class ButterflyAcceptanceTest {

    @Test
    void learnsDftAndHadamardOfSize256() {
        Assumptions.assumeTrue(Boolean.getBoolean("lowrank.acceptance"), "set -Dlowrank.acceptance=true to run");
        ButterflyLearner learner = new ButterflyLearner(new ButterflyLearner.Options(3000, 0.02, 0.01, 3, 1e-6, 1));
        for (Transforms.Kind kind : new Transforms.Kind[] {Transforms.Kind.DFT, Transforms.Kind.HADAMARD}) {
            long start = System.nanoTime();
            ButterflyLearner.Learned learned = learner.learn(kind, 256);
            System.out.printf("ACCEPTANCE %s-256: relative error %.3e (permutation %s, %d steps, restart %d), %.1f s%n", kind, learned.relativeError(),
                    learned.permutationName(), learned.steps(), learned.restart(), (System.nanoTime() - start) / 1e9);
            assertThat(learned.relativeError()).isLessThanOrEqualTo(1e-4);
        }
    }
}
