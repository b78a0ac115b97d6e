package org.lowrank4j.nn.arch.mamba;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.lowrank4j.nn.GradientCheck;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.weight.LowRankWeight;

/** The selective-scan block: scan against a naive reference, gradients against finite differences (d = 8, N = 4, L = 6). */
class MambaBlockTest {
    private static final Precision F64 = Precision.FLOAT64;
    private static final MambaConfig TINY = new MambaConfig(8, 1, 4, 2, 4, 1, 256, 16, 1e-5);

    /** h[t] = exp(Δ[t]·A) ⊙ h[t−1] + Δ[t]·Bt[t]·u[t], all of h kept, y[t] = Ct[t]·h[t] + D·u[t]: the definition, no reuse. */
    private static double[] naiveScan(int batch, int length, int channels, int states, double[] u, double[] delta, double[] a, double[] bt,
            double[] ct, double[] d) {
        double[][][][] h = new double[batch][length + 1][channels][states]; // h[b][t + 1] is the state after position t
        double[] y = new double[batch * length * channels];
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < length; t++) {
                for (int c = 0; c < channels; c++) {
                    int at = (b * length + t) * channels + c;
                    double sum = d[c] * u[at];
                    for (int n = 0; n < states; n++) {
                        double discreteA = Math.exp(delta[at] * a[c * states + n]);
                        double discreteB = delta[at] * bt[(b * length + t) * states + n];
                        h[b][t + 1][c][n] = discreteA * h[b][t][c][n] + discreteB * u[at];
                        sum += ct[(b * length + t) * states + n] * h[b][t + 1][c][n];
                    }
                    y[at] = sum;
                }
            }
        }
        return y;
    }

    private static double[] gaussian(Random random, int size, double scale, double shift) {
        double[] out = new double[size];
        for (int i = 0; i < size; i++) {
            out[i] = shift + scale * random.nextGaussian();
        }
        return out;
    }

    @Test
    void scanEqualsTheNaiveRecurrence() {
        int batch = 3, length = 7, channels = 5, states = 4;
        Random random = new Random(11);
        double[] u = gaussian(random, batch * length * channels, 1, 0);
        double[] delta = new double[u.length];
        for (int i = 0; i < delta.length; i++) {
            delta[i] = Elementwise.softplus(random.nextGaussian());
        }
        double[] a = gaussian(random, channels * states, 0.5, -1);
        double[] bt = gaussian(random, batch * length * states, 1, 0), ct = gaussian(random, batch * length * states, 1, 0);
        double[] d = gaussian(random, channels, 1, 0);
        double[] y = new double[u.length];
        SelectiveScan.forward(new SelectiveScan.Shape(batch, length, channels, states), u, delta, a, bt, ct, d, y, null);
        double[] expected = naiveScan(batch, length, channels, states, u, delta, a, bt, ct, d);
        double worst = 0;
        for (int i = 0; i < y.length; i++) {
            worst = Math.max(worst, Math.abs(y[i] - expected[i]));
        }
        System.out.printf("selective scan vs naive recurrence: max |diff| %.3e%n", worst);
        assertThat(worst).isLessThan(1e-12);
    }

    private static MambaBlock randomBlock(long seed) {
        MambaModel model = MambaModel.create(TINY, F64);
        model.initialize(new Random(seed));
        MambaBlock block = model.mixer(0);
        // move every parameter off its structured initial value so that no gradient term vanishes by symmetry
        Random random = new Random(seed + 1);
        for (Parameter p : block.parameters()) {
            Tensor v = p.value();
            for (int i = 0; i < v.size(); i++) {
                v.set(i, v.get(i) + 0.2 * random.nextGaussian());
            }
        }
        return block;
    }

    @Test
    void blockGradientsMatchFiniteDifferences() {
        MambaBlock block = randomBlock(3);
        Tensor x = Tensor.gaussian(F64, new Random(4), 1, 2, 6, 8);
        double error = GradientCheck.check("Mamba block d=8 N=4 L=6", () -> block.forward(x), block::backward, x, block.parameters(), 5);
        assertThat(error).isLessThanOrEqualTo(GradientCheck.TOLERANCE);
    }

    @Test
    void blockWithLowRankProjectionsAndTransitionHasMatchingGradients() {
        MambaBlock block = randomBlock(6);
        block.inProj().setWeight(LowRankWeight.zeros(block.inProj().name(), 32, 8, 3, F64));
        block.aLog().setWeight(LowRankWeight.zeros(block.aLog().name(), 16, 4, 2, F64));
        Random random = new Random(7);
        for (Parameter p : block.parameters()) {
            if (p.name().endsWith(".A") || p.name().endsWith(".B")) {
                for (int i = 0; i < p.size(); i++) {
                    p.value().set(i, 0.4 * random.nextGaussian());
                }
            }
        }
        Tensor x = Tensor.gaussian(F64, new Random(8), 1, 2, 6, 8);
        double error = GradientCheck.check("Mamba block, in_proj and A_log as U·V", () -> block.forward(x), block::backward, x,
                block.parameters(), 9);
        assertThat(error).isLessThanOrEqualTo(GradientCheck.TOLERANCE);
    }

    @Test
    void stateTermsHaveMatchingGradients() {
        MambaBlock block = randomBlock(12);
        Tensor x = Tensor.gaussian(F64, new Random(13), 1, 2, 6, 8);
        int size = 2 * 6 * 16;
        double[] rReadout = gaussian(new Random(14), size, 1, 0), rDecay = gaussian(new Random(15), size, 1, 0);
        // L = Σ y ⊙ R1 + Σ decay ⊙ R2 (the output itself weighted by zero)
        java.util.function.DoubleSupplier loss = () -> {
            block.forward(x);
            double s = 0;
            for (int i = 0; i < size; i++) {
                s += block.lastReadout()[i] * rReadout[i] + block.lastDecay()[i] * rDecay[i];
            }
            return s;
        };
        Parameter aLog = block.aLog().parameters().get(0);
        Parameter dt = block.dtProj().bias();
        aLog.zeroGradient();
        dt.zeroGradient();
        Tensor out = block.forward(x);
        Tensor dx = block.backward(out.zerosLike(), rReadout, rDecay);
        GradientCheck.checkScalar("Mamba read-out + decay wrt input", loss, dx, x);
        GradientCheck.checkScalar("Mamba read-out + decay wrt A_log", loss, aLog.gradient().copy(), aLog.value());
        GradientCheck.checkScalar("Mamba read-out + decay wrt dt bias", loss, dt.gradient().copy(), dt.value());
    }

    @Test
    void aWrongInputShapeIsNamed() {
        MambaBlock block = randomBlock(1);
        assertThatThrownBy(() -> block.forward(Tensor.zeros(F64, 2, 6, 7))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("(2, 6, 7)").hasMessageContaining("mixer");
    }
}
