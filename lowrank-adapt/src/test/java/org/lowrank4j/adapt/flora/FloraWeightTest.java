package org.lowrank4j.adapt.flora;

import static org.assertj.core.api.Assertions.assertThat;
import static org.lowrank4j.adapt.FiniteDifferences.dot;
import static org.lowrank4j.adapt.FiniteDifferences.gradient;
import static org.lowrank4j.adapt.FiniteDifferences.maxDifference;
import static org.lowrank4j.adapt.FiniteDifferences.relativeError;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.DoubleSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.lowrank4j.adapt.variant.HeadLayout;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.tensor.MatMul;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.weight.DenseWeight;

/** FLoRA's Tucker layer (spec 08 "How to test"): reconstruction by brute force, the linear case, forward, gradients by finite differences. */
class FloraWeightTest {
    private static final Precision F64 = Precision.FLOAT64;

    /** The views tested: a matrix, heads splitting the output, heads splitting the input, and a 4-mode view (2×3×3×3 as a conv kernel). */
    static WeightView view(String kind) {
        return switch (kind) {
            case "matrix" -> WeightView.matrix(5, 7);
            case "heads-out" -> WeightView.heads("q", 6, 5, new HeadLayout(3, 2, false));  // [3, 2, 5]
            case "heads-in" -> WeightView.heads("o", 5, 6, new HeadLayout(2, 3, true));    // [5, 2, 3]
            case "four-modes" -> new WeightView(List.of("a", "b", "c", "d"), new int[] {2, 3, 3, 3}, 2); // W (6, 9)
            default -> throw new IllegalArgumentException(kind);
        };
    }

    static int[] ranks(String kind) {
        return switch (kind) {
            case "matrix" -> new int[] {3, 2};
            case "heads-out" -> new int[] {2, 2, 3};
            case "heads-in" -> new int[] {3, 2, 2};
            default -> new int[] {2, 2, 3, 2};
        };
    }

    /** A layer with every value random (the core too, so that every gradient is non-zero). */
    static FloraWeight layer(String kind, double scale) {
        WeightView v = view(kind);
        int[] r = ranks(kind);
        DenseWeight base = new DenseWeight(new Parameter("fc.weight", Tensor.gaussian(F64, new Random(1), 1, v.out(), v.in())));
        List<Parameter> factors = new ArrayList<>();
        for (int m = 0; m < v.modes(); m++) {
            factors.add(new Parameter("fc.flora_U" + m, Tensor.gaussian(F64, new Random(10 + m), 1, v.size(m), r[m])));
        }
        return new FloraWeight("fc", base, v, new Parameter("fc.flora_core", Tensor.gaussian(F64, new Random(2), 1, r)), factors, scale);
    }

    private static double u(FloraWeight w, int m, int a, int b) {
        return w.factors().get(m).value().get(a * w.ranks()[m] + b);
    }

    @Test
    void tuckerReconstructionEqualsTheNestedSum() {
        FloraWeight w = layer("heads-out", 0.7); // [3, 2, 5], ranks [2, 2, 3]
        int[] n = w.view().sizes(), r = w.ranks();
        Tensor d = w.delta();
        double worst = 0;
        for (int a = 0; a < n[0]; a++) {
            for (int b = 0; b < n[1]; b++) {
                for (int c = 0; c < n[2]; c++) {
                    double sum = 0;
                    for (int i = 0; i < r[0]; i++) {
                        for (int j = 0; j < r[1]; j++) {
                            for (int k = 0; k < r[2]; k++) {
                                sum += w.core().value().get((i * r[1] + j) * r[2] + k) * u(w, 0, a, i) * u(w, 1, b, j) * u(w, 2, c, k);
                            }
                        }
                    }
                    worst = Math.max(worst, Math.abs(0.7 * sum - d.get((a * n[1] + b) * n[2] + c))); // W[h·D + d, i]
                }
            }
        }
        assertThat(worst).isLessThan(1e-12);
        FloraWeight four = layer("four-modes", 1.3);
        int[] s = four.view().sizes(), q = four.ranks();
        Tensor d4 = four.delta();
        worst = 0;
        for (int idx = 0; idx < d4.size(); idx++) {
            int[] a = {idx / 27, idx / 9 % 3, idx / 3 % 3, idx % 3};
            double sum = 0;
            for (int ci = 0; ci < four.core().size(); ci++) {
                int[] b = {ci / (q[1] * q[2] * q[3]), ci / (q[2] * q[3]) % q[1], ci / q[3] % q[2], ci % q[3]};
                double t = four.core().value().get(ci);
                for (int m = 0; m < 4; m++) {
                    t *= u(four, m, a[m], b[m]);
                }
                sum += t;
            }
            worst = Math.max(worst, Math.abs(1.3 * sum - d4.get(idx)));
        }
        assertThat(s).containsExactly(2, 3, 3, 3);
        assertThat(worst).isLessThan(1e-12);
    }

