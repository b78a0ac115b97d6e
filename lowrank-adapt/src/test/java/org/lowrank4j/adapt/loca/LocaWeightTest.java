package org.lowrank4j.adapt.loca;

import static org.assertj.core.api.Assertions.assertThat;
import static org.lowrank4j.adapt.FiniteDifferences.dot;
import static org.lowrank4j.adapt.FiniteDifferences.gradient;
import static org.lowrank4j.adapt.FiniteDifferences.maxDifference;
import static org.lowrank4j.adapt.FiniteDifferences.relativeError;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.DoubleSupplier;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.tensor.MatMul;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.train.lowrank.DctBasis;
import org.lowrank4j.nn.weight.DenseWeight;

/** LoCA (spec 05 B "How to test"): the DCT, the placed coefficients, the exact and the finite-difference gradients, the schedule. */
class LocaWeightTest {
    private static final Precision F64 = Precision.FLOAT64;
    private static final int OUT = 7, IN = 6;
    private static final double SCALE = 0.8;

    /** A layer with coefficients a at normalised locations (rows ℓ0, cols ℓ1), and the given schedule. */
    private static LocaWeight layer(double[] a, double[] rows, double[] cols, LocaSchedule schedule) {
        DenseWeight base = new DenseWeight(new Parameter("fc.weight", Tensor.gaussian(F64, new Random(1), 1, OUT, IN)));
        double[] l = new double[2 * a.length];
        System.arraycopy(rows, 0, l, 0, a.length);
        System.arraycopy(cols, 0, l, a.length, a.length);
        return new LocaWeight("fc", base, new Parameter("fc.a", Tensor.of(F64, a.clone(), a.length)), new Parameter("fc.l", Tensor.of(F64, l, 2, a.length)),
                SCALE, DctBasis.matrix(OUT, F64), DctBasis.matrix(IN, F64), schedule);
    }

    /** Normalised location of grid index i on an axis of size n. */
    private static double at(int i, int n) {
        return i / (n - 1.0);
    }

    @Test
    void dctMatrixIsOrthonormal() {
        Tensor c = DctBasis.matrix(OUT, F64);
        Tensor cct = Tensor.zeros(F64, OUT, OUT);
        MatMul.timesTransposed(cct, c, c, 0);
        for (int i = 0; i < OUT; i++) {
            for (int j = 0; j < OUT; j++) {
                assertThat(cct.get(i * OUT + j)).isCloseTo(i == j ? 1 : 0, Offset.offset(1e-12));
            }
        }
    }

    @Test
    void oneCoefficientIsTheOuterProductOfTwoDctBasisVectorsAndDuplicatesAdd() {
        int u = 3, v = 2;
        LocaWeight one = layer(new double[] {0.9}, new double[] {at(u, OUT)}, new double[] {at(v, IN)}, LocaSchedule.frozenLocations());
        assertThat(one.indices(0)).containsExactly(u);
        assertThat(one.indices(1)).containsExactly(v);
        Tensor cm = DctBasis.matrix(OUT, F64), cn = DctBasis.matrix(IN, F64);
        Tensor expected = Tensor.zeros(F64, OUT, IN);
        for (int i = 0; i < OUT; i++) {
            for (int j = 0; j < IN; j++) {
                expected.set(i * IN + j, 0.9 * SCALE * cm.get(u * OUT + i) * cn.get(v * IN + j));
            }
        }
        assertThat(maxDifference(one.delta(), expected)).isLessThan(1e-14);
        LocaWeight twice = layer(new double[] {0.5, 0.4}, new double[] {at(u, OUT), at(u, OUT) + 0.01}, new double[] {at(v, IN), at(v, IN)},
                LocaSchedule.frozenLocations());
        assertThat(twice.indices(0)).containsExactly(u, u);
        assertThat(maxDifference(twice.delta(), expected)).as("duplicate locations add up").isLessThan(1e-14);

        Tensor x = Tensor.gaussian(F64, new Random(2), 1, 3, IN);
        Tensor y = one.base().forward(x);
        MatMul.timesTransposed(y, x, expected, 1);
        assertThat(maxDifference(one.forward(x), y)).isLessThan(1e-13);
    }

