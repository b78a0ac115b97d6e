package org.lowrank4j.algorithms.butterfly;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The DCT-II as a butterfly product: its exact construction, the relaxed permutation, and learning it at a small size. */
class ButterflyDctTest {

    /** The choices that make the DCT's factor list (N, then N, N/2, …, 4) Makhoul's reordering followed by the bit reversal. */
    static RelaxedPermutation makhoulThenBitReversal(int n) {
        int[] blocks = RelaxedPermutation.decreasingBlocks(n, true);
        boolean[][] choices = new boolean[blocks.length][];
        choices[0] = new boolean[] {true, false, true}; // separate, reverse the second half: [x0, x2, …, x3, x1]
        for (int f = 1; f < blocks.length; f++) {
            choices[f] = new boolean[] {true, false, false}; // separate at every block size: the bit reversal
        }
        return RelaxedPermutation.ofChoices(n, blocks, choices);
    }

    @Test
    void sineCompanionTargetHasTheDctAsItsRealPart() {
        for (int n = 2; n <= 64; n *= 2) {
            double[] dct = Transforms.matrix(Transforms.Kind.DCT, n)[0], companion = Transforms.dctWithSineCompanion(n)[0];
            double max = 0;
            for (int e = 0; e < n * n; e++) {
                max = Math.max(max, Math.abs(dct[e] - companion[e]));
            }
            assertThat(max).as("N = %d", n).isLessThan(1e-13);
        }
    }

    /** Exact construction: B_dct · P_{makhoul-bit-reversal} = DCT + i·(sine companion), so Re(B·P) = DCT, N = 2…1024. */
    @Test
    void dctConstructionIsExactUpTo1024() {
        for (int n = 2; n <= 1024; n *= 2) {
            int[] perm = Transforms.compose(Transforms.makhoul(n), Transforms.bitReversal(n));
            double[][] b = Butterfly.dct(n).toMatrix();
            double full = ButterflyTest.maxDifference(b, perm, Transforms.dctWithSineCompanion(n), n, false);
            double real = ButterflyTest.maxDifference(b, perm, Transforms.matrix(Transforms.Kind.DCT, n), n, true);
            assertThat(full).as("N = %d, complex", n).isLessThan(1e-10);
            assertThat(real).as("N = %d, real part", n).isLessThan(1e-10);
        }
    }

    /**
     * Why the DCT needs complex twiddles here: in B·P with B a real butterfly, output rows k and k + N/2 come from the
     * same row of one half-size sub-butterfly on each half of the (permuted) inputs, so restricted to that half of the
     * columns they are parallel. For the DCT-8 no half of the 8 columns has all four row pairs parallel (on every half
     * some pair is at 45° or more: sin² ≥ 0.5), so no real butterfly times any permutation is the DCT-8.
     */
    @Test
    void realTwiddlesCannotRepresentTheDct8() {
        int n = 8, half = 4;
        double[] c = Transforms.matrix(Transforms.Kind.DCT, n)[0];
        double best = Double.POSITIVE_INFINITY;
        for (int mask = 0; mask < 1 << n; mask++) {
            if (Integer.bitCount(mask) != half) {
                continue;
            }
            double worst = 0; // over both halves and all k: how far rows k and k + N/2 on that half are from parallel
            for (int side = 0; side < 2; side++) {
                for (int k = 0; k < half; k++) {
                    double aa = 0, bb = 0, ab = 0;
                    for (int m = 0; m < n; m++) {
                        if (((mask >> m) & 1) == side) {
                            continue;
                        }
                        double a = c[k * n + m], b = c[(k + half) * n + m];
                        aa += a * a;
                        bb += b * b;
                        ab += a * b;
                    }
                    worst = Math.max(worst, 1 - ab * ab / (aa * bb)); // sin² of the angle between the two rows
                }
            }
            best = Math.min(best, worst);
        }
        assertThat(best).isGreaterThan(0.49);
    }

    /** The relaxed permutation family contains the DCT's permutation, and with it the objective on the soft matrix is zero. */
    @Test
    void relaxedFamilyContainsTheDctPermutation() {
        for (int n = 4; n <= 256; n *= 2) {
            RelaxedPermutation p = makhoulThenBitReversal(n);
            assertThat(p.harden()).as("N = %d", n).isEqualTo(Transforms.compose(Transforms.makhoul(n), Transforms.bitReversal(n)));
            double[][] t = Transforms.matrix(Transforms.Kind.DCT, n);
            double[][] gRe = new double[Integer.numberOfTrailingZeros(n)][2 * n], gIm = new double[gRe.length][2 * n];
            double loss = ButterflyLoss.evaluate(Butterfly.dct(n), p.matrix(), t[0], t[1], true, gRe, gIm, null);
            assertThat(loss).as("N = %d", n).isLessThan(1e-20);
        }
        RelaxedPermutation bits = RelaxedPermutation.ofChoices(16, RelaxedPermutation.decreasingBlocks(16, false),
                new boolean[][] {{true, false, false}, {true, false, false}, {true, false, false}});
        assertThat(bits.harden()).isEqualTo(Transforms.bitReversal(16));
    }

