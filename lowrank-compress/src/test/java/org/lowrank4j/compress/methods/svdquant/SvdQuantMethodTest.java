package org.lowrank4j.compress.methods.svdquant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.lowrank4j.compress.Factorization;
import org.lowrank4j.compress.LayerStats;
import org.lowrank4j.compress.LinearWeight;
import org.lowrank4j.compress.Quantized;
import org.lowrank4j.compress.QuantizedLowRank;
import org.lowrank4j.compress.Synthetic;
import org.lowrank4j.compress.methods.Methods;
import org.lowrank4j.compress.methods.QuantizedSite;
import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.linalg.Linalg;
import org.lowrank4j.linalg.quant.QuantizationFormat;
import org.lowrank4j.linalg.quant.RoundToNearest;

/** SVDQuant (spec c16, "How to test it" 1, 2, 4, 5 and an outlier version of 3), weights only. */
class SvdQuantMethodTest {
    private static final LinearWeight W = Synthetic.weight(32, 64, 2);
    private static final DoubleMatrix X = Synthetic.activations(300, 64, 2, 10, 5);
    private static final LayerStats STATS = Synthetic.stats(X);

    private static QuantizedSite prepare(String spec, LinearWeight w, LayerStats stats) {
        return Methods.quantizedByName(spec).prepare(w, stats);
    }

    /** Item 1: r = 0 and λ = 1 is plain 4-bit rounding, with no scale stored. */
    @Test
    void rankZeroWithoutSmoothingIsPlainRounding() {
        Factorization f = prepare("svdquant:rank=0:smoothing=off:group=16", W, STATS).at(0);
        assertThat(f).isInstanceOf(Quantized.class);
        Quantized q = (Quantized) f;
        assertThat(q.inputScale()).isNull();
        var rtn = RoundToNearest.quantize(W.weight(), QuantizationFormat.asymmetric(4, 16));
        assertThat(q.weight().packedCodes()).isEqualTo(rtn.packedCodes());
        assertThat(q.weight().scales()).isEqualTo(rtn.scales());
        assertThat(f.bytes()).isEqualTo(rtn.bytes());
    }

    /** Item 2: with the rounding taken out (identity), base + branch in the runtime form give X Wᵀ for any λ and r. */
    @Test
    void withoutRoundingTheRuntimeFormIsExactForAnyScaleAndRank() {
        Random random = new Random(3);
        SvdQuantOptions options = SvdQuantOptions.defaults();
        DoubleMatrix exact = Linalg.multiply(X, W.weight().transpose());
        for (int trial = 0; trial < 4; trial++) {
            double[] lambda = new double[64];
            for (int j = 0; j < lambda.length; j++) {
                lambda[j] = Math.exp(3 * random.nextGaussian());
            }
            int rank = new int[] {0, 1, 7, 32}[trial];
            SmoothedFit fit = new SmoothedFit(Smoothing.smoothWeight(W.weight(), lambda), Smoothing.smoothGram(STATS.gram(), lambda), options);
            SmoothedFit.Iterate it = fit.iterate(rank, null);
            DoubleMatrix residual = fit.smoothed().copy();                                   // R = Ŵ − L1 L2, not rounded
            if (rank > 0) {
                residual = SmoothedFit.minus(residual, Linalg.multiply(it.left(), it.right()));
            }
            // y = (x ⊙ λ⁻¹) Rᵀ + (x (L2 diag(λ)⁻¹)ᵀ) L1ᵀ
            DoubleMatrix xs = X.copy();
            for (int t = 0; t < xs.rows(); t++) {
                for (int j = 0; j < 64; j++) {
                    xs.set(t, j, xs.get(t, j) / lambda[j]);
                }
            }
            DoubleMatrix y = Linalg.multiply(xs, residual.transpose());
            if (rank > 0) {
                DoubleMatrix absorbed = SvdQuantMethod.Site.absorb(it.right(), lambda);
                y = plus(y, Linalg.multiply(Linalg.multiply(X, absorbed.transpose()), it.left().transpose()));
            }
            assertThat(maxAbsDifference(y, exact) / maxAbs(exact)).as("rank %d", rank).isLessThan(1e-9);
        }
    }