    @Test
    void coefficientAndInputGradientsMatchFiniteDifferences() {
        Random random = new Random(3);
        double[] a = new double[5], rows = new double[5], cols = new double[5];
        for (int t = 0; t < 5; t++) {
            a[t] = random.nextGaussian();
            rows[t] = random.nextDouble();
            cols[t] = random.nextDouble();
        }
        LocaWeight w = layer(a, rows, cols, new LocaSchedule(100, 30, 10)); // pass 0: coefficients
        Tensor x = Tensor.gaussian(F64, new Random(4), 1, 2, 3, IN);
        Tensor r = Tensor.gaussian(F64, new Random(5), 1, 2, 3, OUT);
        w.forward(x);
        Tensor dx = w.backward(r, x);
        DoubleSupplier loss = () -> dot(w.forward(x), r);
        double ex = relativeError(dx, gradient(loss, x));
        double ea = relativeError(w.coefficients().gradient(), gradient(loss, w.coefficients().value()));
        System.out.printf("LoCA gradient check: relative error dx %.2e, da %.2e%n", ex, ea);
        assertThat(ex).isLessThan(1e-7);
        assertThat(ea).isLessThan(1e-7);
        assertThat(w.locations().gradient().norm()).as("locations frozen at pass 0").isZero();
    }

    /**
     * With D chosen so that the spectrum gradient K = s·C_m·D·C_nᵀ is a ramp c₀·u + c₁·v, the central difference is the
     * slope, which is the exact derivative of the bilinear extension (a coefficient split between neighbouring grid
     * points), computed here by finite differences through the forward.
     */
    @Test
    void locationGradientIsTheExactSlopeOfTheBilinearExtensionWhenTheSpectrumIsARamp() {
        double c0 = 0.3, c1 = -0.2, a = 0.7;
        Tensor ramp = Tensor.zeros(F64, OUT, IN);
        for (int u = 0; u < OUT; u++) {
            for (int v = 0; v < IN; v++) {
                ramp.set(u * IN + v, c0 * u + c1 * v);
            }
        }
        Tensor cm = DctBasis.matrix(OUT, F64), cn = DctBasis.matrix(IN, F64);
        Tensor tmp = Tensor.zeros(F64, OUT, IN), d = Tensor.zeros(F64, OUT, IN);
        MatMul.gemm(1, ramp.matrix(), cn.matrix(), 0, tmp.matrix());                    // R·C_n
        MatMul.gemm(1 / SCALE, cm.matrix().transpose(), tmp.matrix(), 0, d.matrix());   // D = C_mᵀ·R·C_n / s
        Tensor x = Tensor.zeros(F64, IN, IN);                                             // x = I, dy = Dᵀ: dyᵀ·x = D
        for (int i = 0; i < IN; i++) {
            x.set(i * IN + i, 1);
        }
        Tensor dy = Tensor.zeros(F64, IN, OUT);
        for (int i = 0; i < OUT; i++) {
            for (int j = 0; j < IN; j++) {
                dy.set(j * OUT + i, d.get(i * IN + j));
            }
        }
        int u = 3, v = 2;
        LocaWeight w = layer(new double[] {a}, new double[] {at(u, OUT)}, new double[] {at(v, IN)}, new LocaSchedule(100, 2, 1));
        w.backward(dy, x);                             // pass 0: coefficients
        assertThat(w.coefficients().gradient().get(0)).isCloseTo(c0 * u + c1 * v, Offset.offset(1e-12));
        w.coefficients().zeroGradient();
        w.backward(dy, x);                             // pass 1: locations
        assertThat(w.coefficients().gradient().get(0)).as("coefficients frozen at pass 1").isZero();
        double dRow = w.locations().gradient().get(0), dCol = w.locations().gradient().get(1);

        // the bilinear extension: the coefficient split between grid rows floor(ρ) and floor(ρ)+1 (likewise columns)
        DoubleSupplier[] extension = new DoubleSupplier[2];
        double[] position = {u, v};
        for (int axis = 0; axis < 2; axis++) {
            int ax = axis;
            extension[axis] = () -> {
                double p = position[ax];
                int lo = (int) Math.floor(p);
                double f = p - lo;
                double[] r0 = {at(ax == 0 ? lo : u, OUT), at(ax == 0 ? lo + 1 : u, OUT)};
                double[] c0s = {at(ax == 1 ? lo : v, IN), at(ax == 1 ? lo + 1 : v, IN)};
                LocaWeight split = layer(new double[] {a * (1 - f), a * f}, r0, c0s, LocaSchedule.frozenLocations());
                return dot(split.forward(x), dy) - dot(split.base().forward(x), dy);
            };
        }
        double[] slope = new double[2];
        for (int axis = 0; axis < 2; axis++) {
            double h = 1e-3, keep = position[axis];
            position[axis] = keep + h;
            double plus = extension[axis].getAsDouble();
            position[axis] = keep - h;
            double minus = extension[axis].getAsDouble();
            position[axis] = keep;
            slope[axis] = (plus - minus) / (2 * h);
        }
        System.out.printf("LoCA location gradient: row %.6f (bilinear FD %.6f), col %.6f (bilinear FD %.6f), per grid step%n", dRow / (OUT - 1),
                slope[0], dCol / (IN - 1), slope[1]);
        assertThat(slope[0]).isCloseTo(a * c0, Offset.offset(1e-9));
        assertThat(dRow).isCloseTo((OUT - 1) * slope[0], Offset.offset(1e-9));
        assertThat(dCol).isCloseTo((IN - 1) * slope[1], Offset.offset(1e-9));
    }

