package org.lowrank4j.compress.methods.afm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.assertj.core.data.Percentage;
import org.junit.jupiter.api.Test;
import org.lowrank4j.compress.methods.PreparedSite;
import org.lowrank4j.compress.methods.MethodFixtures;
import org.lowrank4j.compress.LayerStats;
import org.lowrank4j.compress.LinearWeight;
import org.lowrank4j.compress.Synthetic;
import org.lowrank4j.compress.methods.afm.AfmMethod;
import org.lowrank4j.compress.methods.afm.AfmOptions;
import org.lowrank4j.compress.methods.lord.LordMethod;
import org.lowrank4j.compress.methods.lord.LordOptions;
import org.lowrank4j.compress.methods.svdllm.SvdLlmMethod;
import org.lowrank4j.compress.methods.svdllm.SvdLlmOptions;
import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.linalg.EigenResult;
import org.lowrank4j.linalg.Linalg;
import org.lowrank4j.linalg.decomposition.SymmetricEigen;

/** The "how to test it" list of spec c17 (AFM on a linear layer, uncentred and centred). */
class AfmTest {
    private final LinearWeight w = Synthetic.weight(18, 26, 61);
    private final DoubleMatrix x = MethodFixtures.activations(120, 26, 2, 6, 62);
    private final LayerStats stats = Synthetic.stats(x);
    private final AfmMethod afm = new AfmMethod(AfmOptions.defaults());

    @Test
    void allOutputDirectionsReproduceTheLayer() {
        PreparedSite site = afm.prepare(w, stats);
        assertThat(site.spectrum()).hasSize(18);
        assertThat(site.factorAt(18).toDense().approximatelyEquals(w.weight(), 1e-10 * w.weight().frobeniusNorm())).isTrue();
    }

    @Test
    void reconstructionErrorIsTheSumOfDiscardedEigenvaluesOfTheOutputMoment() {
        int tokens = x.rows();
        DoubleMatrix y = Linalg.multiply(x, w.weight().transpose());           // N×m
        DoubleMatrix moment = Linalg.multiply(y.transpose(), y);               // YᵀY (m×m)
        for (int i = 0; i < moment.rows(); i++) {
            for (int j = 0; j < i; j++) {
                double mean = 0.5 * (moment.get(i, j) + moment.get(j, i));
                moment.set(i, j, mean);
                moment.set(j, i, mean);
            }
        }
        EigenResult eigen = new SymmetricEigen().decompose(moment);
        PreparedSite site = afm.prepare(w, stats);
        for (int k : new int[] {1, 4, 9, 17}) {
            double error = Synthetic.outputError(x, w.weight(), site.factorAt(k));
            double discarded = 0;
            for (int i = k; i < eigen.values().length; i++) {
                discarded += eigen.values()[i];
            }
            // Σ‖y − ŷ‖²/N = Σ_{i>k} λ_i(YᵀY/N)
            assertThat(error * error / tokens).as("k=%d", k).isCloseTo(discarded / tokens, Percentage.withPercentage(1e-6));
        }
    }

    @Test
    void uncentredAfmAttainsTheSvdLlmOptimumAndMatchesLord() {
        PreparedSite site = afm.prepare(w, stats);
        PreparedSite svdLlm = new SvdLlmMethod(new SvdLlmOptions(SvdLlmOptions.Update.NONE, 0, 1e-10)).prepare(w, stats);
        PreparedSite lord = new LordMethod(LordOptions.defaults()).prepare(w, stats);
        for (int k : new int[] {2, 8, 15}) {
            double mine = Synthetic.outputError(x, w.weight(), site.factorAt(k));
            double best = Synthetic.outputError(x, w.weight(), svdLlm.factorAt(k));
            assertThat(mine).isCloseTo(best, Percentage.withPercentage(1e-6));
            DoubleMatrix a = site.factorAt(k).toDense(), b = lord.factorAt(k).toDense();
            assertThat(a.approximatelyEquals(b, 1e-12 * a.frobeniusNorm())).isTrue();
        }
    }

