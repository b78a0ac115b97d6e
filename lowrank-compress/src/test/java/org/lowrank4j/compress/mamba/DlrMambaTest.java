package org.lowrank4j.compress.mamba;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.arch.mamba.MambaConfig;
import org.lowrank4j.nn.arch.mamba.MambaModel;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.weight.LowRankWeight;

/** DLRMamba's factorisation and distillation on tiny models built here (d = 16, 2 layers, N = 4, float64). */
class DlrMambaTest {
    private static final MambaConfig TINY = MambaConfig.of(16, 2, 4, 16);

    private static MambaModel tiny(long seed) {
        MambaModel model = MambaModel.create(TINY, Precision.FLOAT64);
        model.initialize(new Random(seed));
        Random random = new Random(seed + 100);
        for (int l = 0; l < model.layers(); l++) { // A_log off its rank-one initial value, as after training
            Tensor aLog = model.mixer(l).aLog().weight().parameters().get(0).value();
            for (int i = 0; i < aLog.size(); i++) {
                aLog.set(i, aLog.get(i) + 0.3 * random.nextGaussian());
            }
        }
        return model;
    }

    private static int[] ids(int count, long seed) {
        Random random = new Random(seed);
        int[] out = new int[count];
        for (int i = 0; i < count; i++) {
            out[i] = random.nextInt(256);
        }
        return out;
    }

    private static double maxDifference(Tensor a, Tensor b) {
        double worst = 0;
        for (int i = 0; i < a.size(); i++) {
            worst = Math.max(worst, Math.abs(a.get(i) - b.get(i)));
        }
        return worst;
    }

    @Test
    void factorsAtFullRankReproduceTheDenseModel() {
        MambaModel model = tiny(1);
        int[] ids = ids(2 * 10, 2);
        Tensor dense = model.forward(ids, 2, 10);
        for (Linear site : model.linearSites().values()) {
            site.setWeight(MambaFactorization.truncated(site, Math.min(site.outFeatures(), site.inFeatures())));
        }
        Tensor factored = model.forward(ids, 2, 10);
        double worst = maxDifference(dense, factored);
        System.out.printf("Mamba with every site as U·V at full rank vs dense: max |logit diff| %.2e%n", worst);
        assertThat(worst).isLessThan(1e-9);
    }

    @Test
    void theRatioSetsEachRankAndCountsParametersAsDesignSays() {
        MambaModel model = tiny(3);
        long before = model.parameterCount();
        MambaFactorization.Report report = MambaFactorization.apply(model, new DlrMambaOptions(0.5, null, 2));
        // in_proj 64x16: floor(0.5·1024/80) = 6; x_proj 9x32: floor(0.5·288/41) = 3; out_proj 16x32: floor(0.5·512/48) = 5; A_log 32x4: state-rank 2
        assertThat(report.sites()).extracting(MambaFactorization.Site::rank).containsExactly(6, 3, 5, 2, 6, 3, 5, 2);
        long targetedBefore = 2L * (64 * 16 + 9 * 32 + 16 * 32 + 32 * 4);
        long targetedAfter = 2L * (6 * 80 + 3 * 41 + 5 * 48 + 2 * 36);
        assertThat(report.targetedBefore()).isEqualTo(targetedBefore);
        assertThat(report.targetedAfter()).isEqualTo(targetedAfter);
        assertThat(report.modelAfter()).isEqualTo(before - targetedBefore + targetedAfter).isEqualTo(model.parameterCount());
        assertThat(model.mixer(0).aLog().weight()).isInstanceOf(LowRankWeight.class);
    }

    @Test
    void aStateRankAboveTheDimensionsIsNamed() {
        MambaModel model = tiny(4);
        assertThatThrownBy(() -> MambaFactorization.apply(model, new DlrMambaOptions(0.5, null, 5)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("state-rank 5 is above A_log's dimensions 32x4");
    }

    @Test
    void energyKeepsAtLeastThatShareOfTheSpectrum() {
        MambaModel model = tiny(5);
        MambaFactorization.Report report = MambaFactorization.apply(model, new DlrMambaOptions(0.1, 0.6, null));
        for (MambaFactorization.Site s : report.sites()) {
            if (s.rank() > 0) {
                assertThat(s.keptEnergy()).isGreaterThanOrEqualTo(0.6 - 1e-12);
            }
        }
    }

    /** The whole distillation loss (CE + τ²KL + λ·state) against central differences, for a few entries of several student tensors. */
    @Test
    void distillationLossGradientMatchesFiniteDifferences() {
        MambaModel teacher = tiny(6);
        MambaModel student = tiny(7);
        MambaFactorization.apply(student, new DlrMambaOptions(0.5, null, 2));
        StateDistillation loss = new StateDistillation(teacher, student, 2.0, 1.0, 1.0);
        int[][] inputs = {{1, 5, 200, 7, 30, 90}, {3, 3, 64, 100, 250, 0}};
        int[][] targets = {{5, 200, 7, 30, 90, 4}, {3, 64, 100, 250, 0, 9}};
        student.zeroGradients();
        loss.lossAndBackward(inputs, targets);
        assertThat(loss.lastTerms().kl()).isPositive();
        assertThat(loss.lastTerms().state()).isPositive();
        double worst = 0;
        List<Parameter> params = student.parameters();
        for (Parameter p : params) {
            if (!(p.name().contains("A_log") || p.name().contains("in_proj") || p.name().contains("dt_proj.bias") || p.name().contains(".D"))) {
                continue;
            }
            for (int i = 0; i < Math.min(4, p.size()); i++) {
                double original = p.value().get(i), h = 1e-5;
                p.value().set(i, original + h);
                double plus = loss.loss(inputs, targets);
                p.value().set(i, original - h);
                double minus = loss.loss(inputs, targets);
                p.value().set(i, original);
                double numeric = (plus - minus) / (2 * h), analytic = p.gradient().get(i);
                worst = Math.max(worst, Math.abs(numeric - analytic) / Math.max(1e-4, Math.abs(numeric) + Math.abs(analytic)));
            }
        }
        System.out.printf("distillation loss gradient vs finite differences: worst relative error %.2e%n", worst);
        assertThat(worst).isLessThan(1e-5);
    }

    @Test
    void stateAlignmentFallsWhenOnlyItIsTrained() {
        MambaModel teacher = tiny(8);
        MambaModel student = tiny(8);
        MambaFactorization.apply(student, new DlrMambaOptions(0.7, null, 1));
        StateDistillation stateOnly = new StateDistillation(teacher, student, 2.0, 0.0, 1.0);
        int[][] inputs = {{1, 5, 200, 7, 30, 90, 12, 77}};
        int[][] targets = {{5, 200, 7, 30, 90, 12, 77, 4}};
        stateOnly.loss(inputs, targets);
        double first = stateOnly.lastTerms().state();
        for (int step = 0; step < 20; step++) {
            student.zeroGradients();
            stateOnly.lossAndBackward(inputs, targets);
            for (Parameter p : student.parameters()) {
                if (p.hasGradient()) {
                    for (int i = 0; i < p.size(); i++) {
                        p.value().set(i, p.value().get(i) - 1e-3 * p.gradient().get(i) / (1e-12 + p.gradient().norm()));
                    }
                }
            }
        }
        stateOnly.loss(inputs, targets);
        System.out.printf("state alignment %.5f -> %.5f after 20 normalised gradient steps%n", first, stateOnly.lastTerms().state());
        assertThat(stateOnly.lastTerms().state()).isLessThan(first);
    }
}