    @Test
    void locationGradientIsClampedAndZeroOutsideTheRange() {
        Tensor x = Tensor.gaussian(F64, new Random(6), 1, 4, IN);
        Tensor dy = Tensor.gaussian(F64, new Random(7), 100, 4, OUT);
        LocaWeight w = layer(new double[] {50, 50}, new double[] {0.5, -0.2}, new double[] {0.5, 0.4}, new LocaSchedule(100, 2, 1));
        w.backward(dy, x);
        w.backward(dy, x); // pass 1: locations
        Tensor g = w.locations().gradient();
        assertThat(Math.abs(g.get(0))).as("row gradient clamped to (m-1)").isEqualTo(OUT - 1.0);
        assertThat(Math.abs(g.get(2))).as("column gradient clamped to (n-1)").isEqualTo(IN - 1.0);
        assertThat(g.get(1)).as("row location below 0: clipped, no gradient").isZero();
        assertThat(Math.abs(g.get(3))).isEqualTo(IN - 1.0);
    }

    /** Spec 05 B test 3: with B_s = 50 and the 30-pass cycle, passes 0, 5, 35 and 51 train the coefficients, 15 and 45 the locations. */
    @Test
    void theScheduleGivesTheRightGroupItsGradientAtEachPass() {
        LocaWeight w = layer(new double[] {0.4, -0.6}, new double[] {0.3, 0.6}, new double[] {0.2, 0.7}, new LocaSchedule(50, 30, 10));
        Tensor x = Tensor.gaussian(F64, new Random(8), 1, 3, IN);
        Tensor dy = Tensor.gaussian(F64, new Random(9), 1, 3, OUT);
        List<String> seen = new ArrayList<>();
        for (int pass = 0; pass <= 51; pass++) {
            w.coefficients().zeroGradient();
            w.locations().zeroGradient();
            w.backward(dy, x);
            boolean a = w.coefficients().gradient().norm() > 0, l = w.locations().gradient().norm() > 0;
            if (List.of(0, 5, 9, 10, 15, 29, 30, 35, 45, 49, 50, 51).contains(pass)) {
                seen.add(pass + ":" + (a ? "a" : "") + (l ? "l" : ""));
            }
        }
        assertThat(seen).containsExactly("0:a", "5:a", "9:a", "10:l", "15:l", "29:l", "30:a", "35:a", "45:l", "49:l", "50:a", "51:a");
        assertThat(w.passes()).isEqualTo(52);
    }

    @Test
    void withoutAGivenLocationStepCountTheScheduleTakesATenthOfTheRun() {
        LocaSchedule s = new LocaSchedule(-1, 30, 10);
        assertThat(s.phase(15)).isEqualTo(LocaSchedule.Phase.COEFFICIENTS); // run length not known yet: B_s = 0
        s.runLength(400);
        assertThat(s.locationSteps()).isEqualTo(40);
        assertThat(s.phase(15)).isEqualTo(LocaSchedule.Phase.LOCATIONS);
        assertThat(s.phase(40)).isEqualTo(LocaSchedule.Phase.COEFFICIENTS);
        s.runLength(1000);
        assertThat(s.locationSteps()).isEqualTo(40);
        LocaSchedule eight = new LocaSchedule(-1, 30, 10);
        eight.runLength(8);
        assertThat(eight.locationSteps()).isEqualTo(1); // an 8-step run never reaches a location pass
    }
}
