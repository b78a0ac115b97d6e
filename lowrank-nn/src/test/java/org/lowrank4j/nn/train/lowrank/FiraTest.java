package org.lowrank4j.nn.train.lowrank;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.train.AdamW;

/** Fira: the residual term vanishes inside the subspace, is there outside it, and the limiter caps norm growth. */
class FiraTest {
    private static final AdamW.Settings ADAM = new AdamW.Settings(0.9, 0.999, 1e-8, 0);

    @Test
    void limiterCutsGrowthToGamma() {
        assertThat(Fira.limiterFactor(5, -1)).isEqualTo(1);
        // norms 1 then 2: the second is scaled to 1.01
        double factor = Fira.limiterFactor(2, 1);
        assertThat(2 / factor).isCloseTo(1.01, within(1e-7));
        // slower growth or shrinking passes unchanged
        assertThat(Fira.limiterFactor(1.005, 1)).isEqualTo(1);
        assertThat(Fira.limiterFactor(0.5, 1)).isEqualTo(1);
    }

    /** Gradients of rank r (fixed row space) with α = 1: the residual is zero and Fira's weights are GaLore's. */
    @Test
    void equalsGaLoreWhenTheGradientLiesInTheSubspace() {
        int m = 6, n = 4, r = 2;
        Random random = new Random(11);
        double[][] v = GaLoreTest.orthonormal(n, r, random);
        Tensor w0 = Tensor.gaussian(Precision.FLOAT64, random, 1, m, n);
        Parameter a = new Parameter("model.layers.0.w", w0.copy()), b = new Parameter("model.layers.0.w", w0.copy());
        GaLore galore = new GaLore(List.of(a), ADAM, new ProjectionSettings(r, 1, 1), ProjectedAdam.BLOCK_MATRICES);
        Fira fira = new Fira(List.of(b), ADAM, new ProjectionSettings(r, 1, 1), ProjectedAdam.BLOCK_MATRICES, true);
        for (int t = 0; t < 3; t++) {
            Tensor g = Tensor.zeros(Precision.FLOAT64, m, n);
            for (int k = 0; k < r; k++) {
                for (int i = 0; i < m; i++) {
                    double c = random.nextGaussian();
                    for (int j = 0; j < n; j++) {
                        g.set(i * n + j, g.get(i * n + j) + c * v[k][j]);
                    }
                }
            }
            a.gradient().copyFrom(g);
            b.gradient().copyFrom(g);
            galore.step(0.01);
            fira.step(0.01);
        }
        for (int i = 0; i < m * n; i++) {
            assertThat(b.value().get(i)).isCloseTo(a.value().get(i), within(1e-9));
        }
    }

    /** A full-rank gradient: Fira's update differs from GaLore's by exactly φ-scaled residual (first step, no limiter). */
    @Test
    void addsTheScaledResidualOutsideTheSubspace() {
        int m = 5, n = 3, r = 1;
        Random random = new Random(2);
        Tensor w0 = Tensor.gaussian(Precision.FLOAT64, random, 1, m, n);
        Tensor g = Tensor.gaussian(Precision.FLOAT64, random, 1, m, n);
        Parameter a = new Parameter("model.layers.0.w", w0.copy()), b = new Parameter("model.layers.0.w", w0.copy());
        GaLore galore = new GaLore(List.of(a), ADAM, new ProjectionSettings(r, 1, 1), ProjectedAdam.BLOCK_MATRICES);
        Fira fira = new Fira(List.of(b), ADAM, new ProjectionSettings(r, 1, 1), ProjectedAdam.BLOCK_MATRICES, true);
        a.gradient().copyFrom(g);
        b.gradient().copyFrom(g);
        galore.step(0.01);
        fira.step(0.01);
        Tensor basis = galore.state().get("lowrank.basis.model.layers.0.w"); // 1×3, the top right singular vector
        double c = Math.sqrt(1 - 0.999) / (1 - 0.9);
        for (int i = 0; i < m; i++) {
            double low = 0;
            for (int j = 0; j < n; j++) {
                low += g.get(i * n + j) * basis.get(j);
            }
            // first step: M = 0.1 g, V = 0.001 g², N = M/(sqrt V + ε) ≈ sign(g)·0.1/sqrt(0.001); φ_i = |N_i| / |g_i|
            double nn = 0.1 * low / (Math.sqrt(0.001 * low * low) + 1e-8);
            double phi = Math.abs(nn) / (Math.abs(low) + 1e-8);
            for (int j = 0; j < n; j++) {
                double residual = g.get(i * n + j) - low * basis.get(j);
                double expected = a.value().get(i * n + j) - 0.01 * c * phi * residual;
                assertThat(b.value().get(i * n + j)).as("w[%d][%d]", i, j).isCloseTo(expected, within(1e-12));
            }
        }
        assertThat(fira.state().get("lowrank.norm.model.layers.0.w").get(0)).isGreaterThan(0);
    }
}
