package org.lowrank4j.nn.train.lowrank.sst;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.lowrank4j.nn.GradientCheck;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.tensor.MatMul;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.weight.DenseWeight;

/** SST's weight: SVD init equals the dense weight, float64 gradients against finite differences, enhanced gradients, re-SVD, sampling. */
class SpectralWeightTest {
    private static final Precision F64 = Precision.FLOAT64;

    private static Tensor randomMatrix(long seed, int out, int in) {
        return Tensor.gaussian(F64, new Random(seed), 1, out, in);
    }

    @Test
    void theSvdInitAppliesTheDenseWeight() {
        for (int[] shape : new int[][] {{7, 5}, {5, 7}, {6, 6}}) {
            Tensor w = randomMatrix(1, shape[0], shape[1]);
            SpectralWeight spectral = SpectralWeight.of("fc", w);
            assertThat(spectral.rank()).isEqualTo(Math.min(shape[0], shape[1]));
            assertThat(GradientCheck.compare(spectral.toDense(), w)).isLessThan(1e-12);
            Tensor x = Tensor.gaussian(F64, new Random(2), 1, 2, 3, shape[1]);
            Tensor expected = Tensor.zeros(F64, 2, 3, shape[0]);
            MatMul.timesTransposed(expected, x, w, 0);
            assertThat(GradientCheck.compare(spectral.forward(x), expected)).isLessThan(1e-12);
            for (int i = 1; i < spectral.rank(); i++) {
                assertThat(spectral.sigma().value().get(i)).isLessThanOrEqualTo(spectral.sigma().value().get(i - 1)).isGreaterThanOrEqualTo(0);
            }
        }
    }

    @Test
    void standardGradientsMatchFiniteDifferencesInFloat64() {
        for (int[] shape : new int[][] {{7, 5}, {4, 6}}) {
            SpectralWeight spectral = SpectralWeight.of("fc", randomMatrix(3, shape[0], shape[1]));
            // move away from the SVD point so that the check does not rely on orthogonality
            Random random = new Random(4);
            for (Parameter p : spectral.parameters()) {
                for (int i = 0; i < p.size(); i++) {
                    p.value().set(i, p.value().get(i) + 0.1 * random.nextGaussian());
                }
            }
            Linear linear = new Linear("fc", spectral, new Parameter("fc.bias", Tensor.gaussian(F64, random, 1, shape[0])));
            Tensor x = Tensor.gaussian(F64, random, 1, 2, 3, shape[1]);
            double error = GradientCheck.check("SST spectral weight " + shape[0] + "x" + shape[1], () -> linear.forward(x), linear::backward, x,
                    linear.parameters(), 5);
            assertThat(error).isLessThanOrEqualTo(GradientCheck.TOLERANCE);
        }
    }

    @Test
    void theInputGradientEqualsTheDenseLayers() {
        Tensor w = randomMatrix(6, 6, 4);
        SpectralWeight spectral = SpectralWeight.of("fc", w);
        Linear dense = new Linear("d", new DenseWeight(new Parameter("d.weight", spectral.toDense())), null);
        Linear sst = new Linear("s", spectral, null);
        Tensor x = Tensor.gaussian(F64, new Random(7), 1, 5, 4), dy = Tensor.gaussian(F64, new Random(8), 1, 5, 6);
        dense.forward(x);
        sst.forward(x);
        assertThat(GradientCheck.compare(sst.backward(dy), dense.backward(dy))).isLessThan(1e-12);
        // and ∂L/∂σ_i = u_iᵀ D v_i with D = dyᵀ x the dense weight's gradient
        Tensor d = ((DenseWeight) dense.weight()).weight().gradient();
        for (int i = 0; i < spectral.rank(); i++) {
            double expected = 0;
            for (int o = 0; o < 6; o++) {
                for (int c = 0; c < 4; c++) {
                    expected += spectral.u().value().get(o * 4 + i) * d.get(o * 4 + c) * spectral.vt().value().get(i * 4 + c);
                }
            }
            assertThat(spectral.sigma().gradient().get(i)).isCloseTo(expected, org.assertj.core.data.Offset.offset(1e-10));
        }
    }