    @Test
    void refusesMissingStatisticsAndBadOptions() {
        assertThatThrownBy(() -> afm.prepare(w, null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("afm").hasMessageContaining(w.name());
        assertThatThrownBy(() -> new AfmOptions(AfmOptions.Center.AUTO, Double.NaN)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("afm");
    }

    /** Rows of x shifted by a constant per channel (a large mean the uncentred PCA has to spend directions on). */
    private static DoubleMatrix offset(DoubleMatrix x, double size, long seed) {
        java.util.Random random = new java.util.Random(seed);
        DoubleMatrix out = x.copy();
        for (int j = 0; j < x.cols(); j++) {
            double c = size * (0.5 + random.nextDouble());
            for (int t = 0; t < x.rows(); t++) {
                out.set(t, j, out.get(t, j) + c);
            }
        }
        return out.toFloat().toDouble(); // the statistics see float32 rows
    }

    /** Σ_t ‖(W x_t + b) − (A B x_t + b + shift)‖², the calibration error of a factor pair with its bias shift. */
    private static double affineError(DoubleMatrix x, DoubleMatrix w, org.lowrank4j.compress.LowRank f) {
        DoubleMatrix diff = Linalg.multiply(x, w.transpose());
        DoubleMatrix approx = Linalg.multiply(x, f.toDense().transpose());
        double total = 0;
        for (int t = 0; t < x.rows(); t++) {
            for (int i = 0; i < w.rows(); i++) {
                double e = diff.get(t, i) - approx.get(t, i) - (f.biasShift() == null ? 0 : f.biasShift()[i]);
                total += e * e;
            }
        }
        return total;
    }

    @Test
    void centredErrorIsTheSumOfDiscardedEigenvaluesOfTheOutputCovariance() {
        LinearWeight biased = new LinearWeight(w.name(), w.role(), 0, w.weight(), true);
        DoubleMatrix shifted = offset(x, 4, 63);
        PreparedSite site = afm.prepare(biased, Synthetic.stats(shifted));
        DoubleMatrix y = Linalg.multiply(shifted, w.weight().transpose());
        int tokens = y.rows(), m = y.cols();
        double[] mean = new double[m];
        for (int t = 0; t < tokens; t++) {
            for (int i = 0; i < m; i++) {
                mean[i] += y.get(t, i) / tokens;
            }
        }
        DoubleMatrix covariance = DoubleMatrix.zeros(m, m);
        for (int t = 0; t < tokens; t++) {
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < m; j++) {
                    covariance.set(i, j, covariance.get(i, j) + (y.get(t, i) - mean[i]) * (y.get(t, j) - mean[j]));
                }
            }
        }
        double[] lambda = new SymmetricEigen().decompose(covariance).values();
        for (int k : new int[] {1, 4, 9, 17}) {
            var f = site.factorAt(k);
            assertThat(f.biasShift()).as("k=%d carries the mean correction", k).isNotNull();
            double discarded = 0;
            for (int i = k; i < lambda.length; i++) {
                discarded += lambda[i];
            }
            // Σ‖y − ŷ‖²/N with ŷ = U Uᵀ (y − μ) + μ equals Σ_{i>k} λ_i(Σ_y)
            assertThat(affineError(shifted, w.weight(), f) / tokens).as("k=%d", k).isCloseTo(discarded / tokens, Percentage.withPercentage(1e-5));
        }
        // all directions: the product is W again and nothing is left to correct
        var full = site.factorAt(18);
        assertThat(full.toDense().approximatelyEquals(w.weight(), 1e-9 * w.weight().frobeniusNorm())).isTrue();
        for (double v : full.biasShift()) {
            assertThat(Math.abs(v)).isLessThan(1e-8);
        }
    }

    @Test
    void centringKeepsTheErrorSmallWhereUncentredPcaSpendsItsFirstDirectionOnTheMean() {
        DoubleMatrix shifted = offset(x, 40, 64);
        LayerStats s = Synthetic.stats(shifted);
        LinearWeight biased = new LinearWeight(w.name(), w.role(), 0, w.weight(), true);
        var centred = afm.prepare(biased, s).factorAt(1);
        var uncentred = new AfmMethod(new AfmOptions(AfmOptions.Center.OFF, 1e-10)).prepare(biased, s).factorAt(1);
        assertThat(uncentred.biasShift()).isNull();
        double withMean = affineError(shifted, w.weight(), centred), withoutMean = affineError(shifted, w.weight(), uncentred);
        // the uncentred first direction is (nearly) the mean itself; the centred one is a direction of variation
        assertThat(withMean).isLessThan(0.5 * withoutMean);
        // a layer without a bias cannot carry the correction: auto falls back to uncentred, on refuses
        assertThat(afm.prepare(w, s).factorAt(1).biasShift()).isNull();
        assertThatThrownBy(() -> new AfmMethod(new AfmOptions(AfmOptions.Center.ON, 1e-10)).prepare(w, s))
                .hasMessageContaining("has none");
    }
}
