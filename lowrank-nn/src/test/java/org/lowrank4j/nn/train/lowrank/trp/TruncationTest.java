package org.lowrank4j.nn.train.lowrank.trp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.lowrank4j.linalg.SvdResult;
import org.lowrank4j.linalg.decomposition.ExactSvd;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.train.AdamW;

/** TRP: the energy rule, the rank-k projection and its error, the truncated nuclear sub-gradient, the schedule. */
class TruncationTest {
    private static final Precision F64 = Precision.FLOAT64;

    @Test
    void theEnergyRuleCountsSquaredSingularValues() {
        // σ² = 9, 4, 1: 9/14 = 0.64 < 0.9 ≤ 13/14 = 0.93
        assertThat(Truncation.energyRank(new double[] {3, 2, 1}, 0.9)).isEqualTo(2);
        assertThat(Truncation.energyRank(new double[] {3, 2, 1}, 0.6)).isEqualTo(1);
        assertThat(Truncation.energyRank(new double[] {3, 2, 1}, 1.0)).isEqualTo(3);
        assertThat(Truncation.energyRank(new double[] {0, 0}, 0.9)).isZero();
    }

    @Test
    void projectionKeepsTheEnergyRankAndAddsTheTruncatedSubGradient() {
        Tensor w = Tensor.gaussian(F64, new Random(1), 1, 9, 6);
        SvdResult before = new ExactSvd().decompose(w.matrix());
        double[] s = before.s();
        int k = Truncation.energyRank(s, 0.8);
        assertThat(k).isBetween(2, 5);
        Tensor original = w.copy();
        Tensor gradient = Tensor.zeros(F64, 9, 6);
        double lambda = 0.5;
        assertThat(Truncation.project(w, 0.8, gradient, lambda)).isEqualTo(k);

        SvdResult after = new ExactSvd().decompose(w.matrix());
        for (int i = 0; i < s.length; i++) {
            assertThat(after.s()[i]).as("σ_%d", i).isCloseTo(i < k ? s[i] : 0, offset(1e-10));
        }
        double error = 0, tail = 0;
        for (int i = 0; i < w.size(); i++) {
            error += Math.pow(original.get(i) - w.get(i), 2);
        }
        for (int i = k; i < s.length; i++) {
            tail += s[i] * s[i];
        }
        assertThat(error).isCloseTo(tail, offset(1e-10)); // ‖M − M_k‖_F² = Σ_{i>k} σ_i²
        // ⟨S, M⟩ = Σ_{i≤k} σ_i for S = U_k V_kᵀ, here scaled by λ
        double inner = 0, top = 0;
        for (int i = 0; i < w.size(); i++) {
            inner += gradient.get(i) * original.get(i);
        }
        for (int i = 0; i < k; i++) {
            top += s[i];
        }
        assertThat(inner).isCloseTo(lambda * top, offset(1e-10));
    }

    @Test
    void theOptimizerTruncatesSelectedMatricesEveryPeriodOnly() {
        Parameter block = new Parameter("model.layers.0.mlp.up_proj.weight", Tensor.gaussian(F64, new Random(2), 1, 8, 5));
        Parameter embedding = new Parameter("model.embed_tokens.weight", Tensor.gaussian(F64, new Random(3), 1, 8, 5));
        TrpAdam trp = new TrpAdam(List.of(block, embedding), new AdamW.Settings(0.9, 0.95, 1e-8, 0), new TrpSettings(2, 0.5, 0),
                p -> p.name().contains(".layers."));
        assertThat(trp.truncatedParameters()).containsExactly(block);
        trp.step(0); // step 0: truncated (zero learning rate: the update leaves the projection as it is)
        int k = trp.lastRanks().get(block.name());
        assertThat(k).isLessThan(5);
        assertThat(rank(block.value())).isEqualTo(k);
        assertThat(rank(embedding.value())).isEqualTo(5);
        for (int i = 0; i < block.size(); i++) {
            block.gradient().set(i, Math.sin(i));
        }
        trp.step(0.01); // step 1: no truncation, a full-rank update
        assertThat(rank(block.value())).isEqualTo(5);
        trp.step(0); // step 2: truncated again
        assertThat(rank(block.value())).isLessThan(5);
        assertThat(trp.stepCount()).isEqualTo(3);
    }

    private static int rank(Tensor t) {
        double[] s = new ExactSvd().decompose(t.matrix()).s();
        int r = 0;
        for (double v : s) {
            r += v > 1e-9 * s[0] ? 1 : 0;
        }
        return r;
    }
}
