package org.lowrank4j.algorithms.butterfly;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import org.junit.jupiter.api.Test;

class ButterflyTest {

    /** max |B·P − T| over the entries, with (B·P)[:, π(k)] = B[:, k]. */
    static double maxDifference(double[][] b, int[] perm, double[][] t, int n, boolean realOnly) {
        double max = 0;
        for (int r = 0; r < n; r++) {
            for (int k = 0; k < n; k++) {
                max = Math.max(max, Math.abs(b[0][r * n + k] - t[0][r * n + perm[k]]));
                if (!realOnly) {
                    max = Math.max(max, Math.abs(b[1][r * n + k] - t[1][r * n + perm[k]]));
                }
            }
        }
        return max;
    }

    /** Spec test 1: the FFT construction equals the naive DFT for N = 2..1024. */
    @Test
    void fftConstructionEqualsTheNaiveDft() {
        for (int n = 2; n <= 1024; n *= 2) {
            double diff = maxDifference(Butterfly.fft(n, true).toMatrix(), Transforms.bitReversal(n), Transforms.matrix(Transforms.Kind.DFT, n), n, false);
            assertThat(diff).as("N = %d", n).isLessThan(1e-10);
        }
    }

    @Test
    void hadamardConstructionEqualsTheDefinition() {
        for (int n = 2; n <= 256; n *= 2) {
            double diff = maxDifference(Butterfly.hadamard(n, true).toMatrix(), Transforms.identity(n), Transforms.matrix(Transforms.Kind.HADAMARD, n), n, false);
            assertThat(diff).as("N = %d", n).isLessThan(1e-12);
        }
    }

    /** The DCT through Makhoul's reordering: Re(diag(exp(−iπk/2N)·norm_k) · DFT · P) with P = Makhoul ∘ bit reversal. */
    @Test
    void dctIsTheRealPartOfAScaledPermutedFft() {
        int n = 16;
        double[][] f = Butterfly.fft(n, false).toMatrix();
        int[] perm = Transforms.compose(Transforms.makhoul(n), Transforms.bitReversal(n));
        double[][] dct = Transforms.matrix(Transforms.Kind.DCT, n);
        double max = 0;
        for (int k = 0; k < n; k++) {
            double scale = Math.sqrt((k == 0 ? 1.0 : 2.0) / n), angle = -Math.PI * k / (2.0 * n);
            for (int c = 0; c < n; c++) {
                double re = scale * (Math.cos(angle) * f[0][k * n + c] - Math.sin(angle) * f[1][k * n + c]);
                max = Math.max(max, Math.abs(re - dct[0][k * n + perm[c]]));
            }
        }
        assertThat(max).isLessThan(1e-12);
    }

    /** Spec test 2: 'ortho' initialisation gives an orthogonal / unitary matrix. */
    @Test
    void orthogonalInitialisationIsUnitary() {
        for (boolean complex : new boolean[] {false, true}) {
            int n = 32;
            double[][] b = Butterfly.randomOrthogonal(n, complex, new Random(3)).toMatrix();
            double max = 0;
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    double re = 0, im = 0; // (Bᴴ B)[i, j] = Σ_r conj(B[r, i]) B[r, j]
                    for (int r = 0; r < n; r++) {
                        double ar = b[0][r * n + i], ai = -b[1][r * n + i], br = b[0][r * n + j], bi = b[1][r * n + j];
                        re += ar * br - ai * bi;
                        im += ar * bi + ai * br;
                    }
                    max = Math.max(max, Math.abs(re - (i == j ? 1 : 0)) + Math.abs(im));
                }
            }
            assertThat(max).as("complex %s", complex).isLessThan(1e-12);
        }
    }

    /** Spec test 3: finite-difference check of the twiddle gradient (real and imaginary parts separately), N = 8. */
    @Test
    void gradientMatchesFiniteDifferences() {
        int n = 8;
        for (boolean realOutput : new boolean[] {false, true}) {
            Butterfly b = Butterfly.randomOrthogonal(n, true, new Random(5));
            double[][] t = Transforms.matrix(Transforms.Kind.DFT, n);
            double[][] gRe = new double[3][2 * n], gIm = new double[3][2 * n];
            ButterflyLoss.evaluate(b, t[0], t[1], realOutput, gRe, gIm);
            double h = 1e-6, worst = 0;
            double[][] scratchRe = new double[3][2 * n], scratchIm = new double[3][2 * n];
            for (int l = 0; l < 3; l++) {
                for (int q = 0; q < 2 * n; q++) {
                    for (int part = 0; part < 2; part++) {
                        double[] w = part == 0 ? b.re[l] : b.im[l];
                        double keep = w[q];
                        w[q] = keep + h;
                        double up = ButterflyLoss.evaluate(b, t[0], t[1], realOutput, scratchRe, scratchIm);
                        w[q] = keep - h;
                        double down = ButterflyLoss.evaluate(b, t[0], t[1], realOutput, scratchRe, scratchIm);
                        w[q] = keep;
                        double fd = (up - down) / (2 * h), analytic = part == 0 ? gRe[l][q] : gIm[l][q];
                        worst = Math.max(worst, Math.abs(fd - analytic));
                    }
                }
            }
            System.out.printf("butterfly gradient vs finite differences (real output %s): max difference %.2e%n", realOutput, worst);
            assertThat(worst).isLessThan(1e-7);
        }
    }

    /** Spec test 4 at CI size: learn the 16-point Hadamard (real) and DFT (complex) from their matrices. */
    @Test
    void learnsSmallHadamardAndDft() {
        ButterflyLearner learner = new ButterflyLearner(new ButterflyLearner.Options(3000, 0.02, 0.01, 3, 1e-6, 1));
        for (Transforms.Kind kind : new Transforms.Kind[] {Transforms.Kind.HADAMARD, Transforms.Kind.DFT}) {
            ButterflyLearner.Learned learned = learner.learn(kind, 16);
            System.out.printf("learned %s-16: relative error %.2e with %s after %d steps (restart %d)%n", kind, learned.relativeError(),
                    learned.permutationName(), learned.steps(), learned.restart());
            assertThat(learned.relativeError()).as("%s", kind).isLessThan(1e-4);
        }
    }

    @Test
    void sizesThatAreNotPowersOfTwoAreRefused() {
        assertThatThrownBy(() -> Butterfly.identity(12, false)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("a butterfly needs a size that is a power of two (at least 2), got 12");
    }
}
