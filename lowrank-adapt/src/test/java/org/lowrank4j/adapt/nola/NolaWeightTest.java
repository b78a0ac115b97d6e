package org.lowrank4j.adapt.nola;

import static org.assertj.core.api.Assertions.assertThat;
import static org.lowrank4j.adapt.FiniteDifferences.dot;
import static org.lowrank4j.adapt.FiniteDifferences.gradient;
import static org.lowrank4j.adapt.FiniteDifferences.maxDifference;
import static org.lowrank4j.adapt.FiniteDifferences.relativeError;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.tensor.MatMul;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.weight.DenseWeight;

/** NOLA (spec 05 A "How to test"): zero start, bases regenerated identically, gradients against float64 finite differences. */
class NolaWeightTest {
    private static final Precision F64 = Precision.FLOAT64;
    private static final int IN = 6, OUT = 5, R = 2, K = 7, L = 4;

    private static NolaWeight layer(boolean randomCoefficients) {
        DenseWeight base = new DenseWeight(new Parameter("fc.weight", Tensor.gaussian(F64, new Random(1), 1, OUT, IN)));
        Tensor ca = randomCoefficients ? Tensor.gaussian(F64, new Random(2), 1, K) : Tensor.zeros(F64, K);
        Tensor cb = randomCoefficients ? Tensor.gaussian(F64, new Random(3), 1, L) : Tensor.zeros(F64, L);
        return new NolaWeight("fc", base, R, 3, 11, 12, new Parameter("fc.nola_alpha", ca), new Parameter("fc.nola_beta", cb));
    }

    @Test
    void zeroCoefficientsLeaveTheBaseUnchanged() {
        NolaWeight w = layer(false);
        Tensor x = Tensor.gaussian(F64, new Random(4), 1, 3, IN);
        assertThat(w.forward(x).toDoubleArray()).containsExactly(w.base().forward(x).toDoubleArray());
        assertThat(w.delta().norm()).isZero();
        assertThat(w.b().norm()).isZero();
        assertThat(w.a().norm()).as("the frozen offset A0 makes training start").isPositive();
    }

    @Test
    void aBasisIsTheSameEveryTimeAndEachIndexDiffers() {
        double[] first = NolaBasis.generate(99, 3, 50, 1);
        assertThat(NolaBasis.generate(99, 3, 50, 1)).containsExactly(first);
        assertThat(NolaBasis.generate(99, 4, 50, 1)).isNotEqualTo(first);
        assertThat(NolaBasis.generate(98, 3, 50, 1)).isNotEqualTo(first);
        for (double v : NolaBasis.generate(5, 0, 10_000, 1)) {
            assertThat(v).isBetween(-1.0, 1.0);
        }
        double[] acc = new double[50];
        NolaBasis.addTo(acc, 99, 3, 0.5, 2);
        for (int i = 0; i < acc.length; i++) {
            assertThat(acc[i]).isEqualTo(first[i]);
        }
        assertThat(NolaBasis.dot(first, 99, 3, 1)).isCloseTo(dot(Tensor.of(F64, first, 50), Tensor.of(F64, first, 50)),
                org.assertj.core.data.Offset.offset(1e-12));
    }

    @Test
    void generatorVersionOneIsPinned() {
        // these values define generator version 1: adapters on disk depend on them. Changing NolaBasis needs a new version.
        assertThat(NolaBasis.GENERATOR_VERSION).isEqualTo(1);
        double[] v = NolaBasis.generate(42, 0, 3, 1);
        double[] again = new double[3];
        long state = NolaBasis.mix(42 ^ NolaBasis.mix(0x9E3779B97F4A7C15L));
        for (int e = 0; e < 3; e++) {
            state += 0x9E3779B97F4A7C15L;
            again[e] = ((NolaBasis.mix(state) >>> 11) * 0x1.0p-53) * 2 - 1;
        }
        assertThat(v).containsExactly(again);
        assertThat(NolaBasis.mix(0)).isZero();
        assertThat(NolaBasis.mix(1)).isEqualTo(0x5692161D100B05E5L); // SplitMix64's finaliser on 1
    }

    @Test
    void factorsAreTheDocumentedMixtures() {
        NolaWeight w = layer(true);
        double[] a = NolaBasis.generate(11, -1, R * IN, 1 / Math.sqrt(IN));
        for (int i = 0; i < K; i++) {
            NolaBasis.addTo(a, 11, i, 1 / Math.sqrt(K), w.coefA().value().get(i));
        }
        assertThat(maxDifference(w.a(), Tensor.of(F64, a, R, IN))).isLessThan(1e-14);
        Tensor d = Tensor.zeros(F64, OUT, IN);
        MatMul.gemm(3.0 / R, w.b().matrix(), w.a().matrix(), 0, d.matrix());
        assertThat(maxDifference(w.delta(), d)).isLessThan(1e-14);
        assertThat(maxDifference(w.toDense().copy(), addTo(w.base().toDense(), d))).isLessThan(1e-14);
    }

    private static Tensor addTo(Tensor a, Tensor b) {
        for (int i = 0; i < a.size(); i++) {
            a.set(i, a.get(i) + b.get(i));
        }
        return a;
    }

    @Test
    void gradientsMatchFiniteDifferences() {
        NolaWeight w = layer(true);
        Tensor x = Tensor.gaussian(F64, new Random(6), 1, 2, 3, IN);
        Tensor r = Tensor.gaussian(F64, new Random(7), 1, 2, 3, OUT);
        w.coefA().zeroGradient();
        w.coefB().zeroGradient();
        w.forward(x);
        Tensor dx = w.backward(r, x);
        java.util.function.DoubleSupplier loss = () -> dot(w.forward(x), r);
        double ex = relativeError(dx, gradient(loss, x));
        double ea = relativeError(w.coefA().gradient(), gradient(loss, w.coefA().value()));
        double eb = relativeError(w.coefB().gradient(), gradient(loss, w.coefB().value()));
        System.out.printf("NOLA gradient check: relative error dx %.2e, d alpha %.2e, d beta %.2e%n", ex, ea, eb);
        assertThat(ex).isLessThan(1e-7);
        assertThat(ea).isLessThan(1e-7);
        assertThat(eb).isLessThan(1e-7);
        assertThat(w.coefA().gradient().norm()).isPositive();
    }
}