    /** Item 3 (outliers): three huge weight columns and three huge input channels; rank 3 takes them into the branch. */
    @Test
    void aBranchOfRankThreeAbsorbsThreeOutlierColumns() {
        Random random = new Random(11);
        DoubleMatrix w = DoubleMatrix.gaussian(48, 64, random);
        int[] outliers = {5, 21, 40};
        for (int c : outliers) {
            for (int i = 0; i < w.rows(); i++) {
                w.set(i, c, w.get(i, c) * 60);
            }
        }
        DoubleMatrix x = Synthetic.activations(400, 64, 0, 1, 12);
        for (int c : outliers) {
            for (int t = 0; t < x.rows(); t++) {
                x.set(t, c, x.get(t, c) * 30);
            }
        }
        LinearWeight weight = new LinearWeight("outliers", "ffn.up", 0, w);
        LayerStats stats = Synthetic.stats(x);
        double plain = Synthetic.outputError(x, w, prepare("svdquant:rank=0:smoothing=off:group=16", weight, stats).at(0));
        SvdQuantMethod.Site site = (SvdQuantMethod.Site) prepare("svdquant:rank=3:group=16", weight, stats);
        double two = Synthetic.outputError(x, w, site.at(2)), three = Synthetic.outputError(x, w, site.at(3));
        System.out.printf("outliers: plain %.4g, rank 2 %.4g, rank 3 %.4g, smoothing %s%n", plain, two, three, site.candidate());
        assertThat(three).isLessThan(0.2 * plain).isLessThan(0.5 * two);
        SmoothedFit.Iterate it = site.refinement(3).best();
        DoubleMatrix smoothed = Smoothing.smoothWeight(w, site.lambda());
        DoubleMatrix residual = SmoothedFit.minus(smoothed, Linalg.multiply(it.left(), it.right()));
        assertThat(maxAbs(residual)).isLessThan(0.2 * maxAbs(smoothed));
    }

    /** Item 4: the refinement's output errors fall until the early stop, and the site returns the best iterate. */
    @Test
    void refinementErrorsFallUntilTheEarlyStopAndTheBestIsKept() {
        for (String spec : new String[] {"svdquant:rank=4:group=16", "svdquant:rank=8:group=16:rounding=gptq", "svdquant:rank=6:bits=2:group=16"}) {
            SvdQuantMethod.Site site = (SvdQuantMethod.Site) prepare(spec, W, STATS);
            int rank = Methods.quantizedByName(spec).fixedRank();
            double[] errors = site.refinement(rank).errors();
            double best = site.refinement(rank).best().error();
            for (int t = 1; t < errors.length - 1; t++) {
                assertThat(errors[t]).as("%s iteration %d", spec, t).isLessThan(errors[t - 1]);
            }
            assertThat(best).isEqualTo(java.util.Arrays.stream(errors).min().orElseThrow());
            // the factorization at that rank is that iterate: its output error on X is the recorded one
            double measured = Math.pow(Synthetic.outputError(X, W.weight(), site.at(rank)), 2);
            assertThat(Math.abs(measured - best) / best).as(spec).isLessThan(1e-4);
            assertThat(errors.length).isGreaterThan(1);
            System.out.printf("%s: %d iterations, errors %s%n", spec, errors.length, java.util.Arrays.toString(errors));
        }
    }

