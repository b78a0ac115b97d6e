package org.lowrank4j.adapt.sora;

import static org.assertj.core.api.Assertions.assertThat;
import static org.lowrank4j.adapt.FiniteDifferences.dot;
import static org.lowrank4j.adapt.FiniteDifferences.gradient;
import static org.lowrank4j.adapt.FiniteDifferences.maxDifference;
import static org.lowrank4j.adapt.FiniteDifferences.relativeError;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.tensor.MatMul;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.weight.DenseWeight;

/** SoRA (spec 06 A "How to test"): the gated forward, gradients by finite differences, the soft threshold, the schedule. */
class SoraWeightTest {
    private static final Precision F64 = Precision.FLOAT64;
    private static final int IN = 6, OUT = 5, R = 3;

    private static SoraWeight layer() {
        DenseWeight base = new DenseWeight(new Parameter("fc.weight", Tensor.gaussian(F64, new Random(1), 1, OUT, IN)));
        return new SoraWeight("fc", base, new Parameter("fc.sora_A", Tensor.gaussian(F64, new Random(2), 1, R, IN)),
                new Parameter("fc.sora_B", Tensor.gaussian(F64, new Random(3), 1, OUT, R)),
                new Parameter("fc.sora_gate", Tensor.gaussian(F64, new Random(4), 1, R)), 0.7);
    }

    @Test
    void forwardIsLoraWithTheGateFoldedIntoB() {
        SoraWeight w = layer();
        Tensor bg = w.b().value().copy();
        for (int i = 0; i < bg.size(); i++) {
            bg.set(i, bg.get(i) * w.gate().value().get(i % R));
        }
        Tensor expected = w.base().toDense();
        MatMul.gemm(0.7, bg.matrix(), w.a().value().matrix(), 1, expected.matrix());
        Tensor x = Tensor.gaussian(F64, new Random(5), 1, 4, IN);
        Tensor y = Tensor.zeros(F64, 4, OUT);
        MatMul.timesTransposed(y, x, expected, 0);
        assertThat(maxDifference(w.forward(x), y)).isLessThan(1e-13);
        assertThat(maxDifference(w.toDense(), expected)).isLessThan(1e-13);
    }

    @Test
    void gradientsMatchFiniteDifferences() {
        SoraWeight w = layer();
        Tensor x = Tensor.gaussian(F64, new Random(6), 1, 2, 3, IN);
        Tensor r = Tensor.gaussian(F64, new Random(7), 1, 2, 3, OUT);
        for (Parameter p : List.of(w.a(), w.b(), w.gate())) {
            p.zeroGradient();
        }
        w.forward(x);
        Tensor dx = w.backward(r, x);
        java.util.function.DoubleSupplier loss = () -> dot(w.forward(x), r);
        double ex = relativeError(dx, gradient(loss, x));
        double ea = relativeError(w.a().gradient(), gradient(loss, w.a().value()));
        double eb = relativeError(w.b().gradient(), gradient(loss, w.b().value()));
        double eg = relativeError(w.gate().gradient(), gradient(loss, w.gate().value()));
        System.out.printf("SoRA gradient check: relative error dx %.2e, dA %.2e, dB %.2e, dg %.2e%n", ex, ea, eb, eg);
        assertThat(ex).isLessThan(1e-7);
        assertThat(ea).isLessThan(1e-7);
        assertThat(eb).isLessThan(1e-7);
        assertThat(eg).isLessThan(1e-7);
    }

    @Test
    void softThresholdZeroesSmallGatesAndKeepsThemZeroWhileTheirGradientIsZero() {
        Parameter g = new Parameter("g", Tensor.of(F64, new double[] {0.004, -0.003, 0.5, -0.8, 0}, 5));
        SoraGates gates = new SoraGates(List.of(g), 1e-3, 0, 0.01, 0.01, 1, false);
        for (int step = 0; step < 3; step++) {
            gates.step(step, 3, 1e-3, 1e-3); // zero gradients: Adam does not move, only the threshold acts
        }
        assertThat(g.value().get(0)).isZero();
        assertThat(g.value().get(1)).isZero();
        assertThat(g.value().get(4)).isZero();
        assertThat(g.value().get(2)).isCloseTo(0.47, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(g.value().get(3)).isCloseTo(-0.77, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(g.gradient().norm()).isZero();
    }

    @Test
    void sparsifyingScheduleRisesByStage() {
        SoraGates linear = new SoraGates(List.of(), 0, 0, 1e-3, 5e-3, 5, false);
        SoraGates log = new SoraGates(List.of(), 0, 0, 1e-3, 1e-1, 3, true);
        assertThat(linear.threshold(0, 100)).isEqualTo(1e-3);
        assertThat(linear.threshold(20, 100)).isCloseTo(2e-3, org.assertj.core.data.Offset.offset(1e-15));
        assertThat(linear.threshold(99, 100)).isCloseTo(5e-3, org.assertj.core.data.Offset.offset(1e-15));
        assertThat(log.threshold(50, 100)).isCloseTo(1e-2, org.assertj.core.data.Offset.offset(1e-15));
        assertThat(new SoraGates(List.of(), 0, 0, 3e-4, 9, 1, false).threshold(77, 100)).isEqualTo(3e-4);
    }
}