    @Test
    void theMatrixViewIsALoraWithACore() {
        FloraWeight w = layer("matrix", 0.7); // ΔW = s·U_out·G·U_inᵀ
        Tensor ug = Tensor.zeros(F64, 5, 2);
        MatMul.times(ug, w.factors().get(0).value(), w.core().value(), 0);
        Tensor expected = Tensor.zeros(F64, 5, 7);
        MatMul.gemm(0.7, ug.matrix(), w.factors().get(1).value().matrix().transpose(), 0, expected.matrix());
        assertThat(maxDifference(w.delta(), expected)).isLessThan(1e-12);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"matrix", "heads-out", "heads-in", "four-modes"})
    void forwardWithoutFormingTheUpdateEqualsTheMergedWeight(String kind) {
        FloraWeight w = layer(kind, 0.7);
        Tensor x = Tensor.gaussian(F64, new Random(5), 1, 2, 3, w.inFeatures());
        Tensor expected = Tensor.zeros(F64, 2, 3, w.outFeatures());
        MatMul.timesTransposed(expected, x, w.toDense(), 0);
        assertThat(maxDifference(w.forward(x), expected)).isLessThan(1e-12);
        w.setEnabled(false);
        Tensor base = Tensor.zeros(F64, 2, 3, w.outFeatures());
        MatMul.timesTransposed(base, x, w.base().toDense(), 0);
        assertThat(maxDifference(w.forward(x), base)).isZero();
    }

    @Test
    void aZeroCoreLeavesTheBaseUnchanged() {
        FloraWeight w = layer("four-modes", 2);
        w.core().value().fill(0);
        assertThat(maxDifference(w.toDense(), w.base().toDense())).isZero();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"matrix", "heads-out", "heads-in", "four-modes"})
    void gradientsOfInputCoreAndEveryFactorMatchFiniteDifferences(String kind) {
        FloraWeight w = layer(kind, 0.7);
        Tensor x = Tensor.gaussian(F64, new Random(6), 1, 2, 3, w.inFeatures());
        Tensor r = Tensor.gaussian(F64, new Random(7), 1, 2, 3, w.outFeatures());
        w.parameters().forEach(Parameter::zeroGradient);
        Tensor dx = w.backward(r, x);
        DoubleSupplier loss = () -> dot(w.forward(x), r);
        List<Double> errors = new ArrayList<>();
        errors.add(relativeError(dx, gradient(loss, x)));
        errors.add(relativeError(w.core().gradient(), gradient(loss, w.core().value())));
        for (Parameter u : w.factors()) {
            errors.add(relativeError(u.gradient(), gradient(loss, u.value())));
        }
        System.out.printf("FLoRA %s %s gradient check: relative error dx, dG, dU_1..dU_N = %s%n", kind, w.view(),
                errors.stream().map(e -> String.format("%.2e", e)).toList());
        assertThat(errors).allMatch(e -> e < 1e-7);
        assertThat(w.core().gradient().norm()).isGreaterThan(0);
    }

    @Test
    void parameterCountIsTheCoreAndTheFactors() {
        FloraWeight w = layer("four-modes", 1);
        assertThat(w.trainableCount()).isEqualTo(2 * 2 * 3 * 2 + 2 * 2 + 3 * 2 + 3 * 3 + 3 * 2);
        assertThat(w.parameters().stream().mapToLong(Parameter::size).sum()).isEqualTo(w.trainableCount());
    }
}