    /** Soft factors are doubly stochastic; hardening rounds to a true permutation, the limit of the soft matrix. */
    @Test
    void relaxationHardensToATruePermutation() {
        int n = 32;
        RelaxedPermutation p = RelaxedPermutation.dctFactors(n, new Random(7));
        double[] soft = p.matrix();
        for (int i = 0; i < n; i++) {
            double row = 0, col = 0;
            for (int j = 0; j < n; j++) {
                row += soft[i * n + j];
                col += soft[j * n + i];
            }
            assertThat(row).isCloseTo(1, org.assertj.core.data.Offset.offset(1e-12));
            assertThat(col).isCloseTo(1, org.assertj.core.data.Offset.offset(1e-12));
        }
        assertThat(p.softness()).isGreaterThan(0.01);
        int[] perm = p.harden();
        assertThat(Arrays.stream(perm).sorted().toArray()).isEqualTo(Transforms.identity(n));
        // Pushing every logit far from 0 keeps the signs, so the soft matrix becomes the 0/1 matrix of the same permutation.
        for (double[] row : p.logits) {
            for (int c = 0; c < 3; c++) {
                row[c] *= 1e3;
            }
        }
        assertThat(p.harden()).isEqualTo(perm);
        assertThat(p.softness()).isLessThan(1e-12);
        double[] hard = p.matrix();
        for (int r = 0; r < n; r++) {
            for (int m = 0; m < n; m++) {
                assertThat(hard[r * n + m]).as("(%d, %d)", r, m).isCloseTo(perm[r] == m ? 1 : 0, org.assertj.core.data.Offset.offset(1e-12));
            }
        }
    }

    /** Finite differences of the objective through the soft permutation: its logits and the twiddles, N = 8. */
    @Test
    void logitGradientMatchesFiniteDifferences() {
        int n = 8;
        Random random = new Random(11);
        for (boolean realOutput : new boolean[] {true, false}) {
            Butterfly b = Butterfly.randomOrthogonal(n, true, random);
            RelaxedPermutation p = RelaxedPermutation.dctFactors(n, random);
            double[][] t = Transforms.dctWithSineCompanion(n);
            double[][] gRe = new double[3][2 * n], gIm = new double[3][2 * n], gLogit = new double[p.factorCount()][3];
            double[] gP = new double[n * n];
            ButterflyLoss.evaluate(b, p.matrix(), t[0], t[1], realOutput, gRe, gIm, gP);
            p.backward(gP, gLogit);
            double h = 1e-6, worst = 0;
            for (int f = 0; f < p.factorCount(); f++) {
                for (int c = 0; c < 3; c++) {
                    double keep = p.logits[f][c];
                    p.logits[f][c] = keep + h;
                    double up = ButterflyLoss.evaluate(b, p.matrix(), t[0], t[1], realOutput, new double[3][2 * n], new double[3][2 * n], null);
                    p.logits[f][c] = keep - h;
                    double down = ButterflyLoss.evaluate(b, p.matrix(), t[0], t[1], realOutput, new double[3][2 * n], new double[3][2 * n], null);
                    p.logits[f][c] = keep;
                    worst = Math.max(worst, Math.abs((up - down) / (2 * h) - gLogit[f][c]));
                }
            }
            System.out.printf("relaxed permutation logit gradient vs finite differences (real output %s): max difference %.2e%n", realOutput, worst);
            assertThat(worst).isLessThan(1e-7);
            assertThat(Arrays.stream(gLogit).flatMapToDouble(Arrays::stream).map(Math::abs).max().orElseThrow()).isGreaterThan(1e-4);
        }
    }

    /** Learning at CI size: the DCT-32 from the complex objective (fixed permutation, screened) reaches 1e-6 on its real part. */
    @Test
    void learnsTheDct32FromTheComplexObjective() {
        ButterflyLearner learner = new ButterflyLearner(new ButterflyLearner.Options(3000, 0.02, 0.01, 3, 1e-6, 1));
        ButterflyLearner.Learned learned = learner.learn(Transforms.Kind.DCT, 32, "auto", ButterflyLearner.Objective.COMPLEX);
        System.out.printf("learned DCT-32 (complex objective): relative error %.2e with %s after %d steps%n", learned.relativeError(),
                learned.permutationName(), learned.steps());
        assertThat(learned.permutationName()).isEqualTo("makhoul-bit-reversal");
        assertThat(learned.relativeError()).isLessThan(1e-5);
    }

    /** The paper's route at CI size: twiddles and a relaxed permutation learned together, hardened, polished (DCT-16). */
    @Test
    void learnsTheDct16WithARelaxedPermutation() {
        ButterflyLearner learner = new ButterflyLearner(new ButterflyLearner.Options(3000, 0.02, 0.01, 5, 1e-6, 1));
        ButterflyLearner.Learned learned = learner.learn(Transforms.Kind.DCT, 16, "relaxed", ButterflyLearner.Objective.COMPLEX);
        System.out.printf("learned DCT-16 with a relaxed permutation: relative error %.2e, permutation %s, restart %d%n", learned.relativeError(),
                learned.permutationName(), learned.restart());
        assertThat(Arrays.stream(learned.permutation()).sorted().toArray()).isEqualTo(Transforms.identity(16));
        assertThat(learned.relativeError()).isLessThan(1e-5);
    }

    /** The paper's real-part objective from the FFT initialisation with noise 0.3 (DCT-32). */
    @Test
    void realPartObjectiveFromANoisyFftStartReachesTheDct32() {
        ButterflyLearner learner = new ButterflyLearner(new ButterflyLearner.Options(3000, 0.02, 0.01, 3, 1e-6, 1, ButterflyLearner.Init.FFT, 0.3));
        ButterflyLearner.Learned learned = learner.learn(Transforms.Kind.DCT, 32, "makhoul-bit-reversal", ButterflyLearner.Objective.REAL_PART);
        assertThat(learned.relativeError()).isLessThan(1e-5);
    }

    @Test
    void complexObjectiveIsForTheDctOnly() {
        ButterflyLearner learner = new ButterflyLearner(ButterflyLearner.Options.defaults());
        assertThatThrownBy(() -> learner.learn(Transforms.Kind.DFT, 16, "auto", ButterflyLearner.Objective.COMPLEX))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("complex objective is for the DCT");
    }
}
