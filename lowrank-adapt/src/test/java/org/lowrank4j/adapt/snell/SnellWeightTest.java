package org.lowrank4j.adapt.snell;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.lowrank4j.adapt.FiniteDifferences.dot;
import static org.lowrank4j.adapt.FiniteDifferences.gradient;
import static org.lowrank4j.adapt.FiniteDifferences.maxDifference;
import static org.lowrank4j.adapt.FiniteDifferences.relativeError;

import java.util.Arrays;
import java.util.Random;
import java.util.function.DoubleSupplier;
import org.junit.jupiter.api.Test;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.tensor.MatMul;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.weight.DenseWeight;

/** SNELL / SNELLA's layer (spec 07 "How to test"): the kernel, the competition, forward, and gradients by finite differences. */
class SnellWeightTest {
    private static final Precision F64 = Precision.FLOAT64;
    private static final int IN = 5, OUT = 4, HEADS = 2, QH = 2;

    private static SnellWeight layer(boolean mixed, boolean sparse, int kept) {
        DenseWeight base = new DenseWeight(new Parameter("fc.weight", Tensor.gaussian(F64, new Random(1), 1, OUT, IN)));
        Parameter mix = mixed ? new Parameter("fc.snell_mix", Tensor.of(F64, new double[] {1.3, 0.8, 0.2}, 3)) : null;
        return new SnellWeight("fc", base, new Parameter("fc.snell_P", Tensor.gaussian(F64, new Random(2), 1, HEADS, IN, QH)),
                new Parameter("fc.snell_Q", Tensor.gaussian(F64, new Random(3), 1, HEADS, OUT, QH)), mix, 0.7, sparse, kept);
    }

    /** K[i][j] by the definition, one double loop per head. */
    private static double[][] bruteKernel(SnellWeight w) {
        double[][] k = new double[IN][OUT];
        for (int h = 0; h < HEADS; h++) {
            for (int i = 0; i < IN; i++) {
                for (int j = 0; j < OUT; j++) {
                    double s = 0;
                    for (int t = 0; t < QH; t++) {
                        double d = w.p().value().get((h * IN + i) * QH + t) - w.q().value().get((h * OUT + j) * QH + t);
                        s += d * d;
                    }
                    k[i][j] += 0.7 * Math.pow(-1, h) * Math.sqrt(s);
                }
            }
        }
        return k;
    }

    @Test
    void kernelMatchesTheDefinitionAndKeptEntriesCarryKTimesItsMagnitude() {
        SnellWeight w = layer(false, true, 7);
        double[][] k = bruteKernel(w);
        double[] flat = SnellKernel.kernel(w.p().value().toDoubleArray(), w.q().value().toDoubleArray(), HEADS, IN, OUT, QH, 0.7);
        double[] magnitudes = new double[IN * OUT];
        for (int i = 0; i < IN; i++) {
            for (int j = 0; j < OUT; j++) {
                assertThat(flat[i * OUT + j]).isCloseTo(k[i][j], org.assertj.core.data.Offset.offset(1e-13));
                magnitudes[i * OUT + j] = Math.abs(k[i][j]);
            }
        }
        double[] sorted = magnitudes.clone();
        Arrays.sort(sorted);
        double tau = sorted[IN * OUT - 7];
        Tensor delta = w.delta(); // (out, in)
        int nonZero = 0;
        for (int i = 0; i < IN; i++) {
            for (int j = 0; j < OUT; j++) {
                double expected = Math.abs(k[i][j]) >= tau ? k[i][j] * Math.abs(k[i][j]) : 0;
                assertThat(delta.get(j * IN + i)).isCloseTo(expected, org.assertj.core.data.Offset.offset(1e-13));
                nonZero += delta.get(j * IN + i) != 0 ? 1 : 0;
            }
        }
        assertThat(nonZero).isEqualTo(7).isEqualTo((int) w.nonZeros());
    }