    /** Item 5: Ŵ = W diag(λ) and X̂ = X diag(λ)⁻¹ keep the products, and Ĝ is X̂ᵀX̂. */
    @Test
    void smoothingKeepsTheProducts() {
        double[] span = Smoothing.weightSpan(W.weight());
        double[] activation = STATS.absMax();
        for (Smoothing.Candidate c : Smoothing.candidates(SvdQuantOptions.Smoothing.ALPHA_BETA, 20)) {
            double[] lambda = Smoothing.scales(activation, span, c);
            DoubleMatrix xs = X.copy();
            for (int t = 0; t < xs.rows(); t++) {
                for (int j = 0; j < 64; j++) {
                    xs.set(t, j, xs.get(t, j) / lambda[j]);
                }
            }
            DoubleMatrix exact = Linalg.multiply(X, W.weight().transpose());
            DoubleMatrix smoothed = Linalg.multiply(xs, Smoothing.smoothWeight(W.weight(), lambda).transpose());
            assertThat(maxAbsDifference(smoothed, exact) / maxAbs(exact)).as("%s", c).isLessThan(1e-6);
            DoubleMatrix gram = Smoothing.smoothGram(STATS.gram(), lambda);
            assertThat(maxAbsDifference(gram, Linalg.multiply(xs.transpose(), xs)) / maxAbs(gram)).as("%s", c).isLessThan(1e-6);
        }
        assertThat(Smoothing.candidates(SvdQuantOptions.Smoothing.ALPHA_BETA, 20)).hasSize(39);
        assertThat(Smoothing.candidates(SvdQuantOptions.Smoothing.ALPHA, 20)).hasSize(20);
        assertThat(Smoothing.scales(activation, span, new Smoothing.Candidate(0, 0))).containsOnly(1.0);
    }

    @Test
    void zeroChannelsGiveFiniteScales() {
        double[] a = {0, 1, 4, 0}, w = {2, 0, 1, 0};
        for (Smoothing.Candidate c : Smoothing.candidates(SvdQuantOptions.Smoothing.ALPHA_BETA, 4)) {
            for (double v : Smoothing.scales(a, w, c)) {
                assertThat(v).isFinite().isPositive();
            }
        }
    }

    @Test
    void smoothingIsChosenByTheOutputErrorAndNeverLosesToNone() {
        DoubleMatrix x = Synthetic.activations(300, 64, 4, 40, 7);
        LayerStats stats = Synthetic.stats(x);
        for (String spec : new String[] {"svdquant:rank=4:group=16", "svdquant:rank=0:group=16"}) {
            QuantizedSite smoothed = prepare(spec, W, stats);
            QuantizedSite none = prepare(spec + ":smoothing=off", W, stats);
            int rank = Methods.quantizedByName(spec).fixedRank();
            double e = Synthetic.outputError(x, W.weight(), smoothed.at(rank)), plain = Synthetic.outputError(x, W.weight(), none.at(rank));
            System.out.printf("%s: smoothed %.4g (%s), none %.4g%n", spec, e, smoothed.at(rank).describe(), plain);
            assertThat(e).as(spec).isLessThanOrEqualTo(plain * (1 + 1e-9));
        }
        // with outlier input channels, the search moves away from λ = 1 and the scale is stored and described
        Factorization f = prepare("svdquant:rank=4:group=16", W, stats).at(4);
        assertThat(((QuantizedLowRank) f).inputScale()).isNotNull();
        assertThat(f.describe()).contains("smoothing alpha=");
        assertThat(f.bytes()).isEqualTo(((QuantizedLowRank) f).base().bytes() + 4L * 4 * (32 + 64) + 4L * 64);
    }

    @Test
    void badOptionsAreOneClearLine() {
        assertThatThrownBy(() -> Methods.quantizedByName("svdquant:grid=1")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("grid");
        assertThatThrownBy(() -> Methods.quantizedByName("svdquant:iterations=0")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("iterations");
        assertThatThrownBy(() -> Methods.quantizedByName("svdquant:rounding=awq")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("rounding");
        assertThatThrownBy(() -> Methods.quantizedByName("svdquant:rank=-3")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("rank");
        assertThatThrownBy(() -> prepare("svdquant:group=48", W, STATS)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(W.name());
    }

    private static DoubleMatrix plus(DoubleMatrix a, DoubleMatrix b) {
        DoubleMatrix s = a.copy();
        for (int i = 0; i < s.rows(); i++) {
            for (int j = 0; j < s.cols(); j++) {
                s.set(i, j, s.get(i, j) + b.get(i, j));
            }
        }
        return s;
    }

    private static double maxAbs(DoubleMatrix a) {
        double max = 0;
        for (int i = 0; i < a.rows(); i++) {
            for (int j = 0; j < a.cols(); j++) {
                max = Math.max(max, Math.abs(a.get(i, j)));
            }
        }
        return max;
    }

    private static double maxAbsDifference(DoubleMatrix a, DoubleMatrix b) {
        return maxAbs(SmoothedFit.minus(a, b));
    }
}
