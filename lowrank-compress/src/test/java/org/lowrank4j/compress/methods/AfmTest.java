package org.lowrank4j.compress.methods;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.assertj.core.data.Percentage;
import org.junit.jupiter.api.Test;
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

/** The "how to test it" list of spec c17 (AFM on a linear layer, uncentred). */
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
        assertThatThrownBy(() -> new AfmOptions(Double.NaN)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("afm");
    }
}