    @Test
    void competitionKeepsExactlyTheCeilingOfTheKeptShare() {
        assertThat(Competition.keptCount(0.9, 100)).isEqualTo(10);
        assertThat(Competition.keptCount(0.7, 20)).isEqualTo(6);
        assertThat(Competition.keptCount(0.75, 10)).isEqualTo(3); // ⌈2.5⌉
        assertThat(Competition.keptCount(0, 10)).isEqualTo(10);
        Random random = new Random(9);
        double[] k = new double[1023];
        for (int e = 0; e < k.length; e++) {
            k[e] = random.nextGaussian();
        }
        k[5] = k[6] = k[7] = 0.5; // ties at the threshold are broken by index
        for (int kept : new int[] {0, 1, 13, 207, 1022, 1023}) {
            double[] mask = Competition.magnitudeMask(k, kept);
            double smallestKept = Double.POSITIVE_INFINITY, largestDropped = 0;
            int count = 0;
            for (int e = 0; e < k.length; e++) {
                if (mask[e] != 0) {
                    count++;
                    assertThat(mask[e]).isEqualTo(Math.abs(k[e]));
                    smallestKept = Math.min(smallestKept, mask[e]);
                } else {
                    largestDropped = Math.max(largestDropped, Math.abs(k[e]));
                }
            }
            assertThat(count).isEqualTo(kept);
            assertThat(largestDropped).isLessThanOrEqualTo(smallestKept);
        }
        assertThatThrownBy(() -> Competition.keptCount(1.5, 10)).hasMessageContaining("[0, 1]");
    }

    @Test
    void forwardIsTheBaseWeightPlusDelta() {
        for (boolean mixed : new boolean[] {false, true}) {
            SnellWeight w = layer(mixed, true, 9);
            Tensor dense = w.base().toDense();
            org.lowrank4j.nn.tensor.Kernels.of(dense).addInPlace(dense, w.delta());
            Tensor x = Tensor.gaussian(F64, new Random(5), 1, 3, IN);
            Tensor y = Tensor.zeros(F64, 3, OUT);
            MatMul.timesTransposed(y, x, dense, 0);
            assertThat(maxDifference(w.forward(x), y)).isLessThan(1e-13);
            assertThat(maxDifference(w.toDense(), dense)).isLessThan(1e-13);
            w.setEnabled(false);
            assertThat(maxDifference(w.forward(x), w.base().forward(x))).isZero();
        }
    }

    /** Relative errors of dx and of each parameter's gradient against central differences, with M held fixed. */
    private static double[] check(SnellWeight w) {
        Tensor x = Tensor.gaussian(F64, new Random(6), 1, 2, 3, IN);
        Tensor r = Tensor.gaussian(F64, new Random(7), 1, 2, 3, OUT);
        w.parameters().forEach(Parameter::zeroGradient);
        w.holdMask();
        w.forward(x);
        Tensor dx = w.backward(r, x);
        DoubleSupplier loss = () -> dot(w.forward(x), r);
        double[] errors = new double[1 + w.parameters().size()];
        errors[0] = relativeError(dx, gradient(loss, x));
        for (int i = 0; i < w.parameters().size(); i++) {
            Parameter p = w.parameters().get(i);
            errors[i + 1] = relativeError(p.gradient(), gradient(loss, p.value()));
        }
        w.releaseMask();
        return errors;
    }

    @Test
    void gradientsMatchFiniteDifferencesWithTheMaskHeld() {
        double[] sparse = check(layer(false, true, 8));
        double[] plain = check(layer(false, false, IN * OUT));
        double[] mixed = check(layer(true, true, 11));
        System.out.printf("SNELL gradient check (relative error): sparse dx %.2e dP %.2e dQ %.2e; plain kernel dx %.2e dP %.2e dQ %.2e; "
                + "SNELLA mixed dx %.2e dP %.2e dQ %.2e d[alpha,gamma,beta] %.2e%n", sparse[0], sparse[1], sparse[2], plain[0], plain[1], plain[2],
                mixed[0], mixed[1], mixed[2], mixed[3]);
        for (double[] e : new double[][] {sparse, plain, mixed}) {
            for (double v : e) {
                assertThat(v).isLessThan(1e-7);
            }
        }
    }

    @Test
    void theGradientThroughTheCompetitionIsTheDetachedMagnitudeNotTwiceIt() {
        // Without the mask held, FD sees d(K·|K|)/dK = 2|K|; the reference (and this layer) detaches M, giving |K|.
        SnellWeight w = layer(false, true, 6);
        Tensor x = Tensor.gaussian(F64, new Random(6), 1, 3, IN);
        Tensor r = Tensor.gaussian(F64, new Random(7), 1, 3, OUT);
        w.parameters().forEach(Parameter::zeroGradient);
        w.backward(r, x);
        Tensor free = gradient(() -> dot(w.forward(x), r), w.p().value());
        Tensor doubled = w.p().gradient().copy();
        for (int i = 0; i < doubled.size(); i++) {
            doubled.set(i, 2 * doubled.get(i));
        }
        assertThat(relativeError(doubled, free)).isLessThan(1e-6);
    }
}