    @Test
    void enhancedGradientsAreTheStandardOnesWithoutTheSigmaFactorOnActiveColumnsOnly() {
        Tensor w = randomMatrix(9, 6, 5);
        SpectralWeight standard = SpectralWeight.of("a", w), enhanced = SpectralWeight.of("b", w);
        enhanced.setActive(Tensor.of(F64, new double[] {3, 0}, 2));
        Tensor x = Tensor.gaussian(F64, new Random(10), 1, 4, 5), dy = Tensor.gaussian(F64, new Random(11), 1, 4, 6);
        Tensor dxStandard = standard.backward(dy, x), dxEnhanced = enhanced.backward(dy, x);
        assertThat(dxEnhanced.toDoubleArray()).containsExactly(dxStandard.toDoubleArray());
        assertThat(enhanced.sigma().gradient().toDoubleArray()).containsExactly(standard.sigma().gradient().toDoubleArray());
        int p = 5;
        for (int i = 0; i < p; i++) {
            double s = standard.sigma().value().get(i);
            boolean active = i == 3 || i == 0;
            for (int o = 0; o < 6; o++) {
                double want = active ? standard.u().gradient().get(o * p + i) / s : 0;
                assertThat(enhanced.u().gradient().get(o * p + i)).isCloseTo(want, org.assertj.core.data.Offset.offset(1e-10));
            }
            for (int c = 0; c < 5; c++) {
                double want = active ? standard.vt().gradient().get(i * 5 + c) / s : 0;
                assertThat(enhanced.vt().gradient().get(i * 5 + c)).isCloseTo(want, org.assertj.core.data.Offset.offset(1e-10));
            }
        }
    }

    @Test
    void reDecomposingKeepsTheWeightAndRestoresOrthonormalColumns() {
        SpectralWeight spectral = SpectralWeight.of("fc", randomMatrix(12, 8, 5));
        Random random = new Random(13);
        for (int i = 0; i < spectral.u().size(); i++) {
            spectral.u().value().set(i, spectral.u().value().get(i) + 0.3 * random.nextGaussian());
        }
        Tensor before = spectral.toDense();
        spectral.resvd();
        assertThat(GradientCheck.compare(spectral.toDense(), before)).isLessThan(1e-12);
        int p = 5;
        for (int i = 0; i < p; i++) {
            for (int j = 0; j < p; j++) {
                double dot = 0;
                for (int o = 0; o < 8; o++) {
                    dot += spectral.u().value().get(o * p + i) * spectral.u().value().get(o * p + j);
                }
                assertThat(dot).isCloseTo(i == j ? 1 : 0, org.assertj.core.data.Offset.offset(1e-12));
            }
        }
    }

    @Test
    void samplingFollowsHalfUniformHalfProportionalAndDrawsDistinctIndices() {
        double[] sigma = {5, 3, 1, 0.5, 0};
        double[] pi = SpectralAdam.probabilities(sigma);
        assertThat(pi[0]).isCloseTo(0.5 * (0.2 + 5 / 9.5), org.assertj.core.data.Offset.offset(1e-15));
        int draws = 100_000;
        int[] counts = new int[sigma.length];
        SplittableRandom random = new SplittableRandom(1);
        for (int d = 0; d < draws; d++) {
            counts[SpectralAdam.sample(sigma, 1, random)[0]]++;
        }
        for (int i = 0; i < sigma.length; i++) {
            assertThat(counts[i] / (double) draws).as("index %d", i).isCloseTo(pi[i], org.assertj.core.data.Offset.offset(0.01 * pi[i] + 0.002));
        }
        for (int d = 0; d < 1000; d++) {
            int[] drawn = SpectralAdam.sample(sigma, 4, random);
            assertThat(drawn).doesNotHaveDuplicates();
        }
        assertThat(SpectralAdam.sample(sigma, 5, random)).containsExactlyInAnyOrder(0, 1, 2, 3, 4);
    }
}
