package org.lowrank4j.compress.methods.saes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.lowrank4j.compress.methods.PreparedSite;
import org.lowrank4j.compress.methods.MethodFixtures;
import org.lowrank4j.compress.LayerStats;
import org.lowrank4j.compress.LinearWeight;
import org.lowrank4j.compress.LowRank;
import org.lowrank4j.compress.Synthetic;
import org.lowrank4j.compress.methods.saes.SaesMethod;
import org.lowrank4j.compress.methods.saes.SaesOptions;
import org.lowrank4j.compress.methods.saes.SaesSite;
import org.lowrank4j.compress.methods.whitened.WhitenedOptions;
import org.lowrank4j.compress.methods.whitened.WhitenedSvdMethod;
import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.linalg.Linalg;

/** The "how to test it" list of spec c05 (SAES-SVD). */
class SaesTest {
    private final LinearWeight w = Synthetic.weight(28, 20, 41);
    private final DoubleMatrix xf = MethodFixtures.activations(100, 20, 2, 8, 42);
    private final DoubleMatrix xc = MethodFixtures.drifted(xf, 0.5, 0.2, 43);
    private final LayerStats drifted = MethodFixtures.stats(w, xf, xc, false, true, true, 0);

    private SaesSite site(SaesOptions options, LayerStats stats) {
        return (SaesSite) new SaesMethod(options).prepare(w, stats);
    }

    private static void assertSameProduct(LowRank a, LowRank b) {
        DoubleMatrix da = a.toDense(), db = b.toDense();
        assertThat(MethodFixtures.minus(da, db).frobeniusNorm()).isLessThan(1e-8 * db.frobeniusNorm());
    }

    @Test
    void alphaZeroIsSvdLlmOnTheCompressedInputs() {
        LayerStats onCompressed = MethodFixtures.stats(w, xc, xc, false, false, false, 0);
        PreparedSite whitened = new WhitenedSvdMethod(WhitenedOptions.defaults()).prepare(w, onCompressed);
        SaesSite saes = site(SaesOptions.fixed(0), drifted);
        assertThat(saes.spectrum()).usingComparatorWithPrecision(1e-9 * whitened.spectrum()[0]).containsExactly(whitened.spectrum());
        for (int r : new int[] {2, 7, 15}) {
            assertSameProduct(saes.factorAt(r), whitened.factorAt(r));
        }
    }

    @Test
    void undriftedInputsGiveSvdLlmForEveryAlpha() {
        LayerStats same = MethodFixtures.stats(w, xf, xf, false, true, true, 0);
        PreparedSite whitened = new WhitenedSvdMethod(WhitenedOptions.defaults()).prepare(w, same);
        for (double alpha : new double[] {0, 1, 10}) {
            assertSameProduct(site(SaesOptions.fixed(alpha), same).factorAt(6), whitened.factorAt(6));
        }
        assertSameProduct(site(SaesOptions.defaults(), same).factorAt(6), whitened.factorAt(6));
    }

    @Test
    void closedFormBeatsGradientDescentOnATinyProblem() {
        int m = 6, n = 5, r = 2, tokens = 30;
        LinearWeight tiny = Synthetic.weight(m, n, 44);
        DoubleMatrix f = MethodFixtures.activations(tokens, n, 0, 1, 45);
        DoubleMatrix c = MethodFixtures.drifted(f, 0.6, 0.3, 46);
        LayerStats stats = MethodFixtures.stats(tiny, f, c, false, true, true, 0);
        for (double alpha : new double[] {0, 0.5, 4}) {
            LowRank closed = ((SaesSite) new SaesMethod(SaesOptions.fixed(alpha)).prepare(tiny, stats)).factorAt(r);
            double best = objective(f, c, tiny.weight(), closed.toDense(), alpha);
            for (long seed = 0; seed < 2; seed++) {
                double descended = gradientDescent(f, c, tiny.weight(), alpha, r, 5000, seed);
                assertThat(best).as("alpha %s seed %d", alpha, seed).isLessThanOrEqualTo(descended * (1 + 1e-9));
                assertThat(descended).as("descent reaches the optimum: alpha %s seed %d", alpha, seed).isLessThan(best * (1 + 1e-3));
            }
        }
    }

    /** J(Ŵ) = ‖X_c(Ŵ−W)ᵀ‖² + α‖X_cŴᵀ − X_fWᵀ‖². */
    private static double objective(DoubleMatrix xf, DoubleMatrix xc, DoubleMatrix w, DoubleMatrix approx, double alpha) {
        double local = MethodFixtures.outputNorm(xc, MethodFixtures.minus(w, approx));
        double aligned = MethodFixtures.alignmentError(xf, xc, w, approx);
        return local * local + alpha * aligned * aligned;
    }

    /**
     * Plain gradient descent on (A, B) from a random start, in plain arrays (the problem is tiny):
     * ∇_Ŵ J = 2[(1+α) Ŵ G_c − W (G_c + α H)], ∇_A = ∇_Ŵ Bᵀ, ∇_B = Aᵀ ∇_Ŵ; step 1 / (2 (1+α) ‖G_c‖_F (‖A‖² + ‖B‖²)).
     */
    private static double gradientDescent(DoubleMatrix xf, DoubleMatrix xc, DoubleMatrix w, double alpha, int r, int steps, long seed) {
        int m = w.rows(), n = w.cols();
        DoubleMatrix gram = Linalg.gram(xc);
        double[][] gc = new double[n][n], target = new double[m][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                gc[i][j] = gram.get(i, j);
            }
        }
        DoubleMatrix t = Linalg.multiply(w, gram);
        DoubleMatrix wh = Linalg.multiply(w, Linalg.multiply(xf.transpose(), xc));
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                target[i][j] = t.get(i, j) + alpha * wh.get(i, j); // W (G_c + α H)
            }
        }
        double gcNorm = gram.frobeniusNorm();
        Random random = new Random(seed);
        double[][] a = new double[m][r], b = new double[r][n], approx = new double[m][n], grad = new double[m][n];
        for (double[] row : a) {
            for (int k = 0; k < r; k++) {
                row[k] = random.nextGaussian();
            }
        }
        for (double[] row : b) {
            for (int j = 0; j < n; j++) {
                row[j] = random.nextGaussian();
            }
        }
        for (int step = 0; step < steps; step++) {
            double norms = 0;
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double v = 0;
                    for (int k = 0; k < r; k++) {
                        v += a[i][k] * b[k][j];
                    }
                    approx[i][j] = v;
                }
            }
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double v = 0;
                    for (int k = 0; k < n; k++) {
                        v += approx[i][k] * gc[k][j];
                    }
                    grad[i][j] = 2 * ((1 + alpha) * v - target[i][j]);
                }
            }
            for (double[] row : a) {
                for (double v : row) {
                    norms += v * v;
                }
            }
            for (double[] row : b) {
                for (double v : row) {
                    norms += v * v;
                }
            }
            double lr = 1 / (2 * (1 + alpha) * gcNorm * norms);
            double[][] ga = new double[m][r], gb = new double[r][n];
            for (int i = 0; i < m; i++) {
                for (int k = 0; k < r; k++) {
                    for (int j = 0; j < n; j++) {
                        ga[i][k] += grad[i][j] * b[k][j];
                        gb[k][j] += a[i][k] * grad[i][j];
                    }
                }
            }
            for (int i = 0; i < m; i++) {
                for (int k = 0; k < r; k++) {
                    a[i][k] -= lr * ga[i][k];
                }
            }
            for (int k = 0; k < r; k++) {
                for (int j = 0; j < n; j++) {
                    b[k][j] -= lr * gb[k][j];
                }
            }
        }
        DoubleMatrix result = DoubleMatrix.zeros(m, n);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double v = 0;
                for (int k = 0; k < r; k++) {
                    v += a[i][k] * b[k][j];
                }
                result.set(i, j, v);
            }
        }
        return objective(xf, xc, w, result, alpha);
    }

    @Test
    void largerAlphaTracksTheOriginalOutputBetterAndTheLocalTermWorse() {
        double previousAligned = Double.POSITIVE_INFINITY, previousLocal = 0;
        for (double alpha : SaesOptions.GRID) {
            DoubleMatrix approx = site(SaesOptions.fixed(alpha), drifted).factorAt(6).toDense();
            double aligned = MethodFixtures.alignmentError(xf, xc, w.weight(), approx);
            double local = MethodFixtures.outputNorm(xc, MethodFixtures.minus(w.weight(), approx));
            assertThat(aligned).as("alignment at alpha %s", alpha).isLessThanOrEqualTo(previousAligned * (1 + 1e-9));
            assertThat(local).as("local at alpha %s", alpha).isGreaterThanOrEqualTo(previousLocal * (1 - 1e-9));
            previousAligned = aligned;
            previousLocal = local;
        }
        double atZero = MethodFixtures.alignmentError(xf, xc, w.weight(), site(SaesOptions.fixed(0), drifted).factorAt(6).toDense());
        assertThat(previousAligned).isLessThan(0.99 * atZero); // the drift is real: α matters
    }

    @Test
    void acesPicksTheGridAlphaWithTheLargestCapturedEnergy() {
        SaesSite aces = site(SaesOptions.defaults(), drifted);
        for (int r : new int[] {1, 4, 10, 19}) {
            double chosen = aces.alphaAt(r);
            assertThat(SaesOptions.GRID).contains(chosen);
            for (double alpha : SaesOptions.GRID) {
                double rho = aces.rho(alpha, r);
                assertThat(rho).isBetween(0.0, 1.0);
                assertThat(rho).isLessThanOrEqualTo(aces.rho(chosen, r));
            }
            assertSameProduct(aces.factorAt(r), aces.factorAt(r, chosen));
            assertSameProduct(aces.factorAt(r), site(SaesOptions.fixed(chosen), drifted).factorAt(r));
        }
        assertThat(aces.rho(0, 20)).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-12));
    }

    @Test
    void refusesMissingPrefixCrossMomentOrMisalignedTokens() {
        SaesMethod method = new SaesMethod(SaesOptions.defaults());
        LayerStats noPrefix = MethodFixtures.stats(w, xf, xc, false, false, false, 0);
        assertThatThrownBy(() -> method.prepare(w, noPrefix)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("saes").hasMessageContaining("compressed-prefix").hasMessageContaining(w.name());
        LayerStats noCross = MethodFixtures.stats(w, xf, xc, false, true, false, 0);
        assertThatThrownBy(() -> method.prepare(w, noCross)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cross moment").hasMessageContaining(w.name());
        LayerStats misaligned = MethodFixtures.stats(w, xf, xc, false, true, true, 0);
        misaligned.compressedPrefix().accumulate(xc.toFloat().data(), 0, 3); // three extra tokens in G_c only
        assertThatThrownBy(() -> method.prepare(w, misaligned)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("same aligned tokens");
    }

    @Test
    void optionsAreValidatedAndNormalised() {
        assertThat(new SaesOptions(List.of(2.0, 0.5, 2.0), 1e-10).alphas()).containsExactly(0.5, 2.0);
        assertThat(SaesOptions.fixed(3).searches()).isFalse();
        assertThat(SaesOptions.defaults().searches()).isTrue();
        assertThatThrownBy(() -> new SaesOptions(List.of(), 1e-10)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("saes");
        assertThatThrownBy(() -> SaesOptions.fixed(-0.5)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("alpha");
        assertThatThrownBy(() -> SaesOptions.fixed(1000)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("alpha");
        assertThatThrownBy(() -> new SaesOptions(List.of(1.0), 1)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("floor");
    }
}
